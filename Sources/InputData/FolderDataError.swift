/// What can be wrong with an image folder (`data.source: folder`) or an imported image file;
/// each case names the folder, file or key and says what to change.
public enum FolderDataError: Error, CustomStringConvertible, Equatable {
    case missingFolder(path: String, key: String)
    case notAFolder(path: String, key: String)
    /// No sub-folders: the ImageFolder layout wants one per class.
    case noClassFolders(path: String)
    /// A class folder without a single .jpg, .jpeg or .png file.
    case emptyClass(folder: String)
    /// Classification needs two classes at least.
    case oneClass(path: String, name: String)
    /// A symbolic link to a folder it is itself inside: following it would never end.
    case symlinkLoop(link: String)
    /// `data.train` and `data.validation` folders whose class folders differ.
    case classesDiffer(train: String, validation: String, onlyTrain: [String], onlyValidation: [String])
    /// Every image of a split was skipped as bad (`data.on_bad_image: skip`), or the split is empty.
    case noImages(path: String, skipped: Int)
    /// A file given as imported images that is not one.
    case notImported(path: String, detail: String)
    /// The held-out fraction leaves a split empty.
    case emptySplit(path: String, split: String, fraction: Double)

    public var description: String {
        switch self {
        case let .missingFolder(path, key):
            return "\(key): the folder \(path) does not exist; give a folder with one sub-folder of images per class"
        case let .notAFolder(path, key):
            return "\(key): \(path) is a file, not a folder; give a folder with one sub-folder of images per class"
        case let .noClassFolders(path):
            return "\(path): no class folders; put the images of each class in a sub-folder named after it "
                + "(\(path)/cat/1.jpg, \(path)/dog/1.jpg, ...)"
        case let .emptyClass(folder):
            return "\(folder): this class folder holds no .jpg, .jpeg or .png image; add images or remove the folder"
        case let .oneClass(path, name):
            return "\(path): only one class folder (\(name)); a classifier needs at least two, so add a folder per class"
        case let .symlinkLoop(link):
            return "\(link): a symbolic link to a folder that contains it (a loop); remove the link or point it elsewhere"
        case let .classesDiffer(train, validation, onlyTrain, onlyValidation):
            var parts: [String] = []
            if !onlyTrain.isEmpty { parts.append("only in \(train): \(onlyTrain.joined(separator: ", "))") }
            if !onlyValidation.isEmpty { parts.append("only in \(validation): \(onlyValidation.joined(separator: ", "))") }
            return "the training and validation folders have different classes (\(parts.joined(separator: "; "))); "
                + "give both the same class folders"
        case let .noImages(path, skipped):
            return "\(path): no usable images" + (skipped > 0 ? " (all \(skipped) were skipped as unreadable)" : "")
                + "; add images"
        case let .notImported(path, detail):
            return "\(path): not a file of imported images (\(detail)); make one with `conveyor data import FOLDER --size HxW --out FILE`"
        case let .emptySplit(path, split, fraction):
            return "\(path): data.validation_fraction \(fraction) leaves the \(split) split empty; choose a fraction between "
                + "the two, or add images"
        }
    }
}
