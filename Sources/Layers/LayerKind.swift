import OpenCLRuntime

/// Everything Conveyor knows about one kind of layer, in one place beside the layer: its word and
/// keys in pipeline files, its generated names, how its settings are read, its shape rule, how it
/// is built on a device (for training, `check` and `bench` alike), how initialisation reads it,
/// the kernel variants `conveyor check` runs and the ONNX nodes it exports to.
///
/// The decoder, the network builder, the check catalogue, the benchmark and the exporter read
/// kinds only through this protocol and `LayerKinds.registered`, so a new kind is its kernel
/// file, its layer, its reference, its `LayerKind` and one line in `LayerKinds`. A word no
/// registered kind claims is an error everywhere.
public protocol LayerKind: Sendable, CustomStringConvertible {
    /// The word in pipeline files (`conv`, `maxpool`).
    static var word: String { get }
    /// The settings keys besides `name`; `init` among them for layers with weights.
    static var keys: [String] { get }
    /// Generated names are the prefix and a count per list (conv1, conv2); kinds that share a
    /// prefix share the count (max and average pooling: pool1, pool2).
    static var namePrefix: String { get }
    /// Where the kind may stand in a model.
    static var placement: LayerPlacement { get }
    /// The settings of one pipeline item (a bare word reads as no settings).
    static func decode(_ settings: LayerSettingsReader) throws -> Self
    /// How many copies the item stands for, and what follows each.
    static func expansion(_ settings: LayerSettingsReader) throws -> LayerExpansion
    /// The output for `input`, or a `ShapeError` naming `layer`; needs no device.
    func outputShape(layer: String, input: Shape) throws -> Shape
    /// The layer on a device.
    func makeLayer(_ build: LayerBuild) throws -> Layer
    /// How the He-or-Xavier rule reads this kind when it comes after a layer with weights.
    var initializationRole: InitializationRole { get }
    /// The settings keys that hold lists of layers (a residual block's body and shortcut).
    static var listKeys: [String] { get }
    /// The layer lists inside a composite kind (a residual block's body, then its shortcut).
    var sublists: [[LayerSpec]] { get }
    /// The same kind with its lists replaced (as many as `sublists`), for renaming their layers.
    func replacingSublists(_ lists: [[LayerSpec]]) -> Self
    /// The settings that tell two layers of this kind apart in `check` and `bench` lines ("3x3", "s2").
    var summary: [String] { get }
    /// Whether `check` lines name the mode (training or evaluation) its shapes run in.
    static var labelsMode: Bool { get }
    /// The variants `conveyor check` builds for this layer on `device`, each with why it cannot
    /// run there (nil: it can).
    func checkVariants(input: Shape, device: Device) -> [LayerVariantChoice]
    /// The check's own shapes of this kind: the awkward ones (batch 1, odd sizes, tails).
    static var checkShapes: [LayerCheckShape] { get }
    /// The ONNX nodes of the layer at inference, appended to `graph`.
    func exportONNX(layer: String, to graph: ONNXGraphWriter) throws
    func isEqual(to other: any LayerKind) -> Bool
}

public extension LayerKind where Self: Equatable {
    func isEqual(to other: any LayerKind) -> Bool { (other as? Self) == self }
}

public extension LayerKind {
    static var labelsMode: Bool { false }
    var word: String { Self.word }
    var namePrefix: String { Self.namePrefix }
    var description: String { Self.word + (summary.isEmpty ? "" : " " + summary.joined(separator: " ")) }
}

/// Kinds without inner layers.
public protocol SimpleLayerKind: LayerKind {}

public extension SimpleLayerKind {
    static var listKeys: [String] { [] }
    var sublists: [[LayerSpec]] { [] }
    func replacingSublists(_ lists: [[LayerSpec]]) -> Self { self }
    static var placement: LayerPlacement { .anywhere }
}

public enum LayerPlacement: Sendable {
    case anywhere
    /// Only as the model's first item, never inside a block (the whitening layer, whose filters
    /// are measured from the images' patches).
    case firstOnly
}

/// How He-or-Xavier initialisation reads a kind that follows a layer with weights: He when a
/// rectifier comes before the next layer with weights, Xavier otherwise.
public enum InitializationRole: Sendable {
    /// Has weights of its own: the look-ahead stops here (Xavier).
    case weights
    /// A rectifier: He.
    case rectifier
    /// Passes the decision on (pooling, batch norm, dropout); a composite kind is read along its
    /// first list.
    case transparent
}

/// What building one layer needs: where, from what input, and the choices `check` and the tuner
/// make. Training (`NetworkBuilder`), `check` and `bench` all build through `layers(_:from:)`.
public struct LayerBuild {
    public var name: String
    public var input: Shape
    public var context: ComputeContext
    /// The convolution algorithm and GEMM tiling `check` forces (nil: the device's rule).
    public var algorithm: ConvAlgorithm?
    public var gemmTuning: GemmTuning?
    /// The pooling and batch-norm kernel style `check` forces (nil: the device's).
    public var style: KernelStyle?
    /// `check`'s chunked path of a convolution: chunks of this many images.
    public var chunkImages: Int?
    /// The tuner that measures each convolution's algorithm (at its resolved batch) (nil: rules).
    public var tuner: ConvolutionTuner?
    /// Turns a layer's shape error into the caller's (the network builder adds file:line).
    public var shapeError: (ShapeError, LayerSpec, Shape) -> Error

    public init(name: String = "", input: Shape, context: ComputeContext, algorithm: ConvAlgorithm? = nil, gemmTuning: GemmTuning? = nil,
                style: KernelStyle? = nil, chunkImages: Int? = nil, tuner: ConvolutionTuner? = nil,
                shapeError: @escaping (ShapeError, LayerSpec, Shape) -> Error = { error, _, _ in error }) {
        self.name = name
        self.input = input
        self.context = context
        self.algorithm = algorithm
        self.gemmTuning = gemmTuning
        self.style = style
        self.chunkImages = chunkImages
        self.tuner = tuner
        self.shapeError = shapeError
    }

    /// The layers of `specs` in order from `input`, each built by its kind with these choices.
    public func layers(_ specs: [LayerSpec], from input: Shape) throws -> [Layer] {
        var layers: [Layer] = []
        var shape = input
        for spec in specs {
            var build = self
            build.name = spec.name
            build.input = shape
            do {
                layers.append(try spec.kind.makeLayer(build))
            } catch let error as ShapeError {
                throw shapeError(error, spec, shape)
            }
            shape = layers[layers.count - 1].outputShape
        }
        return layers
    }
}

/// One variant `conveyor check` runs: its name and the choices that build it.
public struct LayerVariantChoice {
    public var variant: KernelVariant
    /// Why the device cannot run it (nil: it can).
    public var refusal: String?
    public var algorithm: ConvAlgorithm?
    public var gemmTuning: GemmTuning?
    public var style: KernelStyle?

    public init(_ variant: KernelVariant, refusal: String? = nil, algorithm: ConvAlgorithm? = nil, gemmTuning: GemmTuning? = nil,
                style: KernelStyle? = nil) {
        self.variant = variant
        self.refusal = refusal
        self.algorithm = algorithm
        self.gemmTuning = gemmTuning
        self.style = style
    }
}

/// A layer `conveyor check` builds: the kind's settings, the input and batch, and where it comes
/// from when a shipped pipeline has it.
public struct LayerCheckShape: @unchecked Sendable {
    public var kind: any LayerKind
    public var input: Shape
    public var batch: Int
    /// Batch norm and dropout differ between training and evaluation.
    public var mode: Mode
    /// A convolution's chunked path, chunks of this many images.
    public var chunkImages: Int?
    /// In `check --quick`.
    public var quick: Bool
    /// "cifar10-fast conv3" for a pipeline's layer, nil for the check's own shapes.
    public var origin: String?

    public init(_ kind: any LayerKind, input: Shape, batch: Int, mode: Mode = .training, chunkImages: Int? = nil, quick: Bool = false,
                origin: String? = nil) {
        self.kind = kind
        self.input = input
        self.batch = batch
        self.mode = mode
        self.chunkImages = chunkImages
        self.quick = quick
        self.origin = origin
    }

    /// "3x32x32 -> 32x32x32 5x5 p2, batch 1": the input, the output and the settings that matter.
    public var label: String {
        let arrow = (try? kind.outputShape(layer: "check", input: input)).map { "\(input) -> \($0)" } ?? "\(input)"
        var settings = kind.summary
        if let chunkImages { settings.append("chunks of \(chunkImages)") }
        if type(of: kind).labelsMode { settings.insert(mode == .training ? "training" : "evaluation", at: 0) }
        return ([arrow] + settings).joined(separator: " ") + ", batch \(batch)"
    }
}

/// One value of an ONNX node attribute.
public enum ONNXAttribute {
    case int(String, Int)
    case ints(String, [Int])
    case float(String, Float)
}

/// The graph an export appends nodes to, as a kind sees it: the value flowing (`current`, of
/// `shape`), node and constant makers, and the checkpoint's tensors of each layer.
public protocol ONNXGraphWriter: AnyObject {
    /// The name of the value the next node reads, and its shape per image.
    var current: String { get set }
    var shape: Shape { get set }
    /// Whether a Flatten has run (fully connected layers flatten once).
    var flattened: Bool { get set }
    /// Appends a node; returns its output's name.
    func node(_ op: String, name: String, inputs: [String], attributes: [ONNXAttribute]) -> String
    /// A float32 initializer; returns its name.
    func constant(_ name: String, shape: [Int], values: [Float]) -> String
    func scalar(_ name: String, _ value: Float) -> String
    /// The checkpoint's tensor `name` of `layer`, refused when missing or of another shape than `expected`.
    func tensor(_ layer: String, _ name: String, shape expected: [Int]?) throws -> [Float]
    /// The tensor when the checkpoint has it.
    func optionalTensor(_ layer: String, _ name: String) -> [Float]?
    /// Appends the nodes of a list of layers (a block's body), from `current` on.
    func emit(_ specs: [LayerSpec]) throws
    /// An export error naming `layer`.
    func failure(layer: String, message: String) -> Error
}

/// How one model item becomes several: copies of it, each followed by another layer.
public struct LayerExpansion {
    public var repeats: Int
    public var followedBy: (any LayerKind)?

    public init(repeats: Int = 1, followedBy: (any LayerKind)? = nil) {
        self.repeats = repeats
        self.followedBy = followedBy
    }
}

public extension LayerKind {
    /// One copy, nothing after it (only a residual block repeats).
    static func expansion(_ settings: LayerSettingsReader) throws -> LayerExpansion { LayerExpansion() }
}
