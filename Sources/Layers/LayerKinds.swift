/// Every layer kind Conveyor has: the one list the pipeline decoder, the schema behind `--set`,
/// `conveyor check` and the docs' tables read. A new kind is one line here.
public enum LayerKinds {
    public static let registered: [any LayerKind.Type] = [
        Conv2DKind.self,
        ReLUKind.self,
        GELUKind.self,
        MaxPoolKind.self,
        AvgPoolKind.self,
        GlobalAvgPoolKind.self,
        BatchNormKind.self,
        DropoutKind.self,
        FullyConnectedKind.self,
        WhiteningKind.self,
        ResidualKind.self,
    ]

    /// The kind a pipeline word names, or nil.
    public static func named(_ word: String) -> (any LayerKind.Type)? { registered.first { $0.word == word } }

    /// The words, in the order above.
    public static var words: [String] { registered.map { $0.word } }
}
