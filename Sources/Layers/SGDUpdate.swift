import OpenCLRuntime

/// Applies one in-place SGD step (`Kernels/sgd.cl`) to a parameter and its momentum buffer:
/// one kernel launch per parameter. See `SGDSettings` for the update rule.
public final class SGDUpdate {
    private let context: ComputeContext
    private let kernel: Kernel

    public init(context: ComputeContext) throws {
        self.context = context
        kernel = try LayerPrograms.program("sgd.cl", context: context).kernel("sgd_update")
    }

    /// w and v of `parameter` are updated in place from its gradient; the gradient is left as it is.
    public func apply(to parameter: Parameter, momentum: DeviceBuffer<Float>, settings: SGDSettings) throws {
        try apply(value: parameter.value, gradient: parameter.gradient, momentum: momentum, count: parameter.count,
                  settings: settings)
    }

    /// The same step on raw buffers of at least `count` values.
    public func apply(value: DeviceBuffer<Float>, gradient: DeviceBuffer<Float>, momentum: DeviceBuffer<Float>, count: Int,
                      settings: SGDSettings) throws {
        precondition(value.count >= count && gradient.count >= count && momentum.count >= count,
                     "SGD buffers are smaller than \(count) values")
        try kernel.setArgs(value, gradient, momentum, count, settings.stepSize, settings.momentum, settings.weightDecay,
                           settings.nesterov ? 1 : 0, settings.decoupledWeightDecay ? 1 : 0)
        try LayerPrograms.launchElementwise(kernel, count: count, context: context)
    }
}
