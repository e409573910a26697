import ArgumentParser
import Checkpoints
import FilterImages
import Foundation
import InputData
import PipelineConfig
import Plots
import Reports
import Training

/// Gathers what `conveyor report` shows of one run: its checkpoint opened and evaluated as
/// `conveyor evaluate` does (one pass gives the results with and without test-time
/// augmentation and every image's prediction), its per-epoch figures, the most confidently
/// wrong images and the first layer's filters.
struct RunReportBuilder {
    let checkpointChoice: String
    let data: String?
    let split: String
    /// nil: the pipeline's `train.tta`, or `flip` when that is none, so that the report shows both.
    let tta: TestTimeAugmentation?
    let device: String?

    /// The checkpoint a run argument names: a file as it is; in a folder, `--checkpoint best`
    /// (best.h5, else last.h5, which is all a run without validation writes), `last`, or a file
    /// name in the folder or a path.
    func resolve(_ run: String, runCount: Int) throws -> (folder: String, checkpoint: String, note: String?) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: run, isDirectory: &isDirectory) else {
            throw ValidationError("\(run) does not exist; give a run folder such as runs/quickstart, or a checkpoint file")
        }
        if !isDirectory.boolValue {
            let parent = (run as NSString).deletingLastPathComponent
            return (parent.isEmpty ? "." : parent, run, nil)
        }
        func inFolder(_ name: String) -> String? {
            let path = (run as NSString).appendingPathComponent(name)
            return manager.fileExists(atPath: path) ? path : nil
        }
        switch checkpointChoice {
        case "best":
            if let best = inFolder("best.h5") { return (run, best, nil) }
            if let last = inFolder("last.h5") {
                return (run, last, "\(run) has no best.h5 (it is written only by runs with validation): reporting last.h5")
            }
        case "last":
            if let last = inFolder("last.h5") { return (run, last, nil) }
        default:
            if let named = inFolder(checkpointChoice) { return (run, named, nil) }
            if manager.fileExists(atPath: checkpointChoice), runCount == 1 { return (run, checkpointChoice, nil) }
            throw ValidationError("--checkpoint \(checkpointChoice): no such checkpoint in \(run)\(runCount == 1 ? " nor as a path" : "") "
                                  + "; give best, last, or a file name the folder holds, such as epoch-002.h5")
        }
        let numbered = ((try? manager.contentsOfDirectory(atPath: run)) ?? []).filter { $0.hasPrefix("epoch-") && $0.hasSuffix(".h5") }
        guard let newest = numbered.sorted().last else {
            throw ValidationError("\(run) holds no checkpoint (best.h5, last.h5 or epoch-NNN.h5); train it first "
                                  + "(conveyor train or conveyor resume), or give a checkpoint file instead of the folder")
        }
        let path = (run as NSString).appendingPathComponent(newest)
        return (run, path, "\(run) has no \(checkpointChoice).h5: reporting \(newest), its newest numbered checkpoint")
    }

    func build(run: String, runCount: Int, say: (String) -> Void) throws -> RunReport {
        let (folder, checkpointPath, note) = try resolve(run, runCount: runCount)
        if let note { say(note) }
        let (stored, evaluator): (StoredModel, Evaluator)
        do {
            (stored, evaluator) = try EvaluateCommand.open(checkpoint: checkpointPath, data: data, split: split, device: device)
        } catch let error as DataError {
            throw ValidationError(dataMessage(error, checkpoint: checkpointPath))
        }
        let name = RunMetrics.runName(folder: folder)
        let augmentation = tta ?? (stored.config.train.tta == .none ? .flip : stored.config.train.tta)
        let classes = stored.model.network.outputShape.count

        var evaluation: DetailedEvaluation?
        var evaluationNote: String?
        var seconds: Double?
        var splitText = split == "validation" ? "the stored pipeline's validation split" : "split \(split)"
        if data != nil { splitText += " of \(data!)" }
        if evaluator.data.validationSource == nil {
            evaluationNote = "the checkpoint's pipeline has no validation split; to evaluate it, give "
                + "--data DIR (a CIFAR-10 folder) and --split test"
        } else {
            let start = Date()
            do {
                evaluation = try evaluator.evaluateInDetail(split: .validation, epoch: 0, tta: augmentation)
            } catch let error as DataError {
                throw ValidationError(dataMessage(error, checkpoint: checkpointPath))
            }
            seconds = Date().timeIntervalSince(start)
            splitText += " (\(evaluation!.result.images) images)"
        }
        let classNames = ReportClassNames.names(checkpoint: stored.checkpoint, dataNames: evaluator.data.classNames, classes: classes)
        var mistakes: [ReportThumbnail] = []
        if let evaluation, let source = evaluator.data.validationSource {
            for prediction in evaluation.mostConfidentlyWrong(ReportPage.mistakeCount) {
                mistakes.append(ReportThumbnail(prediction: prediction, png: try ReportThumbnail.png(
                    planes: source.pixels(at: prediction.index), side: DataLayout.side, channels: DataLayout.channels)))
            }
        }

        var metrics: RunMetrics?
        var metricsSource = "no per-epoch figures"
        if RunMetrics.hasMetricsFile(folder: folder) {
            metrics = try RunMetrics.load(folder: folder)
            metricsSource = (folder as NSString).appendingPathComponent("metrics.csv")
        } else if !stored.checkpoint.metrics.isEmpty {
            metrics = RunMetrics(name: name, checkpointRows: stored.checkpoint.metrics)
            metricsSource = "the checkpoint's /metrics (the folder has no metrics.csv)"
        }

        return RunReport(name: name, folder: folder, checkpointPath: checkpointPath, checkpointEpoch: Int(stored.checkpoint.epoch),
                         pipeline: stored.checkpoint.config,
                         device: "evaluated on \(stored.model.context.device.name)"
                            + (stored.config.device.map { " (the pipeline's device: \($0))" } ?? ""),
                         metrics: metrics, metricsSource: metricsSource, evaluation: evaluation, evaluationNote: evaluationNote,
                         split: splitText, classNames: classNames, mistakes: mistakes, filters: try filters(stored.checkpoint),
                         evaluationSeconds: seconds)
    }

    /// The first layer with a 4-D weight, as `conveyor filters` draws it (4 pixels per weight).
    private func filters(_ checkpoint: Checkpoint) throws -> ReportFilters? {
        guard let layer = checkpoint.layers.first(where: { $0.tensors["weight"]?.shape.count == 4 }),
              let weight = layer.tensors["weight"] else { return nil }
        let grid = try FilterGrid(weights: weight, scale: 4)
        let shape = weight.shape
        return ReportFilters(png: try grid.image.encoded(),
                             caption: "\(layer.name): \(shape[0]) filters of \(shape[1]) channels, \(shape[2])x\(shape[3])"
                                + (grid.usesChannelMean ? " (the mean of the channels in grey)" : ""),
                             width: grid.image.width)
    }

    /// A data set the checkpoint needs that is not here: what it looked for, and `--data`.
    private func dataMessage(_ error: DataError, checkpoint: String) -> String {
        if case .missingFiles = error {
            return "\(checkpoint) evaluates on data that is not here: \(error) To report it, give the CIFAR-10 folder with --data DIR."
        }
        return "\(checkpoint): \(error)"
    }
}
