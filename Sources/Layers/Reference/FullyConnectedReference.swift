import COpenBLAS

/// The CPU reference of `FullyConnected` with OpenBLAS: y = x W^T + b, weight [out, in].
public struct FullyConnectedReference {
    public let inputs: Int
    public let outputs: Int

    public init(inputs: Int, outputs: Int) {
        self.inputs = inputs
        self.outputs = outputs
    }

    /// y[N, out] from x[N, in], weight [out, in] and bias [out] (empty: none).
    public func forward(x: [Float], weight: [Float], bias: [Float], batch: Int) -> [Float] {
        var y = [Float](repeating: 0, count: batch * outputs)
        if !bias.isEmpty {
            for b in 0..<batch { for o in 0..<outputs { y[b * outputs + o] = bias[o] } }
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(batch), Int32(outputs), Int32(inputs), 1,
                    x, Int32(inputs), weight, Int32(inputs), 1, &y, Int32(outputs))
        return y
    }

    /// (dx, dweight, dbias) for output gradient dy[N, out], each overwritten.
    public func backward(x: [Float], weight: [Float], dy: [Float], batch: Int) -> (dx: [Float], dweight: [Float], dbias: [Float]) {
        var dx = [Float](repeating: 0, count: batch * inputs)
        var dw = [Float](repeating: 0, count: outputs * inputs)
        var db = [Float](repeating: 0, count: outputs)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(batch), Int32(inputs), Int32(outputs), 1,
                    dy, Int32(outputs), weight, Int32(inputs), 0, &dx, Int32(inputs))
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(outputs), Int32(inputs), Int32(batch), 1,
                    dy, Int32(outputs), x, Int32(inputs), 0, &dw, Int32(inputs))
        for b in 0..<batch { for o in 0..<outputs { db[o] += dy[b * outputs + o] } }
        return (dx, dw, db)
    }
}
