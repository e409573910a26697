import OpenCLRuntime

/// Translates every image of an NCHW batch by whole pixels on the device with 'reflect' padding,
/// optionally mirrored left to right in the same pass (`shift_reflect_f32` of basic.cl), for
/// airbench's test-time augmentation with translations.
///
/// A shift of (dy, dx) moves the content down by dy and right by dx: output[r][c] =
/// input[reflect(r - dy)][reflect(c' - dx)], c' = W - 1 - c when mirrored. (1, 1) is
/// `padded[0:H, 0:W]` of the 1-pixel reflect-padded image, (-1, -1) is `padded[2:H+2, 2:W+2]`.
public final class ImageShift {
    private let context: ComputeContext
    private let kernel: Kernel

    public init(context: ComputeContext) throws {
        self.context = context
        kernel = try LayerPrograms.program("basic.cl", context: context).kernel("shift_reflect_f32")
    }

    /// output = input shifted by (dy, dx) with reflect padding, then mirrored if `mirror`, for
    /// `batch` images of `shape`.
    public func apply(_ input: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, batch: Int, shape: Shape,
                      dy: Int, dx: Int, mirror: Bool = false) throws {
        let planes = batch * shape.channels
        try kernel.setArgs(input, output, planes, shape.height, shape.width, dy, dx, mirror ? 1 : 0)
        try context.launch(kernel, global: [planes * shape.height * shape.width])
    }
}
