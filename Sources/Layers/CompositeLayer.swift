import OpenCLRuntime

/// A layer made of other layers (a residual block): it runs them itself, but their parameters,
/// state and outputs are named and saved as theirs, so checkpoints, initialisation and the
/// activation dump see every layer inside.
public protocol CompositeLayer: Layer {
    /// The layers inside, in the order their parameters appear in `parameters`.
    var sublayers: [Layer] { get }
    /// The values each layer inside produced in the last forward pass, in `sublayers` order.
    func sublayerOutputs() -> [DeviceBuffer<Float>]
}

public extension Layer {
    /// This layer, or the layers inside it, recursively: the layers that own parameters and state.
    var leafLayers: [Layer] {
        guard let composite = self as? CompositeLayer else { return [self] }
        return composite.sublayers.flatMap(\.leafLayers)
    }

    /// This layer, then the layers inside it, recursively (a block's sums are kernels of its own,
    /// so a list of the kernels a network runs names the block and its layers).
    var selfAndSublayers: [Layer] {
        guard let composite = self as? CompositeLayer else { return [self] }
        return [self] + composite.sublayers.flatMap(\.selfAndSublayers)
    }
}
