/// A run folder that cannot be plotted, said so that the user knows what to give instead.
public struct PlotError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
