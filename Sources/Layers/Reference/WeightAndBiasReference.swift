/// The CPU references of the layers with a weight and an optional bias (`ConvReference`,
/// `FullyConnectedReference`): they share their signatures, so `Conv2D` and `FullyConnected`
/// share how the reference contract of `Layer` maps onto them.
protocol WeightAndBiasReference {
    /// y from x, weight and bias (empty: none).
    func forward(x: [Float], weight: [Float], bias: [Float], batch: Int) -> [Float]
    /// (dx, dweight, dbias) for the output gradient dy, each overwritten.
    func backward(x: [Float], weight: [Float], dy: [Float], batch: Int) -> (dx: [Float], dweight: [Float], dbias: [Float])
}

extension ConvReference: WeightAndBiasReference {}
extension FullyConnectedReference: WeightAndBiasReference {}
