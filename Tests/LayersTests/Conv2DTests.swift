import Foundation
import Layers
import OpenCLRuntime
import XCTest

/// Conv2D on the OpenCL device against the OpenBLAS CPU reference.
///
/// Tolerance: assertClose's 1e-4 relative (to |expected| + the mean magnitude), which float32
/// sums of up to a few hundred terms in a different order meet with room to spare.
final class Conv2DTests: XCTestCase {
    var context: ComputeContext!

    override func setUpWithError() throws {
        context = try makeTestContext()
    }

    struct Case {
        var input: Shape
        var config: Conv2DConfig
        var batch: Int
    }

    /// Fixed corner cases, then seeded random ones.
    func cases() -> [Case] {
        var list = [
            Case(input: Shape(channels: 3, height: 7, width: 7), config: Conv2DConfig(filters: 5, size: 1), batch: 2),
            Case(input: Shape(channels: 3, height: 13, width: 13), config: Conv2DConfig(filters: 17, size: 3, stride: 2, padding: 1), batch: 1),
            Case(input: Shape(channels: 5, height: 7, width: 7), config: Conv2DConfig(filters: 1, size: 3, padding: 2, dilation: 2), batch: 3),
            Case(input: Shape(channels: 4, height: 8, width: 8), config: Conv2DConfig(filters: 6, size: 3, padding: 1, groups: 2), batch: 2),
            Case(input: Shape(channels: 6, height: 7, width: 7), config: Conv2DConfig(filters: 6, size: 3, padding: 1, groups: 6, bias: false), batch: 2),
            Case(input: Shape(channels: 3, height: 13, width: 13), config: Conv2DConfig(filters: 8, size: 5, padding: 2, bias: false), batch: 2),
        ]
        var random = SeededGenerator(seed: 2024)
        while list.count < 24 {
            let groups = [1, 1, 2, 3].randomElement(using: &random)!
            let channels = groups * Int.random(in: 1...4, using: &random)
            let filters = groups * Int.random(in: 1...5, using: &random)
            let size = [1, 2, 3, 5].randomElement(using: &random)!
            let stride = Int.random(in: 1...2, using: &random)
            let dilation = size > 1 && Bool.random(using: &random) ? 2 : 1
            let padding = Int.random(in: 0...2, using: &random)
            let side = [5, 7, 8, 13].randomElement(using: &random)!
            let config = Conv2DConfig(filters: filters, size: size, stride: stride, padding: padding, dilation: dilation, groups: groups,
                                      bias: Bool.random(using: &random), rounding: .floor)
            guard (try? ConvReference(input: Shape(channels: channels, height: side, width: side), config: config)) != nil else { continue }
            list.append(Case(input: Shape(channels: channels, height: side, width: side), config: config, batch: Int.random(in: 1...3, using: &random)))
        }
        return list
    }

    /// Shapes the cpu-panels algorithm takes (output planes of a multiple of 16 pixels, groups 1):
    /// 32- and 16-column panels, one and two filter panels (with zero padding), stride,
    /// dilation, 1x1 windows, no bias, and a chunked batch.
    func panelCases() -> [Case] {
        [
            Case(input: Shape(channels: 3, height: 8, width: 8), config: Conv2DConfig(filters: 5, size: 3, padding: 1), batch: 2),
            Case(input: Shape(channels: 4, height: 8, width: 8), config: Conv2DConfig(filters: 17, size: 5, padding: 2), batch: 1),
            Case(input: Shape(channels: 2, height: 8, width: 8), config: Conv2DConfig(filters: 40, size: 3, stride: 2, padding: 1, bias: false, rounding: .floor), batch: 3),
            Case(input: Shape(channels: 3, height: 12, width: 12), config: Conv2DConfig(filters: 8, size: 3, padding: 2, dilation: 2), batch: 2),
            Case(input: Shape(channels: 6, height: 4, width: 4), config: Conv2DConfig(filters: 33, size: 1), batch: 5),
            Case(input: Shape(channels: 3, height: 16, width: 16), config: Conv2DConfig(filters: 32, size: 5, padding: 2), batch: 2),
        ]
    }

    /// Shapes the cpu-implicit algorithm takes (stride 1, plane widths 4, 8 or 16k): 16- and
    /// 32-lane output vectors, one and two filter panels, 1x1 and 5x5 windows, no padding,
    /// dilation, and input widths that differ from the output's (the input gradient's plane).
    func implicitCases() -> [Case] {
        [
            Case(input: Shape(channels: 3, height: 8, width: 8), config: Conv2DConfig(filters: 5, size: 3, padding: 1), batch: 2),
            Case(input: Shape(channels: 4, height: 8, width: 8), config: Conv2DConfig(filters: 17, size: 5, padding: 2), batch: 1),
            Case(input: Shape(channels: 2, height: 4, width: 4), config: Conv2DConfig(filters: 40, size: 1, bias: false), batch: 3),
            Case(input: Shape(channels: 3, height: 16, width: 16), config: Conv2DConfig(filters: 8, size: 3, padding: 2, dilation: 2), batch: 2),
            Case(input: Shape(channels: 3, height: 8, width: 8), config: Conv2DConfig(filters: 6, size: 5), batch: 2),
            Case(input: Shape(channels: 3, height: 16, width: 16), config: Conv2DConfig(filters: 32, size: 5, padding: 2), batch: 2),
        ]
    }

    func testCPUImplicitMatchesReference() throws {
        try checkAgainstReference(implicitCases(), algorithm: .cpuImplicit)
    }

    /// Planes the plain cpu-implicit kernels do not take, which run its rows kernels: airbench94's
    /// 3x3 convolutions after a 2x2 valid one (31x31 24->64, 15x15 64->64, 7x7 64->256, 3x3
    /// 256->256; fewer channels where the full counts only slow the test), the 2x2 valid
    /// convolution itself (32x32 in, 31x31 out: plain input gradient, rows forward), batches of
    /// 1 and odd ones (vectors of rows that span images and end past the chunk), partial
    /// register blocks, 5x5 windows, dilation and widths just past 16 and 32.
    func implicitRowsCases() -> [Case] {
        [
            Case(input: Shape(channels: 24, height: 31, width: 31), config: Conv2DConfig(filters: 16, size: 3, padding: 1, bias: false), batch: 1),
            Case(input: Shape(channels: 6, height: 31, width: 31), config: Conv2DConfig(filters: 10, size: 3, padding: 1), batch: 3),
            Case(input: Shape(channels: 16, height: 15, width: 15), config: Conv2DConfig(filters: 16, size: 3, padding: 1, bias: false), batch: 3),
            Case(input: Shape(channels: 9, height: 15, width: 15), config: Conv2DConfig(filters: 7, size: 3, padding: 1), batch: 1),
            Case(input: Shape(channels: 16, height: 7, width: 7), config: Conv2DConfig(filters: 40, size: 3, padding: 1, bias: false), batch: 5),
            Case(input: Shape(channels: 5, height: 7, width: 7), config: Conv2DConfig(filters: 3, size: 3, padding: 1), batch: 1),
            Case(input: Shape(channels: 256, height: 3, width: 3), config: Conv2DConfig(filters: 256, size: 3, padding: 1, bias: false), batch: 3),
            Case(input: Shape(channels: 7, height: 3, width: 3), config: Conv2DConfig(filters: 9, size: 3, padding: 1), batch: 1),
            Case(input: Shape(channels: 3, height: 32, width: 32), config: Conv2DConfig(filters: 24, size: 2, bias: true), batch: 3),
            Case(input: Shape(channels: 3, height: 13, width: 13), config: Conv2DConfig(filters: 8, size: 5, padding: 2), batch: 3),
            Case(input: Shape(channels: 2, height: 11, width: 11), config: Conv2DConfig(filters: 5, size: 3, padding: 2, dilation: 2), batch: 2),
            Case(input: Shape(channels: 3, height: 7, width: 7), config: Conv2DConfig(filters: 4, size: 3), batch: 3),
            Case(input: Shape(channels: 2, height: 17, width: 17), config: Conv2DConfig(filters: 3, size: 3, padding: 1), batch: 2),
            Case(input: Shape(channels: 2, height: 5, width: 33), config: Conv2DConfig(filters: 3, size: 1, bias: false), batch: 3),
        ]
    }

    func testCPUImplicitRowsMatchReference() throws {
        try checkAgainstReference(implicitRowsCases(), algorithm: .cpuImplicit)
    }

    func testCPUImplicitRowsChunkedBatchMatchesReference() throws {
        // Chunks of 2, 2 and 1 images: offsets into x, y, dy and dx, and a last chunk of one image.
        try checkAgainstReference([Case(input: Shape(channels: 3, height: 7, width: 7), config: Conv2DConfig(filters: 20, size: 3, padding: 1),
                                        batch: 5)], algorithm: .cpuImplicit, chunkImages: 2)
        try checkAgainstReference([Case(input: Shape(channels: 3, height: 15, width: 15), config: Conv2DConfig(filters: 9, size: 3, padding: 1),
                                        batch: 3)], algorithm: .cpuImplicit, chunkImages: 2)
    }

    /// The rows kernels leave the plain ones to the planes they took before: same kernels, same bits.
    func testPlainPlanesKeepPlainKernels() throws {
        for (side, plain) in [(32, true), (16, true), (8, true), (4, true), (31, false), (15, false), (7, false), (3, false), (12, false)] {
            let layer = try Conv2D(context: context, name: "conv", input: Shape(channels: 3, height: side, width: side),
                                   config: Conv2DConfig(filters: 4, size: 3, padding: 1), algorithm: .cpuImplicit)
            XCTAssertEqual(layer.kernels, plain ? "cpu-implicit" : "cpu-implicit rows", "\(side)x\(side)")
        }
    }

    /// The cpu-channels algorithm (16 filters a vector): filter counts that leave a vector
    /// partly empty (1, 5, 17, 40) and that fill several (64, 96), blocks hanging over the
    /// plane's right and bottom edges (widths 3, 7, 13, 31), 1x1, 2x2 valid and 5x5 windows,
    /// dilation, no padding, and input gradients with few channels (the transposed product's
    /// filters). Every pipeline shape is near one of these: 24->64 on 32x32, 256->256 on 4x4.
    func channelCases() -> [Case] {
        implicitCases() + [
            Case(input: Shape(channels: 24, height: 32, width: 32), config: Conv2DConfig(filters: 64, size: 3, padding: 1, bias: false), batch: 1),
            Case(input: Shape(channels: 48, height: 4, width: 4), config: Conv2DConfig(filters: 96, size: 3, padding: 1, bias: false), batch: 3),
            Case(input: Shape(channels: 64, height: 8, width: 8), config: Conv2DConfig(filters: 64, size: 3, padding: 1), batch: 2),
            Case(input: Shape(channels: 5, height: 7, width: 7), config: Conv2DConfig(filters: 1, size: 3, padding: 1), batch: 3),
            Case(input: Shape(channels: 17, height: 3, width: 3), config: Conv2DConfig(filters: 40, size: 3, padding: 1), batch: 2),
            Case(input: Shape(channels: 3, height: 32, width: 32), config: Conv2DConfig(filters: 24, size: 2, bias: true), batch: 2),
            Case(input: Shape(channels: 3, height: 13, width: 13), config: Conv2DConfig(filters: 17, size: 5, padding: 2), batch: 2),
            Case(input: Shape(channels: 2, height: 11, width: 11), config: Conv2DConfig(filters: 5, size: 3, padding: 2, dilation: 2), batch: 2),
            Case(input: Shape(channels: 6, height: 31, width: 31), config: Conv2DConfig(filters: 10, size: 3, padding: 1), batch: 1),
            Case(input: Shape(channels: 2, height: 5, width: 33), config: Conv2DConfig(filters: 3, size: 1, bias: false), batch: 3),
        ]
    }

    func testCPUChannelsMatchesReference() throws {
        try checkAgainstReference(channelCases(), algorithm: .cpuChannels)
    }

    func testCPUChannelsChunkedBatchMatchesReference() throws {
        // Chunks of 2, 2 and 1 images: offsets into x, y, dy and dx, and the weights packed once per pass.
        try checkAgainstReference([Case(input: Shape(channels: 3, height: 7, width: 7), config: Conv2DConfig(filters: 20, size: 3, padding: 1),
                                        batch: 5)], algorithm: .cpuChannels, chunkImages: 2)
        try checkAgainstReference([Case(input: Shape(channels: 40, height: 4, width: 4), config: Conv2DConfig(filters: 33, size: 3, padding: 1),
                                        batch: 5)], algorithm: .cpuChannels, chunkImages: 2)
    }

    /// Shapes the cpu-winograd algorithm takes (3x3, stride 1, dilation 1, groups 1): planes of
    /// an odd side (tiles hanging over the right and bottom edges: 7x7, 13x13, 3x3, 5x9), padding
    /// 0, 1 and 2 (input gradients padded by 2, 1 and 0), filter and channel counts that leave
    /// the products' 8-row and 32-column blocks partly empty (1, 5, 17, 33, 40), tile counts past
    /// one block, no bias, and cifar10-fast's shapes with fewer images (24->64 on 32x32, 64->256
    /// on 16x16, 256->256 on 8x8 and 4x4).
    func winogradCases() -> [Case] {
        [
            Case(input: Shape(channels: 3, height: 8, width: 8), config: Conv2DConfig(filters: 5, size: 3, padding: 1), batch: 2),
            Case(input: Shape(channels: 5, height: 7, width: 7), config: Conv2DConfig(filters: 17, size: 3, padding: 1), batch: 3),
            Case(input: Shape(channels: 13, height: 13, width: 13), config: Conv2DConfig(filters: 40, size: 3), batch: 2),
            Case(input: Shape(channels: 4, height: 9, width: 5), config: Conv2DConfig(filters: 6, size: 3, padding: 2, bias: false), batch: 2),
            Case(input: Shape(channels: 17, height: 3, width: 3), config: Conv2DConfig(filters: 1, size: 3, padding: 1), batch: 5),
            Case(input: Shape(channels: 33, height: 4, width: 4), config: Conv2DConfig(filters: 9, size: 3, padding: 1), batch: 1),
            Case(input: Shape(channels: 24, height: 32, width: 32), config: Conv2DConfig(filters: 64, size: 3, padding: 1, bias: false), batch: 1),
            Case(input: Shape(channels: 64, height: 16, width: 16), config: Conv2DConfig(filters: 256, size: 3, padding: 1, bias: false), batch: 1),
            Case(input: Shape(channels: 256, height: 8, width: 8), config: Conv2DConfig(filters: 256, size: 3, padding: 1, bias: false), batch: 2),
            Case(input: Shape(channels: 256, height: 4, width: 4), config: Conv2DConfig(filters: 256, size: 3, padding: 1, bias: false), batch: 3),
        ]
    }

    func testCPUWinogradMatchesReference() throws {
        try checkAgainstReference(winogradCases(), algorithm: .cpuWinograd, tolerance: ConvAlgorithm.cpuWinograd.tolerance)
    }

    func testCPUWinograd4x4MatchesReference() throws {
        try checkAgainstReference(winogradCases(), algorithm: .cpuWinograd4, tolerance: ConvAlgorithm.cpuWinograd4.tolerance)
    }

    func testCPUWinogradChunkedBatchMatchesReference() throws {
        try checkWinogradChunks(.cpuWinograd, .cpuWinograd4)
    }

    /// Chunks of 2, 2 and 1 images: offsets into x, y, dy and dx, the filters transformed once
    /// per pass, and the transformed filters' gradient summed over the chunks before one
    /// transform; a plane of partial tiles, one of a single tile, with each tile size.
    private func checkWinogradChunks(_ tile2: ConvAlgorithm, _ tile4: ConvAlgorithm) throws {
        let cases = [(Shape(channels: 3, height: 7, width: 7), 20, [tile2]), (Shape(channels: 40, height: 4, width: 4), 33, [tile2, tile4]),
                     (Shape(channels: 6, height: 9, width: 9), 7, [tile4])]
        for (input, filters, algorithms) in cases {
            for algorithm in algorithms {
                try checkAgainstReference([Case(input: input, config: Conv2DConfig(filters: filters, size: 3, padding: 1), batch: 5)],
                                          algorithm: algorithm, chunkImages: 2, tolerance: algorithm.tolerance)
            }
        }
    }

    /// The gpu style: the same transforms with gemm.cl's batched product (here with the tests'
    /// small tiling, which leaves partial tiles in every product), the padded copy one work-item
    /// per element and the work-group bias reduction.
    func testGPUWinogradMatchesReference() throws {
        try checkAgainstReference(winogradCases(), algorithm: .gpuWinograd, tolerance: ConvAlgorithm.gpuWinograd.tolerance)
        try checkAgainstReference(winogradCases(), algorithm: .gpuWinograd4, tolerance: ConvAlgorithm.gpuWinograd4.tolerance)
    }

    func testGPUWinogradChunkedBatchMatchesReference() throws {
        try checkWinogradChunks(.gpuWinograd, .gpuWinograd4)
    }

    func testCPUWinogradRefusesOtherWindows() throws {
        for (config, expected) in [(Conv2DConfig(filters: 4, size: 5, padding: 2), "3x3"),
                                   (Conv2DConfig(filters: 4, size: 3, padding: 2, dilation: 2), "dilation 1"),
                                   (Conv2DConfig(filters: 4, size: 3, stride: 2, padding: 1, rounding: .floor), "stride 1"),
                                   (Conv2DConfig(filters: 4, size: 3, padding: 1, groups: 2), "groups = 1")] {
            XCTAssertThrowsError(try Conv2D(context: context, name: "conv", input: Shape(channels: 4, height: 8, width: 8), config: config,
                                            algorithm: config.groups == 1 ? .cpuWinograd4 : .gpuWinograd)) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
    }

    func testCPUImplicitChunkedBatchMatchesReference() throws {
        try checkAgainstReference([Case(input: Shape(channels: 3, height: 8, width: 8), config: Conv2DConfig(filters: 20, size: 3, padding: 1),
                                        batch: 5)], algorithm: .cpuImplicit, chunkImages: 2)
    }

    func testMatchesReference() throws {
        try checkAgainstReference(cases(), algorithm: .tiledGemm)
    }

    func testCPUPanelsMatchReference() throws {
        try checkAgainstReference(panelCases(), algorithm: .cpuPanels)
    }

    func testCPUPanelsChunkedBatchMatchesReference() throws {
        // Two images per chunk: a batch of 5 runs as 2, 2 and 1, so offsets into x, y, dy and dx matter.
        try checkAgainstReference([Case(input: Shape(channels: 3, height: 8, width: 8), config: Conv2DConfig(filters: 20, size: 3, padding: 1),
                                        batch: 5)], algorithm: .cpuPanels, chunkImages: 2)
    }

    func testAlgorithmChoice() throws {
        let cifar = try Conv2D(context: context, name: "conv", input: Shape(channels: 3, height: 32, width: 32),
                               config: Conv2DConfig(filters: 32, size: 5, padding: 2))
        XCTAssertEqual(cifar.algorithm, context.device.kind == .cpu ? .cpuImplicit : .tiledGemm)
        let strided = try Conv2D(context: context, name: "conv", input: Shape(channels: 3, height: 8, width: 8),
                                 config: Conv2DConfig(filters: 4, size: 3, stride: 2, padding: 1, rounding: .floor))
        XCTAssertEqual(strided.algorithm, context.device.kind == .cpu ? .cpuPanels : .tiledGemm, "cpu-implicit needs stride 1")
        let odd = try Conv2D(context: context, name: "conv", input: Shape(channels: 3, height: 7, width: 7), config: Conv2DConfig(filters: 4, size: 3))
        XCTAssertEqual(odd.algorithm, context.device.kind == .cpu ? .cpuImplicit : .tiledGemm, "5x5 output planes: cpu-implicit's rows kernels")
        let airbench = try Conv2D(context: context, name: "conv", input: Shape(channels: 24, height: 31, width: 31),
                                  config: Conv2DConfig(filters: 64, size: 3, padding: 1, bias: false))
        XCTAssertEqual(airbench.algorithm, context.device.kind == .cpu ? .cpuImplicit : .tiledGemm)
        let channels = try Conv2D(context: context, name: "conv", input: Shape(channels: 256, height: 8, width: 8),
                                  config: Conv2DConfig(filters: 256, size: 3, padding: 1, bias: false))
        XCTAssertEqual(channels.algorithm, context.device.kind == .cpu ? .cpuChannels : .tiledGemm, "many channels: filters in the lanes")
        let few = try Conv2D(context: context, name: "conv", input: Shape(channels: 24, height: 32, width: 32),
                             config: Conv2DConfig(filters: 64, size: 3, padding: 1, bias: false))
        XCTAssertEqual(few.algorithm, context.device.kind == .cpu ? .cpuImplicit : .tiledGemm, "24 input channels fill 24 of 32 lanes")
        let panels = try Conv2D(context: context, name: "conv", input: Shape(channels: 3, height: 12, width: 12),
                                config: Conv2DConfig(filters: 4, size: 3, padding: 1))
        XCTAssertEqual(panels.algorithm, context.device.kind == .cpu ? .cpuPanels : .tiledGemm, "12x12 planes keep cpu-panels")
        XCTAssertThrowsError(try Conv2D(context: context, name: "grouped", input: Shape(channels: 4, height: 8, width: 8),
                                        config: Conv2DConfig(filters: 4, size: 3, padding: 1, groups: 2), algorithm: .cpuPanels)) { error in
            XCTAssertTrue("\(error)".contains("groups = 1"), "\(error)")
        }
        XCTAssertThrowsError(try Conv2D(context: context, name: "strided", input: Shape(channels: 3, height: 12, width: 12),
                                        config: Conv2DConfig(filters: 4, size: 3, stride: 2, padding: 1, rounding: .floor),
                                        algorithm: .cpuImplicit)) { error in
            XCTAssertTrue("\(error)".contains("needs stride 1"), "\(error)")
        }
    }

    func checkAgainstReference(_ cases: [Case], algorithm: ConvAlgorithm, chunkImages: Int? = nil, tolerance: Float = 1e-4) throws {
        var random = SeededGenerator(seed: 7)
        for item in cases {
            let label = "\(algorithm) \(item.config) on \(item.input) batch \(item.batch)"
            let layer = try Conv2D(context: context, name: "conv", input: item.input, config: item.config, gemmTuning: layerTestTuning,
                                   algorithm: algorithm)
            if let chunkImages {
                // Bytes per image: what a second image adds (buffers that do not grow with the chunk cancel).
                layer.chunkBudgetBytes = (layer.scratchBytes(batch: 2) - layer.scratchBytes(batch: 1)) * chunkImages
                XCTAssertEqual(layer.chunkSize(batch: item.batch), chunkImages)
            }
            let reference = try ConvReference(input: item.input, config: item.config)
            XCTAssertEqual(layer.outputShape, reference.output, label)
            let x = random.floats(item.batch * item.input.count)
            let w = random.floats(layer.weight.count)
            let b = item.config.bias ? random.floats(item.config.filters) : []
            let dy = random.floats(item.batch * layer.outputShape.count)
            try layer.weight.value.write(w)
            if let bias = layer.bias { try bias.value.write(b) }
            try layer.reserve(batch: item.batch)
            let xBuffer = try context.buffer(x)
            let yBuffer = try context.buffer(Float.self, count: item.batch * layer.outputShape.count)
            let dyBuffer = try context.buffer(dy)
            let dxBuffer = try context.buffer(Float.self, count: x.count)
            try dxBuffer.fill(.nan)  // must be overwritten
            try layer.forward(xBuffer, into: yBuffer, batch: item.batch, mode: .training)
            assertClose(try yBuffer.read(), reference.forward(x: x, weight: w, bias: b, batch: item.batch), tolerance: tolerance,
                        "forward \(label)")
            let expected = reference.backward(x: x, weight: w, dy: dy, batch: item.batch)
            for pass in 1...2 {  // the second pass checks that parameter gradients accumulate
                try layer.backward(input: xBuffer, output: yBuffer, outputGradient: dyBuffer, inputGradient: dxBuffer, batch: item.batch)
                let scale = Float(pass)
                assertClose(try dxBuffer.read(), expected.dx, tolerance: tolerance, "input gradient \(label)")
                assertClose(try layer.weight.gradient.read(), expected.dweight.map { $0 * scale }, tolerance: tolerance,
                            "weight gradient pass \(pass) \(label)")
                if let bias = layer.bias {
                    assertClose(try bias.gradient.read(), expected.dbias.map { $0 * scale }, "bias gradient pass \(pass) \(label)")
                }
            }
        }
    }

    func testChunkedBatchMatchesReference() throws {
        // A budget of two images' scratch: a batch of 5 runs as chunks of 2, 2 and 1.
        let input = Shape(channels: 3, height: 9, width: 9), config = Conv2DConfig(filters: 4, size: 3, stride: 2, padding: 1)
        let layer = try Conv2D(context: context, name: "conv", input: input, config: config, gemmTuning: layerTestTuning)
        layer.chunkBudgetBytes = layer.scratchBytes(batch: 1) * 2
        XCTAssertEqual(layer.chunkSize(batch: 5), 2)
        let before = context.memory.bytesInUse
        try layer.reserve(batch: 5)
        XCTAssertEqual(context.memory.bytesInUse - before, layer.scratchBytes(batch: 5))
        XCTAssertEqual(layer.scratchBytes(batch: 5), layer.scratchBytes(batch: 2))
        let reference = try ConvReference(input: input, config: config)
        var random = SeededGenerator(seed: 5)
        let batch = 5
        let x = random.floats(batch * input.count), w = random.floats(layer.weight.count), b = random.floats(4)
        let dy = random.floats(batch * layer.outputShape.count)
        try layer.weight.value.write(w)
        try layer.bias!.value.write(b)
        let xBuffer = try context.buffer(x), dyBuffer = try context.buffer(dy)
        let yBuffer = try context.buffer(Float.self, count: dy.count), dxBuffer = try context.buffer(Float.self, count: x.count)
        try layer.forward(xBuffer, into: yBuffer, batch: batch, mode: .training)
        assertClose(try yBuffer.read(), reference.forward(x: x, weight: w, bias: b, batch: batch), "chunked forward")
        try layer.backward(input: xBuffer, output: yBuffer, outputGradient: dyBuffer, inputGradient: dxBuffer, batch: batch)
        let expected = reference.backward(x: x, weight: w, dy: dy, batch: batch)
        assertClose(try dxBuffer.read(), expected.dx, "chunked input gradient")
        assertClose(try layer.weight.gradient.read(), expected.dweight, "chunked weight gradient")
        assertClose(try layer.bias!.gradient.read(), expected.dbias, "chunked bias gradient")
    }

    func testNonIntegerOutputIsRejectedWithTheNumbers() throws {
        XCTAssertThrowsError(try Conv2D(context: context, name: "conv2", input: Shape(channels: 3, height: 32, width: 32),
                                        config: Conv2DConfig(filters: 8, size: 4, stride: 3))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("conv2"), text)
            XCTAssertTrue(text.contains("(32 - 4 + 2*0)/3 + 1"), text)
        }
        XCTAssertThrowsError(try Conv2D(context: context, name: "grouped", input: Shape(channels: 3, height: 8, width: 8),
                                        config: Conv2DConfig(filters: 4, size: 3, groups: 2))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("grouped") && text.contains("groups 2") && text.contains("(3)"), text)
        }
    }

    func testScratchBytesMatchWhatReserveAllocates() throws {
        let layer = try Conv2D(context: context, name: "conv", input: Shape(channels: 3, height: 13, width: 13),
                               config: Conv2DConfig(filters: 5, size: 3, padding: 1))
        let before = context.memory.bytesInUse
        try layer.reserve(batch: 4)
        XCTAssertEqual(context.memory.bytesInUse - before, layer.scratchBytes(batch: 4))
        XCTAssertEqual(layer.forwardFLOPsPerImage, 2 * 9 * 3 * 5 * 169 + 5 * 169)
    }

    /// Manual benchmark (`CONVEYOR_CONV_BENCH=1`, release build): cifar10-quick's conv2 at batch 100,
    /// forward and backward, against the OpenBLAS reference. No assertion on time.
    func testBenchmark() throws {
        guard ProcessInfo.processInfo.environment["CONVEYOR_CONV_BENCH"] != nil else { throw XCTSkip("set CONVEYOR_CONV_BENCH=1") }
        let input = Shape(channels: 32, height: 16, width: 16), config = Conv2DConfig(filters: 32, size: 5, padding: 2), batch = 100
        let layer = try Conv2D(context: context, name: "conv2", input: input, config: config)
        let reference = try ConvReference(input: input, config: config)
        var random = SeededGenerator(seed: 1)
        let x = random.floats(batch * input.count), w = random.floats(layer.weight.count), b = random.floats(32)
        let dy = random.floats(batch * layer.outputShape.count)
        try layer.reserve(batch: batch)
        let xBuffer = try context.buffer(x), dyBuffer = try context.buffer(dy)
        let yBuffer = try context.buffer(Float.self, count: dy.count), dxBuffer = try context.buffer(Float.self, count: x.count)
        func time(_ body: () throws -> Void) rethrows -> Double {
            try body()
            let start = Date()
            for _ in 0..<3 { try body() }
            return Date().timeIntervalSince(start) / 3
        }
        let forward = try time {
            try layer.forward(xBuffer, into: yBuffer, batch: batch, mode: .training)
            try context.finish()
        }
        let backward = try time {
            try layer.backward(input: xBuffer, output: yBuffer, outputGradient: dyBuffer, inputGradient: dxBuffer, batch: batch)
            try context.finish()
        }
        let cpuForward = time { _ = reference.forward(x: x, weight: w, bias: b, batch: batch) }
        let cpuBackward = time { _ = reference.backward(x: x, weight: w, dy: dy, batch: batch) }
        let flops = Double(layer.forwardFLOPsPerImage * batch)
        func rate(_ seconds: Double, _ factor: Double) -> String { String(format: "%.1f ms (%.1f GFLOP/s)", seconds * 1e3, factor * flops / seconds / 1e9) }
        print("conv2 batch 100 OpenCL: forward \(rate(forward, 1)), backward \(rate(backward, 2))")
        print("conv2 batch 100 OpenBLAS reference: forward \(rate(cpuForward, 1)), backward \(rate(cpuBackward, 2))")
    }
}
