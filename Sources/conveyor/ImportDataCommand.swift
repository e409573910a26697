import ArgumentParser
import Foundation
import ImageFiles
import InputData

/// `conveyor data import DIR --size HxW --out FILE`: decode an image folder once into HDF5.
struct ImportDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Decode an image folder (one sub-folder per class) once into an HDF5 file of uint8 images.",
        discussion: "The layout is in docs/image-folders.md. `train` does the same on its own for a pipeline with "
            + "data.source: folder, into a cache; this command makes a file to inspect or keep.")

    @Argument(help: "The folder: one sub-folder of .jpg, .jpeg or .png images per class.")
    var folder: String

    @Option(help: "The size images are brought to, HxW (e.g. 64x64) or one number for a square.")
    var size: String

    @Option(help: "crop (shorter side to the size, then the centre) or stretch (each axis to the size).")
    var resize = "crop"

    @Option(name: .customLong("on-bad-image"), help: "refuse (stop, naming the file) or skip (leave it out and count it).")
    var onBadImage = "refuse"

    @Option(name: .customLong("min-side"), help: "Images with a shorter side are bad images.")
    var minSide = 8

    @Option(help: "The HDF5 file to write.")
    var out: String

    @Flag(help: "Overwrite --out when it exists.")
    var force = false

    func run() throws {
        try CommandErrors.reporting {
            guard let imageSize = ImageSize(parsing: size), imageSize.height <= 4096, imageSize.width <= 4096 else {
                throw ValidationError("--size \(size) is not a size: give HxW in pixels, e.g. 64x64 (at most 4096 a side)")
            }
            guard let rule = ResizeRule(rawValue: resize) else {
                throw ValidationError("--resize must be crop or stretch, not '\(resize)'")
            }
            guard let policy = BadImagePolicy(rawValue: onBadImage) else {
                throw ValidationError("--on-bad-image must be refuse or skip, not '\(onBadImage)'")
            }
            guard minSide >= 1 else { throw ValidationError("--min-side must be at least 1, not \(minSide)") }
            try OutputPath.checkNew(out, force: force)
            let scan = try ImageFolderScan(root: folder, key: "FOLDER")
            let settings = ImageImportSettings(size: imageSize, resize: rule, onBadImage: policy, minimumSide: minSide)
            print("importing \(scan.entries.count) images of \(scan.classNames.count) classes at \(imageSize) (\(rule.rawValue))")
            let summary = try ImageImporter.run(entries: scan.entries, classNames: scan.classNames, settings: settings, source: folder,
                                                to: out, progress: ImportProgress.throttled { line in
                                                    FileHandle.standardError.write(Data((line + "\n").utf8))
                                                })
            print(ImageFolderCache.summaryLine(summary))
            print("wrote \(out): /images uint8 [\(summary.imported), 3, \(imageSize.height), \(imageSize.width)], /labels, "
                  + "/class_names, /paths")
        }
    }
}
