/// A run of consecutive images of a batch that a convolution processes with one scratch fill.
struct ConvolutionChunk: Equatable {
    /// Index of the chunk's first image within the batch.
    let first: Int
    /// Images in the chunk.
    let count: Int

    /// The chunks of at most `size` images that cover `batch` images, in order.
    static func split(batch: Int, size: Int) -> [ConvolutionChunk] {
        stride(from: 0, to: batch, by: size).map { ConvolutionChunk(first: $0, count: min(size, batch - $0)) }
    }
}
