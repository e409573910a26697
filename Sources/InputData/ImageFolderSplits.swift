import Foundation
import ImageFiles

/// The training and validation images of a `folder` pipeline: two folders, or one folder with
/// a held-out fraction, imported (or taken from the cache) on first use.
public struct ImageFolderSplits {
    public let classNames: [String]
    public let train: ImportedImageSet?
    public let validation: ImportedImageSet?
    /// The split sizes, also when nothing was imported (`importing: false`, for `plan`).
    public let trainCount: Int
    public let validationCount: Int

    /// - Parameters:
    ///   - importing: false counts the images of the folders without decoding any.
    ///   - report: progress and summary lines of an import.
    public init(settings: DataSettings, roles: Set<SplitRole>, importing: Bool, report: @escaping (String) -> Void) throws {
        let folder = settings.folder
        let importSettings = folder.importSettings(size: settings.imageSize)
        func imported(_ scan: ImageFolderScan) throws -> ImportedImageFile {
            try ImageFolderCache.imported(scan, settings: importSettings, folder: folder.cache, report: report)
        }
        if let trainFolder = folder.trainFolder {
            let trainScan = roles.contains(.train) ? try ImageFolderScan(root: trainFolder, key: "data.train") : nil
            let validationScan = try roles.contains(.validation) ? folder.validationFolder.map {
                try ImageFolderScan(root: $0, key: "data.validation")
            } : nil
            if let trainScan, let validationScan, trainScan.classNames != validationScan.classNames {
                throw FolderDataError.classesDiffer(
                    train: trainScan.root, validation: validationScan.root,
                    onlyTrain: trainScan.classNames.filter { !validationScan.classNames.contains($0) },
                    onlyValidation: validationScan.classNames.filter { !trainScan.classNames.contains($0) })
            }
            classNames = (trainScan ?? validationScan)?.classNames ?? []
            trainCount = trainScan?.entries.count ?? 0
            validationCount = validationScan?.entries.count ?? 0
            train = try importing ? trainScan.map { ImportedImageSet(file: try imported($0), origin: $0.root) } : nil
            validation = try importing ? validationScan.map { ImportedImageSet(file: try imported($0), origin: $0.root) } : nil
            return
        }
        let scan = try ImageFolderScan(root: settings.path, key: "data.path")
        let split = HeldOutSplit(fraction: folder.validationFraction, seed: UInt64(folder.splitSeed))
        let heldOut = scan.entries.filter { split.isHeldOut($0.relativePath) }.count
        if heldOut == scan.entries.count {
            throw FolderDataError.emptySplit(path: scan.root, split: "training", fraction: folder.validationFraction)
        }
        if heldOut == 0 && folder.validationFraction > 0 {
            throw FolderDataError.emptySplit(path: scan.root, split: "validation", fraction: folder.validationFraction)
        }
        classNames = scan.classNames
        trainCount = roles.contains(.train) ? scan.entries.count - heldOut : 0
        validationCount = roles.contains(.validation) ? heldOut : 0
        guard importing else {
            train = nil
            validation = nil
            return
        }
        let file = try imported(scan)
        // Skipped bad images are absent from the file: the split is computed from its paths.
        let held = file.relativePaths.map(split.isHeldOut)
        let percent = String(format: "%g%%", folder.validationFraction * 100)
        train = roles.contains(.train)
            ? ImportedImageSet(file: file, rows: held.indices.filter { !held[$0] }, origin: "\(scan.root) without the held-out \(percent)")
            : nil
        validation = roles.contains(.validation) && heldOut > 0
            ? ImportedImageSet(file: file, rows: held.indices.filter { held[$0] }, origin: "the held-out \(percent) of \(scan.root)")
            : nil
    }
}
