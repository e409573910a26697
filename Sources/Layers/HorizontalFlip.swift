import OpenCLRuntime

/// Mirrors every image of an NCHW batch left to right on the device (`flip_horizontal_f32` of
/// basic.cl), for test-time augmentation with flips.
public final class HorizontalFlip {
    private let context: ComputeContext
    private let kernel: Kernel

    public init(context: ComputeContext) throws {
        self.context = context
        kernel = try LayerPrograms.program("basic.cl", context: context).kernel("flip_horizontal_f32")
    }

    /// output = input mirrored, for `batch` images of `shape`.
    public func apply(_ input: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, batch: Int, shape: Shape) throws {
        let rows = batch * shape.channels * shape.height
        try kernel.setArgs(input, output, rows, shape.width)
        try context.launch(kernel, global: [rows * shape.width])
    }
}
