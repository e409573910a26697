import Foundation
import OpenCLRuntime

/// How a `Conv2D` computes its products.
public enum ConvAlgorithm: String, Sendable, CaseIterable {
    /// Row-major im2col and the tiled, local-memory product of gemm.cl: any device, any shape.
    case tiledGemm = "tiled-gemm"
    /// Panel-packed im2col and the barrier-free product of conv_cpu.cl, for CPU devices
    /// (PoCL): about 3x the tiled product there. Needs groups = 1 and output planes of a
    /// multiple of 16 pixels, so a vector of columns never straddles two images.
    case cpuPanels = "cpu-panels"
    /// Products that read a zero-padded copy of the input, no columns at all (conv_implicit.cl),
    /// for CPU devices: stride 1, groups 1, planes of any width (widths of 4, 8 or a multiple of
    /// 16 with planes of a multiple of 16 pixels run the plain kernels, others the rows kernels).
    case cpuImplicit = "cpu-implicit"
    /// Products whose vector lanes are 16 filters of one pixel (conv_channels.cl), for CPU
    /// devices: stride 1, groups 1, any plane; full vectors on small planes with many filters.
    case cpuChannels = "cpu-channels"
    /// Winograd's F(2x2, 3x3) (conv_winograd.cl): 2.25x fewer multiplications, the transformed
    /// tiles multiplied as 16 matrix products; 3x3 windows, stride 1, dilation 1, groups 1,
    /// padding up to 2. CPU kernels (one work-item per work-group): the rules never pick it on
    /// GPUs; the tuner keeps it where it measures faster.
    case cpuWinograd = "cpu-winograd"
    /// Winograd's F(4x4, 3x3): 4x fewer multiplications than a direct convolution, 36 products
    /// per tile of 4x4 outputs, with transforms whose larger coefficients round more (see
    /// `tolerance`); the same layers and kernels as cpu-winograd.
    case cpuWinograd4 = "cpu-winograd-4x4"
    /// cpu-winograd's transforms with the products as one batched launch of gemm.cl's tiled,
    /// local-memory product (work-groups, coalesced loads): the style for GPUs, a candidate of
    /// the tuner there; the same layers as cpu-winograd.
    case gpuWinograd = "gpu-winograd"
    /// gpu-winograd with F(4x4, 3x3), as cpu-winograd-4x4.
    case gpuWinograd4 = "gpu-winograd-4x4"

    /// Why this algorithm cannot run a layer, or nil when it can.
    public func refusal(input: Shape, config: Conv2DConfig, output: Shape) -> String? {
        switch self {
        case .tiledGemm:
            return nil
        case .cpuPanels:
            return PanelConvolution.refusal(input: input, config: config, output: output)
        case .cpuImplicit:
            return ImplicitConvolution.refusal(input: input, config: config, output: output)
        case .cpuChannels:
            return ChannelVectorConvolution.refusal(input: input, config: config, output: output)
        case .cpuWinograd, .cpuWinograd4, .gpuWinograd, .gpuWinograd4:
            return WinogradConvolution.refusal(algorithm: self, input: input, config: config)
        }
    }

    /// Whether the tuner times this algorithm on a device of `kind`: each style on its own kind
    /// of device (a CPU kernel with one work-item per work-group would take seconds on a GPU and
    /// say nothing), tiled-gemm everywhere.
    public func isTunerCandidate(on kind: Device.Kind) -> Bool {
        switch self {
        case .tiledGemm: return true
        case .cpuPanels, .cpuImplicit, .cpuChannels, .cpuWinograd, .cpuWinograd4: return kind == .cpu
        case .gpuWinograd, .gpuWinograd4: return kind != .cpu
        }
    }

    /// Outputs per side of a Winograd tile, F(m x m, 3x3); nil for the direct algorithms.
    var winogradTile: Int? {
        switch self {
        case .cpuWinograd, .gpuWinograd: return 2
        case .cpuWinograd4, .gpuWinograd4: return 4
        case .tiledGemm, .cpuPanels, .cpuImplicit, .cpuChannels: return nil
        }
    }

    /// Why an algorithm that convolves a zero-padded copy of its input with stride 1
    /// (cpu-implicit, cpu-channels) cannot run a layer, or nil when it can.
    static func paddedCopyRefusal(_ algorithm: String, config: Conv2DConfig) -> String? {
        if config.groups != 1 { return "groups is \(config.groups); the \(algorithm) convolution needs groups = 1" }
        if config.stride != 1 { return "stride is \(config.stride); the \(algorithm) convolution needs stride 1" }
        if config.padding > config.dilation * (config.size - 1) {
            return "padding \(config.padding) is wider than the window; the \(algorithm) convolution cannot run it"
        }
        return nil
    }

    /// The type that runs this algorithm for one layer; `refusal` must have said yes.
    func convolution(context: ComputeContext, layer: String, input: Shape, output: Shape, config: Conv2DConfig,
                     gemmTuning: GemmTuning?) throws -> any ConvolutionAlgorithm {
        switch self {
        case .tiledGemm:
            return try TiledGemmConvolution(context: context, layer: layer, input: input, output: output, config: config,
                                            gemmTuning: gemmTuning)
        case .cpuPanels:
            return try PanelConvolution(context: context, layer: layer, input: input, output: output, config: config)
        case .cpuImplicit:
            return try ImplicitConvolution(context: context, layer: layer, input: input, output: output, config: config)
        case .cpuChannels:
            return try ChannelVectorConvolution(context: context, layer: layer, input: input, output: output, config: config)
        case .cpuWinograd, .cpuWinograd4:
            return try WinogradConvolution(context: context, layer: layer, input: input, output: output, config: config,
                                           kind: self, tile: winogradTile!, style: .cpuBlocks)
        case .gpuWinograd, .gpuWinograd4:
            let tuning = gemmTuning ?? GemmTuning.rule(for: context.device)
            return try WinogradConvolution(context: context, layer: layer, input: input, output: output, config: config,
                                           kind: self, tile: winogradTile!, style: .tiledGemm(tuning))
        }
    }

    /// Environment variable that names the algorithm every convolution that can run it uses
    /// (`tiled-gemm`, `cpu-panels`, `cpu-implicit`, `cpu-channels`, `cpu-winograd`, `cpu-winograd-4x4`, `gpu-winograd`,
    /// `gpu-winograd-4x4`), to compare algorithms with one binary
    /// (`conveyor bench`); unset, empty or refused: the device's preferred one.
    public static let overrideVariable = "CONVEYOR_CONV_ALGORITHM"

    /// The algorithm for a layer on a device: on CPUs cpu-channels where both products fill
    /// two 16-filter vectors (input channels and filters at least 32), else cpu-implicit where
    /// its plain kernels take the planes, else cpu-panels where it can run (the planes it took
    /// before cpu-implicit had rows kernels keep it), else cpu-implicit's rows kernels;
    /// tiled-gemm otherwise. Only the starting guess on CPUs: `ConvolutionTuner` measures.
    static func preferred(for device: Device, input: Shape, config: Conv2DConfig, output: Shape) -> ConvAlgorithm {
        if let name = ProcessInfo.processInfo.environment[overrideVariable], let forced = ConvAlgorithm(rawValue: name),
           forced.refusal(input: input, config: config, output: output) == nil {
            return forced
        }
        guard device.kind == .cpu else { return .tiledGemm }
        // 2-core Xeon, cifar10-fast at batch 256 (forward / backward ms): 64->64 on 16x16 21/45
        // against cpu-implicit's 28/50, 256->256 on 8x8 67/158 against 103/219; but 24->64 on
        // 32x32 62/82 against 38/83, its input gradient filling 24 of 32 lanes.
        if ConvAlgorithm.cpuChannels.refusal(input: input, config: config, output: output) == nil,
           min(input.channels, config.filters) >= 32 {
            return .cpuChannels
        }
        let implicit = ConvAlgorithm.cpuImplicit.refusal(input: input, config: config, output: output) == nil
        if implicit && !ImplicitConvolution.needsRows(input: input, output: output) { return .cpuImplicit }
        if ConvAlgorithm.cpuPanels.refusal(input: input, config: config, output: output) == nil { return .cpuPanels }
        return implicit ? .cpuImplicit : .tiledGemm
    }
}
