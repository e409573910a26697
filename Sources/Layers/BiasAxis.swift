/// Where a bias is added in the product's epilogue.
public enum BiasAxis: Int32, Sendable {
    case none = 0
    /// bias[row]: one value per row of C (a conv filter).
    case row = 1
    /// bias[column]: one value per column of C (a fully connected output).
    case column = 2
}
