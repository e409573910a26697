import ArgumentParser
import Checkpoints
import Foundation
import PipelineConfig
import Training

/// `conveyor evaluate CHECKPOINT`: accuracy, per-class accuracy and the confusion matrix.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a checkpoint: accuracy, per-class accuracy and the confusion matrix.")

    @Argument(help: "The checkpoint, e.g. runs/cifar10-quick/best.h5.")
    var checkpoint: String

    @Option(help: "A CIFAR-10 folder (binary layout) to evaluate on instead of the pipeline's data.")
    var data: String?

    @Option(help: "The split: 'validation' (the pipeline's), 'test', or batch numbers such as 5 or 1,2.")
    var split = "validation"

    @Option(help: "Test-time augmentation: none, flip (image and mirror) or flip_translate (airbench's: also one-pixel shifts, 6 views).")
    var tta = "none"

    @Flag(help: "Print JSON instead of tables.")
    var json = false

    @OptionGroup var deviceOptions: DeviceOptions

    /// The checkpoint's model on the device and an evaluator of the split asked for (`--data`,
    /// `--split` as this command takes them); `conveyor report` opens checkpoints the same way.
    static func open(checkpoint: String, data: String?, split: String, device: String?) throws -> (StoredModel, Evaluator) {
        var overrides: [String] = []
        if let data { overrides += ["data.source=cifar10", "data.path=\(data)"] }
        if split != "validation" {
            overrides.append("data.validation=[\(try SplitOption.parse(split, option: "--split").parts.map(\.description).joined(separator: ","))]")
        }
        if split != "validation" && data == nil {
            // Only a CIFAR-10 pipeline has batch files to choose from.
            let source = try SplitOption.storedSource(of: checkpoint)
            guard source != "synthetic" else {
                throw ValidationError("--split \(split): the checkpoint's pipeline trains on synthetic data, which has only its "
                                      + "validation split; to evaluate on CIFAR-10, add --data data/cifar-10-batches-bin")
            }
        }
        let stored = try StoredModel(path: checkpoint, overrides: overrides, device: device)
        let batch = stored.batch
        let evaluator = Evaluator(model: stored.model, data: try stored.validationData(), slots: try stored.slots(batch: batch),
                                  outputs: try StepOutputs(context: stored.model.context, batch: batch), batch: batch)
        return (stored, evaluator)
    }

    func run() throws {
        try CommandErrors.reporting {
            guard let augmentation = TestTimeAugmentation(rawValue: tta) else {
                let words = TestTimeAugmentation.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--tta must be one of \(words), not '\(tta)'")
            }
            let (_, evaluator) = try EvaluateCommand.open(checkpoint: checkpoint, data: data, split: split, device: deviceOptions.device)
            let result = try evaluator.evaluate(split: .validation, epoch: 0, tta: augmentation)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.keyEncodingStrategy = .convertToSnakeCase
                encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
                return
            }
            print(String(format: "%@: %d images, accuracy %.2f%%, loss %.4f (test-time augmentation: %@)",
                         checkpoint, result.images, result.accuracy * 100, result.loss, result.testTimeAugmentation))
            let perClass = zip(result.classNames, result.perClassAccuracy).map { [$0, $1.isNaN ? "-" : String(format: "%.2f%%", $1 * 100)] }
            print("")
            print(TextTable.render(header: ["class", "accuracy"], rows: perClass))
            print("\nconfusion matrix (rows: true class, columns: predicted)")
            let header = ["true \\ predicted"] + result.classNames.indices.map(String.init)
            let rows = result.confusion.enumerated().map { index, row in
                ["\(index) \(result.classNames[index])"] + row.map(String.init)
            }
            print(TextTable.render(header: header, rows: rows))
        }
    }
}
