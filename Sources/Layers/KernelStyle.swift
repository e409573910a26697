import OpenCLRuntime

/// How the layers that reduce or gather over planes (pooling, batch norm, global pooling,
/// convolution bias) map their work onto work-items.
///
/// GPUs want many work-items and work-groups that cooperate through local memory. PoCL runs a
/// work-group as loops on one core: there, barriers and the divisions that recover (n, c, y, x)
/// from a flat index cost more than the arithmetic, so one work-item per plane or channel that
/// walks its values in order is many times faster (100x32x32x32 max pooling backward: 24 ms
/// per-element, 0.8 ms per-plane; batch norm statistics of 256x64x16x16: about 10x).
public enum KernelStyle: String, Sendable, CaseIterable {
    /// One work-item per element or pixel, reductions in local memory: GPUs.
    case perElement = "per-element"
    /// One work-item per plane or channel, loops without divisions: CPUs.
    case perPlane = "per-plane"

    public static func preferred(for device: Device) -> KernelStyle {
        device.kind == .cpu ? .perPlane : .perElement
    }
}
