import ArgumentParser
import Foundation
import PipelineConfig
import Training

/// `conveyor predict CHECKPOINT IMAGE|FOLDER...`: the most probable classes of image files.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify image files with a checkpoint: the top classes and their probabilities.",
        discussion: "Each image is decoded and resized exactly as the training images were (the checkpoint stores the size "
            + "and the resize rule); a folder is searched recursively for .jpg, .jpeg and .png files. Probabilities are the "
            + "softmax of the network's scores.")

    @Argument(help: "The checkpoint, e.g. runs/photos/best.h5.")
    var checkpoint: String

    @Argument(help: "Image files or folders of images.")
    var images: [String]

    @Option(help: "How many classes to print per image.")
    var top = 3

    @Option(help: "Test-time augmentation: none, flip (image and mirror) or flip_translate (also one-pixel shifts, 6 views).")
    var tta = "none"

    @Option(help: "Images per forward pass.")
    var batch = 64

    @Flag(help: "Print one JSON array instead of lines.")
    var json = false

    @Flag(help: "Print CSV (path, rank, class, probability) instead of lines.")
    var csv = false

    @OptionGroup var deviceOptions: DeviceOptions

    func run() throws {
        try CommandErrors.reporting {
            guard !(json && csv) else { throw ValidationError("give --json or --csv, not both") }
            guard let augmentation = TestTimeAugmentation(rawValue: tta) else {
                let words = TestTimeAugmentation.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--tta must be one of \(words), not '\(tta)'")
            }
            guard !images.isEmpty else { throw ValidationError("give at least one image file or folder after the checkpoint") }
            guard (1...4096).contains(batch) else { throw ValidationError("--batch \(batch) is out of range: give 1 to 4096") }
            let stored = try StoredModel(path: checkpoint, overrides: [], device: deviceOptions.device)
            let classes = stored.model.contract.classNames.count
            guard top >= 1 else { throw ValidationError("--top \(top) is out of range: give 1 to \(classes)") }
            let files = try ImagePredictor.imageFiles(in: images)
            guard !files.isEmpty else {
                throw ValidationError("no .jpg, .jpeg or .png files in \(images.joined(separator: ", "))")
            }
            let predictor = try ImagePredictor(model: stored.model, batch: min(batch, files.count), tta: augmentation)
            let showProgress = files.count > predictor.batch
            let predictions = try predictor.predict(files: files, top: min(top, classes)) { done, total in
                if showProgress { FileHandle.standardError.write(Data("classified \(done)/\(total) images\n".utf8)) }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                encoder.keyEncodingStrategy = .convertToSnakeCase
                print(String(decoding: try encoder.encode(predictions), as: UTF8.self))
            } else if csv {
                print("path,rank,class,probability")
                for prediction in predictions {
                    for (rank, guess) in prediction.top.enumerated() {
                        print("\(Self.csvField(prediction.path)),\(rank + 1),\(Self.csvField(guess.className)),"
                              + String(format: "%.6f", guess.probability))
                    }
                }
            } else {
                for prediction in predictions {
                    let guesses = prediction.top.map { String(format: "%@ %.1f%%", $0.className, $0.probability * 100) }
                    print("\(prediction.path): \(guesses.joined(separator: ", "))")
                }
            }
        }
    }

    /// Quoted when it holds a comma, a quote or a line break (RFC 4180).
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
