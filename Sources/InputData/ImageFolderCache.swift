import Foundation
import Hashing
import ImageFiles

/// Where `train` keeps the import of an image folder, and when it may be reused.
///
/// The cache file's name holds a 64-bit FNV-1a key of everything the import depends on: the
/// folder's real path, every image's relative path, size in bytes and modification time, and
/// the import settings. A folder whose files changed has another key, so a stale import is
/// never used: it is rebuilt, and the older imports of the same folder and settings are deleted
/// (with the partial files of imports that were killed).
/// The default folder is `$CONVEYOR_CACHE`, else `$XDG_CACHE_HOME/conveyor/images`, else
/// `~/.cache/conveyor/images` (or `data.cache`).
public enum ImageFolderCache {
    public static var defaultFolder: String {
        let environment = ProcessInfo.processInfo.environment
        if let folder = environment["CONVEYOR_CACHE"], !folder.isEmpty { return folder }
        if let base = environment["XDG_CACHE_HOME"], !base.isEmpty { return base + "/conveyor/images" }
        return NSHomeDirectory() + "/.cache/conveyor/images"
    }

    /// The key of importing `scan` with `settings`.
    public static func key(of scan: ImageFolderScan, settings: ImageImportSettings) -> String {
        var h = FNV1a()
        h.combine("conveyor-images \(ImportedImageFile.version)\n\(realPath(scan.root))\n\(settings.size) \(settings.resize.rawValue) "
            + "\(settings.onBadImage.rawValue) \(settings.minimumSide)\n\(scan.classNames.joined(separator: "/"))\n")
        for entry in scan.entries { h.combine("\(entry.relativePath)\0\(entry.bytes)\0\(entry.modified)\n") }
        return String(format: "%016llx", h.value)
    }

    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The name before the key: the folder's name, a hash of its real path, the settings.
    static func prefix(of scan: ImageFolderScan, settings: ImageImportSettings) -> String {
        let h = FNV1a.hash(realPath(scan.root))
        let name = (realPath(scan.root) as NSString).lastPathComponent.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        return "\(name.prefix(40))-\(String(format: "%08llx", h >> 32))-\(settings.size)-\(settings.resize.rawValue)-"
    }

    /// The imported file of `scan`: the cached one when its key matches, else a new import
    /// (stale imports of the same folder and settings are deleted). `report` gets the progress
    /// lines and a summary.
    public static func imported(_ scan: ImageFolderScan, settings: ImageImportSettings, folder: String? = nil,
                                report: @escaping (String) -> Void) throws -> ImportedImageFile {
        let folder = folder ?? defaultFolder
        let key = key(of: scan, settings: settings)
        let prefix = prefix(of: scan, settings: settings)
        let path = "\(folder)/\(prefix)\(key).h5"
        if FileManager.default.fileExists(atPath: path), let cached = try? ImportedImageFile(path: path), cached.key == key {
            return cached
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw FolderDataError.notImported(path: folder, detail: "the cache folder cannot be made (\(error.localizedDescription)); "
                                              + "set data.cache or CONVEYOR_CACHE to a folder you may write")
        }
        // Older imports of this folder, and the partial files of any import that was killed (its process is gone).
        for stale in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        where (stale.hasPrefix(prefix) && stale.hasSuffix(".h5")) || Self.isAbandoned(stale) {
            try? FileManager.default.removeItem(atPath: "\(folder)/\(stale)")
        }
        report("importing \(scan.entries.count) images of \(scan.classNames.count) classes from \(scan.root) at \(settings.size) "
               + "(\(settings.resize.rawValue)) into \(path)")
        let summary = try ImageImporter.run(entries: scan.entries, classNames: scan.classNames, settings: settings, source: scan.root,
                                            key: key, to: path, progress: ImportProgress.throttled(report))
        report(summaryLine(summary))
        return try ImportedImageFile(path: path)
    }

    /// A `<name>.partial-<pid>` whose process no longer runs.
    static func isAbandoned(_ name: String) -> Bool {
        guard let range = name.range(of: ".partial-", options: .backwards), let pid = Int32(name[range.upperBound...]) else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// "imported 4998 images in 3.1 s (1612 images/s); skipped 2 unreadable files: a.jpg, b.png".
    public static func summaryLine(_ summary: ImportSummary) -> String {
        var line = String(format: "imported %d images in %.1f s (%.0f images/s)", summary.imported, summary.seconds,
                          Double(summary.imported + summary.skipped.count) / max(summary.seconds, 1e-9))
        if !summary.skipped.isEmpty {
            let names = summary.skipped.prefix(5).map(\.path).joined(separator: ", ")
            line += "; skipped \(summary.skipped.count) bad image files (data.on_bad_image: skip): \(names)"
                + (summary.skipped.count > 5 ? ", ..." : "")
        }
        return line
    }
}
