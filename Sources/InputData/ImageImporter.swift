import Dispatch
import Foundation
import HDF5
import ImageFiles

/// How far an import has got, for the progress line.
public struct ImportProgress: Sendable {
    public var done: Int
    public var total: Int
    public var skipped: Int
    public var seconds: Double

    public var imagesPerSecond: Double { seconds > 0 ? Double(done) / seconds : 0 }
    public var secondsLeft: Double { imagesPerSecond > 0 ? Double(total - done) / imagesPerSecond : 0 }

    /// "importing 1200/5000 images, 850 images/s, ETA 4 s".
    public var line: String {
        let skippedText = skipped > 0 ? ", \(skipped) skipped" : ""
        return String(format: "importing %d/%d images%@, %.0f images/s, ETA %.0f s", done, total, skippedText, imagesPerSecond, secondsLeft)
    }

    /// A progress handler that passes `line` on at most once every `interval` seconds, and for the last block.
    public static func throttled(interval: Double = 1, _ report: @escaping (String) -> Void) -> (ImportProgress) -> Void {
        var last = -Double.infinity
        return { progress in
            guard progress.done == progress.total || progress.seconds - last >= interval else { return }
            last = progress.seconds
            report(progress.line)
        }
    }
}

/// What an import did.
public struct ImportSummary: Sendable {
    public var imported: Int
    /// The files left out under `data.on_bad_image: skip`, with why.
    public var skipped: [ImageFileError]
    public var seconds: Double
}

/// Decodes the images of a folder once, on all cores, into an `ImportedImageFile`.
///
/// Images go through in blocks: the workers decode and resize one block into a buffer, the
/// block is appended to the file, and the next block reuses the buffer, so memory stays bounded
/// whatever the folder's size. The file is written under a temporary name beside `out` and
/// renamed when complete: an import that fails or is killed never leaves a file at `out`.
public enum ImageImporter {
    public static func run(entries: [ImageFolderEntry], classNames: [String], settings: ImageImportSettings, source: String,
                           key: String = "", to out: String, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                           progress: ((ImportProgress) -> Void)? = nil) throws -> ImportSummary {
        let temporary = "\(out).partial-\(getpid())"
        do {
            let summary = try write(entries: entries, classNames: classNames, settings: settings, source: source, key: key,
                                    to: temporary, workers: max(workers, 1), progress: progress)
            guard rename(temporary, out) == 0 else {
                throw FolderDataError.notImported(path: out, detail: "cannot rename \(temporary) to it: \(String(cString: strerror(errno)))")
            }
            return summary
        } catch {
            unlink(temporary)
            throw error
        }
    }

    private static func write(entries: [ImageFolderEntry], classNames: [String], settings: ImageImportSettings, source: String,
                              key: String, to path: String, workers: Int, progress: ((ImportProgress) -> Void)?) throws -> ImportSummary {
        let start = DispatchTime.now().uptimeNanoseconds
        func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let size = settings.size
        let imageBytes = size.pixelsPerImage
        let file = try HDF5File.create(at: path)
        // About 1 MiB chunks: a few images each at photo sizes, hundreds at CIFAR's.
        try file.createRows(UInt8.self, rowShape: [3, size.height, size.width], chunkRows: max(1, (1 << 20) / imageBytes), at: "/images")
        try file.createRows(Int64.self, rowShape: [], chunkRows: 4096, at: "/labels")
        let block = max(64, workers * 32)
        let pixels = UnsafeMutablePointer<UInt8>.allocate(capacity: block * imageBytes)
        defer { pixels.deallocate() }
        let failures = UnsafeMutablePointer<ImageFileError?>.allocate(capacity: block)
        failures.initialize(repeating: nil, count: block)
        defer { failures.deinitialize(count: block); failures.deallocate() }
        let decoders = (0..<workers).map { _ in ImageDecoder() }
        let resizer = settings.resizer
        var kept: [String] = []
        var skipped: [ImageFileError] = []
        let lock = NSLock()
        for first in stride(from: 0, to: entries.count, by: block) {
            let n = min(block, entries.count - first)
            var next = 0
            DispatchQueue.concurrentPerform(iterations: min(workers, n)) { worker in
                let decoder = decoders[worker]
                while true {
                    lock.lock()
                    let i = next
                    next += 1
                    lock.unlock()
                    guard i < n else { return }
                    let entry = entries[first + i]
                    do {
                        let image = try decoder.decode(path: entry.path, reducingFor: resizer)
                        if min(image.storedWidth, image.storedHeight) < settings.minimumSide {
                            throw ImageFileError.tooSmall(path: entry.path, width: image.storedWidth, height: image.storedHeight,
                                                          minimum: settings.minimumSide)
                        }
                        resizer.resize(image, into: pixels + i * imageBytes)
                        failures[i] = nil
                    } catch let error as ImageFileError {
                        failures[i] = error
                    } catch {
                        failures[i] = .unreadable(path: entry.path, reason: "\(error)")
                    }
                }
            }
            var labels: [Int64] = []
            var rows = 0
            for i in 0..<n {
                if let failure = failures[i] {
                    if settings.onBadImage == .refuse { throw failure }
                    skipped.append(failure)
                    continue
                }
                if rows != i { (pixels + rows * imageBytes).update(from: pixels + i * imageBytes, count: imageBytes) }
                rows += 1
                labels.append(Int64(entries[first + i].label))
                kept.append(entries[first + i].relativePath)
            }
            try file.appendRows(UnsafeBufferPointer(start: pixels, count: rows * imageBytes), rows: rows, to: "/images")
            try labels.withUnsafeBufferPointer { try file.appendRows($0, rows: rows, to: "/labels") }
            progress?(ImportProgress(done: first + n, total: entries.count, skipped: skipped.count, seconds: seconds()))
        }
        guard !kept.isEmpty else { throw FolderDataError.noImages(path: source, skipped: skipped.count) }
        try file.writeStrings(kept, to: "/paths")
        try file.writeStrings(classNames, to: "/class_names")
        try file.setAttribute("format", .string(ImportedImageFile.format))
        try file.setAttribute("version", .int64(ImportedImageFile.version))
        try file.setAttribute("height", .int64(Int64(size.height)))
        try file.setAttribute("width", .int64(Int64(size.width)))
        try file.setAttribute("resize", .string(settings.resize.rawValue))
        try file.setAttribute("source", .string(source))
        try file.setAttribute("skipped", .int64(Int64(skipped.count)))
        try file.setAttribute("key", .string(key))
        try file.flush()
        try file.close()
        return ImportSummary(imported: kept.count, skipped: skipped, seconds: seconds())
    }
}
