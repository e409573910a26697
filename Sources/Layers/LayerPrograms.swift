import ConveyorKernels
import OpenCLRuntime

/// Builds the kernels of one `Kernels/*.cl` file for a layer, through the context's program cache.
enum LayerPrograms {
    /// Work-group size for one-work-item-per-element kernels. A multiple of a warp (32) and of
    /// the SIMD width of CPU devices; the kernels guard their index, so any global size works.
    static let elementwiseGroup = 128

    static func program(_ file: String, context: ComputeContext, defines: [String: String] = [:]) throws -> Program {
        try context.program(source: KernelSources.source(named: file), name: file, defines: defines)
    }

    /// Launches `kernel` over `count` work-items in groups of `elementwiseGroup`.
    static func launchElementwise(_ kernel: Kernel, count: Int, context: ComputeContext) throws {
        guard count > 0 else { return }
        try context.launch(kernel, global: [count], local: [elementwiseGroup])
    }

    /// Launches `items` work-items in `style`: per plane, one work-item per work-group, so PoCL
    /// spreads the planes over its cores; per element, in groups of `elementwiseGroup`.
    static func launch(_ kernel: Kernel, items: Int, style: KernelStyle, context: ComputeContext) throws {
        if style == .perPlane {
            try context.launch(kernel, global: [items], local: [1])
        } else {
            try launchElementwise(kernel, count: items, context: context)
        }
    }

    /// Work-items of each work-group of conv.cl's `bias_gradient`: its REDUCE_GROUP, which the
    /// kernel requires (`reqd_work_group_size`).
    static let biasReduceGroup = 64

    /// db[k] += the sum of dy over the `pixels` of filter k in each of `batch` images (conv.cl's
    /// `bias_gradient`, `kernel`): one work-group per filter, reducing through local memory.
    static func launchBiasGradient(_ kernel: Kernel, outputGradient dy: DeviceBuffer<Float>, filters: Int, pixels: Int, batch: Int,
                                   into db: DeviceBuffer<Float>, context: ComputeContext) throws {
        try kernel.setArgs(dy, filters, pixels, batch, db)
        try context.launch(kernel, global: [filters * biasReduceGroup], local: [biasReduceGroup])
    }

    /// The error `forward` and `backward` throw when asked for more images than `reserve(batch:)` made room for.
    static func checkBatch(_ batch: Int, reserved: Int, layer: String) throws {
        guard batch >= 1, batch <= reserved else {
            throw ShapeError(layer: layer, message: "batch \(batch) is outside 1...\(reserved), the batch reserved; call reserve(batch:) first")
        }
    }
}
