/// Turns the 3072 pixel bytes of one sample into 3x32x32 Float32 (CHW) for the network.
///
/// The augment stage calls this from several workers at once; an implementation must
/// depend only on its arguments, so that batches are the same whatever the number of workers.
public protocol SampleTransform: Sendable {
    func transform(pixels: UnsafePointer<UInt8>, epoch: Int, sampleIndex: Int,
                   into output: UnsafeMutablePointer<Float>) throws
}
