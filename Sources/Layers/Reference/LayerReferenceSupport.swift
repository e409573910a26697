/// The checks and plumbing the layers' reference implementations share, so that each layer
/// only names its reference functions.
extension Layer {
    /// Throws unless `input` holds `batch` inputs and `parameters` match `self.parameters` in
    /// number and sizes.
    func checkReference(input: [Float], batch: Int, parameters: [[Float]]) throws {
        guard batch >= 1, input.count == batch * inputShape.count else {
            throw ShapeError(layer: name, message: "the reference input has \(input.count) values; a batch of \(batch) "
                             + "of \(inputShape) needs \(batch * inputShape.count) (batch at least 1)")
        }
        try checkReference(parameters: parameters)
    }

    /// Throws unless `outputGradient` matches the pass's output and `parameters` match `self.parameters`.
    func checkReference(_ pass: ReferencePass, outputGradient: [Float], parameters: [[Float]]) throws {
        guard outputGradient.count == pass.output.count else {
            throw ShapeError(layer: name, message: "the reference output gradient has \(outputGradient.count) values; the "
                             + "forward pass's output has \(pass.output.count)")
        }
        try checkReference(parameters: parameters)
    }

    private func checkReference(parameters values: [[Float]]) throws {
        let expected = parameters.map(\.count)
        guard values.map(\.count) == expected else {
            throw ShapeError(layer: name, message: "reference parameters of sizes \(values.map(\.count)) given; pass the values "
                             + "of \(parameters.map(\.name)), of sizes \(expected), in that order")
        }
    }

    /// The error for a pass that another layer's (or another mode's) `referenceForward` made.
    func foreignReferencePass() -> ShapeError {
        ShapeError(layer: name, message: "the reference pass does not come from this layer's referenceForward; "
                   + "pass referenceBackward what this layer's referenceForward returned")
    }

    /// A forward pass that keeps nothing beyond its input: output = `compute(input)`.
    func referencePass(_ input: [Float], batch: Int, parameters: [[Float]], saved: ReferenceSaved = .nothing,
                       _ compute: ([Float]) -> [Float]) throws -> ReferencePass {
        try checkReference(input: input, batch: batch, parameters: parameters)
        return ReferencePass(input: input, output: compute(input), batch: batch, saved: saved)
    }

    /// `referenceForward` of a layer with a weight and an optional bias.
    func referenceForward(through reference: some WeightAndBiasReference, _ input: [Float], batch: Int,
                          parameters: [[Float]]) throws -> ReferencePass {
        try referencePass(input, batch: batch, parameters: parameters) {
            reference.forward(x: $0, weight: parameters[0], bias: parameters.count > 1 ? parameters[1] : [], batch: batch)
        }
    }

    /// `referenceBackward` of a layer with a weight and an optional bias.
    func referenceBackward(through reference: some WeightAndBiasReference, _ pass: ReferencePass, outputGradient: [Float],
                           parameters: [[Float]]) throws -> (input: [Float], parameters: [[Float]]) {
        try checkReference(pass, outputGradient: outputGradient, parameters: parameters)
        let result = reference.backward(x: pass.input, weight: parameters[0], dy: outputGradient, batch: pass.batch)
        return (result.dx, parameters.count > 1 ? [result.dweight, result.dbias] : [result.dweight])
    }
}
