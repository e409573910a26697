extension Checkpoint {
    /// A float32 tensor, row-major, in PyTorch's order (conv [K, C, F, F], fc [out, in]).
    public struct Tensor: Equatable, Sendable {
        public var shape: [Int]
        public var values: [Float]

        public init(shape: [Int], values: [Float]) {
            self.shape = shape
            self.values = values
        }

        /// Whether `values` fills `shape` exactly (checked on save and load).
        public var isConsistent: Bool { shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count }
    }
}
