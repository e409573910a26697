extension ConvAlgorithm {
    /// The largest relative error (the parity tests' `assertClose` measure: |device - reference| /
    /// (|reference| + mean |reference|)) this algorithm's output, input gradient and weight
    /// gradient are held to against the CPU reference, by the parity tests and `conveyor check`.
    /// The direct algorithms only sum in another order than the reference; Winograd's transforms
    /// add rounding of their own, measured per layer in docs/performance.md.
    public var tolerance: Float {
        switch self {
        case .tiledGemm, .cpuPanels, .cpuImplicit, .cpuChannels: return 1e-4
        case .cpuWinograd, .cpuWinograd4: return 1e-4
        }
    }
}
