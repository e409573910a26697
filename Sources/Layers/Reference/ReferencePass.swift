/// What a layer's reference forward pass keeps for its reference backward pass
/// (`Layer.referenceForward`, `Layer.referenceBackward`).
public struct ReferencePass {
    /// The forward pass's input, [batch, inputShape].
    public let input: [Float]
    /// The forward pass's output, [batch, outputShape].
    public let output: [Float]
    public let batch: Int
    /// What the backward pass needs beyond the input (arg-max, statistics, mask).
    let saved: ReferenceSaved

    init(input: [Float], output: [Float], batch: Int, saved: ReferenceSaved = .nothing) {
        self.input = input
        self.output = output
        self.batch = batch
        self.saved = saved
    }
}
