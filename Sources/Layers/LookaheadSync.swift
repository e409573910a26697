import OpenCLRuntime

/// One lookahead synchronisation of a tensor and its running average (`lookahead_sync` of
/// sgd.cl): average += (1 - decay) * (weight - average); weight = average.
public final class LookaheadSync {
    private let context: ComputeContext
    private let kernel: Kernel

    public init(context: ComputeContext) throws {
        self.context = context
        kernel = try LayerPrograms.program("sgd.cl", context: context).kernel("lookahead_sync")
    }

    public func apply(weight: DeviceBuffer<Float>, average: DeviceBuffer<Float>, decay: Float) throws {
        precondition(weight.count == average.count, "lookahead buffers differ in size")
        try kernel.setArgs(weight, average, weight.count, decay)
        try LayerPrograms.launchElementwise(kernel, count: weight.count, context: context)
    }

    /// The same step on host arrays (the CPU reference).
    public static func reference(weight: inout [Float], average: inout [Float], decay: Float) {
        for i in weight.indices {
            let a = average[i] + (1 - decay) * (weight[i] - average[i])
            average[i] = a
            weight[i] = a
        }
    }
}
