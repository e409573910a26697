extension ConvAlgorithm {
    /// The largest relative error (the parity tests' `assertClose` measure: |device - reference| /
    /// (|reference| + mean |reference|)) this algorithm's output, input gradient and weight
    /// gradient are held to against the CPU reference, by the parity tests and `conveyor check`.
    /// The direct algorithms only sum in another order than the reference; Winograd's transforms
    /// add rounding of their own, measured per layer in docs/performance.md.
    public var tolerance: Float {
        switch self {
        case .tiledGemm, .cpuPanels, .cpuImplicit, .cpuChannels: return 1e-4
        // F(2x2): at most 4.9e-6 against float64 on the shipped layers, as the direct ones (4.0e-6).
        case .cpuWinograd, .gpuWinograd: return 1e-4
        // F(4x4): up to 6.3e-5 on cifar10-fast's 256-channel layers (its transforms' coefficients
        // reach 8 and 1/24), growing with the channels: about 3x that.
        case .cpuWinograd4, .gpuWinograd4: return 2e-4
        }
    }
}
