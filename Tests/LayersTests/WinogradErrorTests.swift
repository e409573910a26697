import Foundation
import Layers
import OpenCLRuntime
import XCTest

/// The error of the Winograd convolutions (both styles) against a float64 reference, beside the algorithm the rules pick,
/// on the 3x3 layers of the shipped pipelines: the measurement its tolerance
/// (`ConvAlgorithm.tolerance`) is derived from, the table of docs/performance.md.
///
/// The relative error is `assertClose`'s: the largest |device - exact| / (|exact| + mean |exact|).
/// Inputs, weights and output gradients are uniform in [-1, 1], as in the parity tests.
final class WinogradErrorTests: XCTestCase {
    var context: ComputeContext!

    override func setUpWithError() throws {
        context = try makeTestContext()
    }

    struct Layer3x3 {
        var name: String
        var input: Shape
        var filters: Int
        var batch: Int
    }

    /// cifar10-fast's six and quickstart's three convolutions (all 3x3, padding 1, stride 1).
    static let shippedLayers = [
        Layer3x3(name: "cifar10-fast conv1", input: Shape(channels: 24, height: 32, width: 32), filters: 64, batch: 2),
        Layer3x3(name: "cifar10-fast conv2", input: Shape(channels: 64, height: 16, width: 16), filters: 64, batch: 2),
        Layer3x3(name: "cifar10-fast conv3", input: Shape(channels: 64, height: 16, width: 16), filters: 256, batch: 2),
        Layer3x3(name: "cifar10-fast conv4, conv5", input: Shape(channels: 256, height: 8, width: 8), filters: 256, batch: 2),
        Layer3x3(name: "cifar10-fast conv6", input: Shape(channels: 256, height: 4, width: 4), filters: 256, batch: 4),
        Layer3x3(name: "quickstart conv1", input: Shape(channels: 3, height: 32, width: 32), filters: 16, batch: 2),
        Layer3x3(name: "quickstart conv2", input: Shape(channels: 16, height: 16, width: 16), filters: 32, batch: 2),
        Layer3x3(name: "quickstart conv3", input: Shape(channels: 32, height: 8, width: 8), filters: 32, batch: 2),
    ]

    /// The table for docs/performance.md (`CONVEYOR_WINOGRAD_ERRORS=1`, all shipped layers); by
    /// default the two smallest-plane layers, where the test checks Winograd stays within its tolerance.
    func testErrorAgainstFloat64() throws {
        let all = ProcessInfo.processInfo.environment["CONVEYOR_WINOGRAD_ERRORS"] != nil
        let layers = all ? Self.shippedLayers : [Self.shippedLayers[7], Layer3x3(name: "small 256x4x4", input: Shape(channels: 64, height: 4, width: 4),
                                                                                     filters: 64, batch: 2)]
        print("layer | algorithm | output | input gradient | weight gradient")
        for item in layers {
            let config = Conv2DConfig(filters: item.filters, size: 3, padding: 1, bias: false)
            var random = SeededGenerator(seed: 11)
            let x = random.floats(item.batch * item.input.count)
            let exact = Float64Convolution(input: item.input, filters: item.filters, batch: item.batch)
            let w = random.floats(item.filters * item.input.channels * 9)
            let dy = random.floats(item.batch * item.filters * item.input.height * item.input.width)
            let expected = (y: exact.forward(x: x, w: w), dx: exact.inputGradient(dy: dy, w: w), dw: exact.weightGradient(x: x, dy: dy))
            let rule = try Conv2D(context: context, name: "rule", input: item.input, config: config).algorithm
            for algorithm in [rule, .cpuWinograd, .cpuWinograd4, .gpuWinograd, .gpuWinograd4] {
                let layer = try Conv2D(context: context, name: "conv", input: item.input, config: config, algorithm: algorithm)
                try layer.weight.value.write(w)
                try layer.reserve(batch: item.batch)
                let xBuffer = try context.buffer(x), dyBuffer = try context.buffer(dy)
                let yBuffer = try context.buffer(Float.self, count: dy.count), dxBuffer = try context.buffer(Float.self, count: x.count)
                try layer.weight.gradient.fill(0)
                try layer.forward(xBuffer, into: yBuffer, batch: item.batch, mode: .training)
                try layer.backward(input: xBuffer, output: yBuffer, outputGradient: dyBuffer, inputGradient: dxBuffer, batch: item.batch)
                let errors = [Self.error(try yBuffer.read(), expected.y), Self.error(try dxBuffer.read(), expected.dx),
                              Self.error(try layer.weight.gradient.read(), expected.dw)]
                print(String(format: "%@ %dx%dx%d -> %d | %@ | %.1e | %.1e | %.1e", item.name, item.input.channels, item.input.height,
                             item.input.width, item.filters, algorithm.rawValue, errors[0], errors[1], errors[2]))
                for error in errors { XCTAssertLessThanOrEqual(Float(error), algorithm.tolerance, "\(item.name) \(algorithm)") }
            }
        }
    }

    /// assertClose's relative error of float32 results against float64 ones.
    static func error(_ actual: [Float], _ exact: [Double]) -> Double {
        let scale = exact.reduce(0) { $0 + abs($1) } / Double(exact.count)
        return zip(actual, exact).map { abs(Double($0) - $1) / (abs($1) + scale + 1e-300) }.max() ?? 0
    }
}

/// A 3x3, padding-1, stride-1 convolution without bias in float64: forward, input gradient and
/// weight gradient by direct sums.
struct Float64Convolution {
    let input: Shape, filters: Int, batch: Int

    private var channels: Int { input.channels }
    private var h: Int { input.height }
    private var w: Int { input.width }

    /// Calls body(b, k, c, y, x, ky, kx, yi, xi) for every product term whose input pixel (yi, xi) is inside the plane.
    private func terms(_ body: (Int, Int, Int, Int, Int, Int, Int, Int, Int) -> Void) {
        for b in 0..<batch {
            for k in 0..<filters {
                for c in 0..<channels {
                    for ky in 0..<3 {
                        for kx in 0..<3 {
                            for y in 0..<h {
                                let yi = y + ky - 1
                                guard yi >= 0, yi < h else { continue }
                                for x in 0..<w {
                                    let xi = x + kx - 1
                                    guard xi >= 0, xi < w else { continue }
                                    body(b, k, c, y, x, ky, kx, yi, xi)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func forward(x: [Float], w weights: [Float]) -> [Double] {
        var y = [Double](repeating: 0, count: batch * filters * h * w)
        x.withUnsafeBufferPointer { x in
            weights.withUnsafeBufferPointer { wt in
                y.withUnsafeMutableBufferPointer { y in
                    terms { b, k, c, oy, ox, ky, kx, yi, xi in
                        y[((b * filters + k) * h + oy) * w + ox] += Double(wt[((k * channels + c) * 3 + ky) * 3 + kx])
                            * Double(x[((b * channels + c) * h + yi) * w + xi])
                    }
                }
            }
        }
        return y
    }

    func inputGradient(dy: [Float], w weights: [Float]) -> [Double] {
        var dx = [Double](repeating: 0, count: batch * channels * h * w)
        dy.withUnsafeBufferPointer { dy in
            weights.withUnsafeBufferPointer { wt in
                dx.withUnsafeMutableBufferPointer { dx in
                    terms { b, k, c, oy, ox, ky, kx, yi, xi in
                        dx[((b * channels + c) * h + yi) * w + xi] += Double(wt[((k * channels + c) * 3 + ky) * 3 + kx])
                            * Double(dy[((b * filters + k) * h + oy) * w + ox])
                    }
                }
            }
        }
        return dx
    }

    func weightGradient(x: [Float], dy: [Float]) -> [Double] {
        var dw = [Double](repeating: 0, count: filters * channels * 9)
        x.withUnsafeBufferPointer { x in
            dy.withUnsafeBufferPointer { dy in
                dw.withUnsafeMutableBufferPointer { dw in
                    terms { b, k, c, oy, ox, ky, kx, yi, xi in
                        dw[((k * channels + c) * 3 + ky) * 3 + kx] += Double(dy[((b * filters + k) * h + oy) * w + ox])
                            * Double(x[((b * channels + c) * h + yi) * w + xi])
                    }
                }
            }
        }
        return dw
    }
}

/// Manual benchmark (`CONVEYOR_WINOGRAD_BENCH=BATCH`): cifar10-fast's 3x3 layers, forward and
/// backward alone, each algorithm in turn within each round (a shared machine's speed drifts
/// between runs; within a round it drifts less), best of the rounds. No assertion on time.
final class WinogradBenchmarkTests: XCTestCase {
    func testAlgorithmsOnTheShippedLayers() throws {
        guard let text = ProcessInfo.processInfo.environment["CONVEYOR_WINOGRAD_BENCH"], let batch = Int(text) else {
            throw XCTSkip("set CONVEYOR_WINOGRAD_BENCH=BATCH")
        }
        let profile = ProcessInfo.processInfo.environment["CONVEYOR_WINOGRAD_BENCH_PROFILE"] != nil
        let context = try ComputeContext(selector: ProcessInfo.processInfo.environment["CONVEYOR_TEST_DEVICE"] ?? "cpu", profiling: profile)
        let only = ProcessInfo.processInfo.environment["CONVEYOR_WINOGRAD_BENCH_LAYERS"].map { $0.split(separator: ",").map(String.init) }
        let algorithms: [ConvAlgorithm] = [.cpuChannels, .cpuImplicit, .cpuWinograd, .cpuWinograd4]
        // cifar10-fast's layers by default; any shipped layer by name.
        let layers = only == nil ? Array(WinogradErrorTests.shippedLayers.prefix(5)) : WinogradErrorTests.shippedLayers
        for item in layers where only.map({ $0.contains { item.name.contains($0) } }) ?? true {
            let config = Conv2DConfig(filters: item.filters, size: 3, padding: 1, bias: false)
            var random = SeededGenerator(seed: 3)
            let x = try context.buffer(random.floats(batch * item.input.count))
            let outputCount = batch * item.filters * item.input.height * item.input.width
            let dy = try context.buffer(random.floats(outputCount))
            let y = try context.buffer(Float.self, count: outputCount), dx = try context.buffer(Float.self, count: batch * item.input.count)
            let layers = try algorithms.map { algorithm -> Conv2D in
                let layer = try Conv2D(context: context, name: "bench", input: item.input, config: config, algorithm: algorithm)
                try layer.reserve(batch: batch)
                try layer.forward(x, into: y, batch: 1, mode: .training)   // compiles the kernels
                return layer
            }
            var best = [(forward: Double, backward: Double)](repeating: (.infinity, .infinity), count: layers.count)
            for _ in 0..<3 {
                for (index, layer) in layers.enumerated() {
                    try context.finish()
                    let start = DispatchTime.now().uptimeNanoseconds
                    try layer.forward(x, into: y, batch: batch, mode: .training)
                    try context.finish()
                    let middle = DispatchTime.now().uptimeNanoseconds
                    try layer.backward(input: x, output: y, outputGradient: dy, inputGradient: dx, batch: batch)
                    try context.finish()
                    let end = DispatchTime.now().uptimeNanoseconds
                    best[index] = (min(best[index].forward, Double(middle - start) / 1e6), min(best[index].backward, Double(end - middle) / 1e6))
                }
            }
            if profile {
                for layer in layers where layer.algorithm == .cpuWinograd || layer.algorithm == .cpuWinograd4 {
                    context.startKernelProfile()
                    try layer.forward(x, into: y, batch: batch, mode: .training)
                    try layer.backward(input: x, output: y, outputGradient: dy, inputGradient: dx, batch: batch)
                    let entries = try context.kernelProfile().map { String(format: "%@ %.1f ms", $0.kernel, $0.seconds * 1e3) }
                    print("  \(layer.algorithm.rawValue): " + entries.joined(separator: ", "))
                }
            }
            let cells = zip(algorithms, best).map { String(format: "%@ %.1f / %.1f", $0.rawValue, $1.forward, $1.backward) }
            print("\(item.name) batch \(batch) (forward / backward ms): " + cells.joined(separator: ", "))
        }
    }
}
