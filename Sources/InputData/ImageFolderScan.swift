import Foundation

/// One image of a folder: where it is, its class, and what the import cache is keyed by.
public struct ImageFolderEntry: Equatable, Sendable {
    /// The file, as found (through any symbolic links).
    public var path: String
    /// Relative to the folder scanned, starting with the class folder ("cat/2019/001.jpg").
    public var relativePath: String
    public var label: Int
    public var bytes: Int
    /// Modification time, nanoseconds since 1970.
    public var modified: Int
}

/// The images of a folder in torchvision's `ImageFolder` layout: one sub-folder per class,
/// classes sorted by name, images found recursively and named .jpg, .jpeg or .png (any case).
///
/// Names starting with "." are skipped (.DS_Store, .ipynb_checkpoints), other files are
/// ignored, symbolic links are followed, and a link back into a folder being read is an error
/// rather than an endless walk. Files are sorted by relative path, so the order (and the import)
/// does not depend on the file system.
public struct ImageFolderScan: Sendable {
    public static let extensions: Set<String> = ["jpg", "jpeg", "png"]

    public let root: String
    public let classNames: [String]
    public let entries: [ImageFolderEntry]

    /// `key` names the pipeline key the folder came from, for messages.
    public init(root: String, key: String = "data.path") throws {
        var info = stat()
        guard stat(root, &info) == 0 else { throw FolderDataError.missingFolder(path: root, key: key) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw FolderDataError.notAFolder(path: root, key: key) }
        self.root = root
        let ancestors: Set<FileID> = [FileID(info)]
        var classes: [String] = []
        for name in try Self.names(in: root) {
            var entry = stat()
            if stat(root + "/" + name, &entry) == 0, entry.st_mode & S_IFMT == S_IFDIR { classes.append(name) }
        }
        classes.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        guard !classes.isEmpty else { throw FolderDataError.noClassFolders(path: root) }
        var entries: [ImageFolderEntry] = []
        for (label, name) in classes.enumerated() {
            let before = entries.count
            try Self.walk(folder: root + "/" + name, relative: name, label: label, ancestors: ancestors, into: &entries)
            guard entries.count > before else { throw FolderDataError.emptyClass(folder: root + "/" + name) }
        }
        guard classes.count >= 2 else { throw FolderDataError.oneClass(path: root, name: classes[0]) }
        entries.sort { Array($0.relativePath.utf8).lexicographicallyPrecedes(Array($1.relativePath.utf8)) }
        classNames = classes
        self.entries = entries
    }

    struct FileID: Hashable {
        let device: UInt64, inode: UInt64
        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    static func names(in folder: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }
        } catch {
            throw FolderDataError.notAFolder(path: folder, key: "(cannot list: \(error.localizedDescription))")
        }
    }

    private static func walk(folder: String, relative: String, label: Int, ancestors: Set<FileID>,
                             into entries: inout [ImageFolderEntry]) throws {
        var info = stat()
        guard stat(folder, &info) == 0 else { return }
        let id = FileID(info)
        guard !ancestors.contains(id) else { throw FolderDataError.symlinkLoop(link: folder) }
        let inside = ancestors.union([id])
        for name in try names(in: folder) {
            let path = folder + "/" + name
            // A dangling link or a file that vanished is not an image of the set.
            guard stat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                try walk(folder: path, relative: relative + "/" + name, label: label, ancestors: inside, into: &entries)
            case S_IFREG:
                let suffix = (name as NSString).pathExtension.lowercased()
                guard extensions.contains(suffix) else { continue }
                entries.append(ImageFolderEntry(path: path, relativePath: relative + "/" + name, label: label, bytes: Int(info.st_size),
                                                modified: Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)))
            default:
                continue
            }
        }
    }
}
