extension Checkpoint {
    /// The tensors of one layer, by name (`weight`, `bias`, `running_mean`, `weight_momentum`...).
    public struct LayerTensors: Equatable, Sendable {
        public var name: String
        public var tensors: [String: Tensor]

        public init(name: String, tensors: [String: Tensor]) {
            self.name = name
            self.tensors = tensors
        }
    }
}
