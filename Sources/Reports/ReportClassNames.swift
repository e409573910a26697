import Checkpoints

/// The class names a report labels its tables and thumbnails with: the one place that decides
/// them, so that names a checkpoint stores (image folders, CIFAR-100) are read here when
/// checkpoints keep them. Today: the data's names when the data was opened, else CIFAR-10's
/// when the network has ten outputs, else "class N".
public enum ReportClassNames {
    public static let cifar10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    public static func names(checkpoint: Checkpoint, dataNames: [String]?, classes: Int) -> [String] {
        if let dataNames, dataNames.count == classes { return dataNames }
        if classes == cifar10.count { return cifar10 }
        return (0..<classes).map { "class \($0)" }
    }
}
