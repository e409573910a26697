import OpenCLRuntime

/// A classification loss over a batch of scores [batch, classes] and Int32 labels [batch].
///
/// Per sample it writes `losses[i]` and `correct[i]` (1 when the first arg-max of the scores is
/// the label, else 0). `forwardBackward` also writes (=) `scoreGradient`, the gradient of the
/// MEAN loss over the batch (already divided by `batch`). A label outside 0..<classes gives a
/// NaN loss, correct 0 and a zero gradient row.
public protocol Loss: AnyObject {
    var classes: Int { get }
    /// Its kernels as `check` and `train --verbose` name them.
    var kernelVariant: KernelVariant { get }

    func forwardBackward(scores: DeviceBuffer<Float>, labels: DeviceBuffer<Int32>, batch: Int,
                         scoreGradient: DeviceBuffer<Float>, losses: DeviceBuffer<Float>, correct: DeviceBuffer<Int32>) throws

    func evaluate(scores: DeviceBuffer<Float>, labels: DeviceBuffer<Int32>, batch: Int,
                  losses: DeviceBuffer<Float>, correct: DeviceBuffer<Int32>) throws

    /// The CPU reference of `forwardBackward` on host arrays (`LossReference`), with this
    /// loss's own settings (label smoothing, margin), so callers need not know the loss's class.
    func reference(scores: [Float], labels: [Int32]) -> LossReference.Result
}
