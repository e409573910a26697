import Layers

/// A layer whose shapes do not fit, located in the pipeline file.
public struct NetworkShapeError: Error, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let underlying: ShapeError
    public let input: Shape
    public var description: String { "\(file):\(line): \(underlying) (its input is \(input))" }
}

/// A network whose last layer does not give one score per class.
public struct ClassifierShapeError: Error, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let layer: String
    public let output: Shape
    public let classes: Int
    public let advice: String
    public var description: String {
        let place = line > 0 ? "\(file):\(line)" : file
        return "\(place): the network ends with \(layer), whose output is \(output) (\(output.count) values per image), "
            + "but the data has \(classes) classes, so the last layer must give \(classes) values, not \(output.count); \(advice)"
    }
}
