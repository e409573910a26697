/// What one layer's reference forward pass saves for its backward pass, beyond the input.
enum ReferenceSaved {
    case nothing
    /// Max pooling: the winner of every output within its input plane.
    case argmax([Int32])
    /// Batch normalisation: the statistics the forward normalised with, and whether they were
    /// the batch's own (training: the gradient flows through them) or the fixed running ones.
    case statistics(mean: [Float], invstd: [Float], training: Bool)
    /// Dropout in training: which elements were kept.
    case mask([Bool])
    /// A residual block: the passes of its body's and its shortcut's layers, in order.
    case block(body: [ReferencePass], shortcut: [ReferencePass])
}
