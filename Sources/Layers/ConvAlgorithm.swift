import OpenCLRuntime

/// How a `Conv2D` computes its products.
public enum ConvAlgorithm: String, Sendable, CaseIterable {
    /// Row-major im2col and the tiled, local-memory product of gemm.cl: any device, any shape.
    case tiledGemm = "tiled-gemm"
    /// Panel-packed im2col and the barrier-free product of conv_cpu.cl, for CPU devices
    /// (PoCL): about 3x the tiled product there. Needs groups = 1 and output planes of a
    /// multiple of 16 pixels, so a vector of columns never straddles two images.
    case cpuPanels = "cpu-panels"

    /// Why `cpuPanels` cannot run this layer, or nil when it can.
    static func cpuPanelsRefusal(config: Conv2DConfig, outputPixels: Int) -> String? {
        if config.groups != 1 { return "groups is \(config.groups); the cpu-panels convolution needs groups = 1" }
        if outputPixels % 16 != 0 {
            return "the output plane has \(outputPixels) pixels; the cpu-panels convolution needs a multiple of 16"
        }
        return nil
    }

    /// The algorithm for a layer on a device: cpu-panels on CPUs where it can run, else tiled-gemm.
    static func preferred(for device: Device, config: Conv2DConfig, outputPixels: Int) -> ConvAlgorithm {
        device.kind == .cpu && cpuPanelsRefusal(config: config, outputPixels: outputPixels) == nil ? .cpuPanels : .tiledGemm
    }
}
