extension Checkpoint {
    /// The per-channel input normalisation the model was trained with, measured from the training
    /// data: a pixel p (0...255) of channel c enters the network as (p / 255 - mean[c]) / std[c].
    /// `mean` and `std` are in 0...1 pixel units, one value per input channel, in channel order.
    public struct InputNormalization: Equatable, Sendable {
        public var mean: [Float]
        public var std: [Float]

        public init(mean: [Float], std: [Float]) {
            self.mean = mean
            self.std = std
        }
    }
}
