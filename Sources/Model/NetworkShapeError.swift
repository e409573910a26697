import Layers

/// A layer whose shapes do not fit, located in the pipeline file.
public struct NetworkShapeError: Error, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let underlying: ShapeError
    public let input: Shape
    public var description: String { "\(file):\(line): \(underlying) (its input is \(input))" }
}
