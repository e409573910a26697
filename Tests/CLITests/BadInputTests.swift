import Checkpoints
import Foundation
import ImageFiles
import XCTest

/// Every bad input a user can give, one row each: the command, what to prepare, the exit status
/// it must end with, a phrase its message must hold, and (for every row) that no file of the
/// earlier run in `runs/tiny` nor any input file changed. docs/errors.md is the same table in words.
final class BadInputTests: XCTestCase {
    struct Case {
        let id: String
        let arguments: [String]
        /// The expected exit status (1: a refused input; 64: a command-line usage error; 130/143: signals).
        var status: Int32 = 1
        let phrase: String
        /// Pipeline text written to scratch/case.yaml before the run.
        var yaml: String?
        var prepare: ((BadInputFixture) throws -> Void)?
        var environment: [String: String] = [:]
        /// A signal sent after a delay, or when `until` holds.
        var signal: Int32?
        var delay: Double = 0
        var until: ((BadInputFixture) -> Bool)?
    }

    /// The fixture's pipeline with `from` replaced by `to`, named `case` (so it trains into
    /// runs/case, not into the earlier run's folder).
    static func yaml(_ from: String, _ to: String) -> String {
        let base = (try? BadInputFixture.shared.get().pipeline) ?? ""
        precondition(base.contains(from), "the fixture pipeline has no '\(from)'")
        return base.replacingOccurrences(of: from, with: to).replacingOccurrences(of: "name: tiny", with: "name: case")
    }

    static func train(_ extra: String...) -> [String] { ["train", "tiny.yaml", "--set", "name=case"] + extra }
    static func trainCase(_ extra: String...) -> [String] { ["train", "scratch/case.yaml"] + extra }
    static func cifar(_ path: String, train: String = "[1]", validation: String = "[2]") -> [String] {
        ["train", "tiny.yaml", "--set", "name=case", "--set", "data.source=cifar10", "--set", "data.path=\(path)",
         "--set", "data.train=\(train)", "--set", "data.validation=\(validation)"]
    }

    static let cases: [Case] = yamlCases + setCases + flagCases + dataCases + imageCases + checkpointCases + runFolderCases + deviceCases
        + signalCases

    // MARK: pipeline files

    static let yamlCases: [Case] = [
        Case(id: "yaml-empty", arguments: trainCase(), phrase: "the pipeline file is empty", yaml: ""),
        Case(id: "yaml-unclosed-brace", arguments: trainCase(), phrase: "the '{' opened at line 2 is never closed",
             yaml: yaml("data: {source: synthetic, synthetic_train: 320, synthetic_validation: 64}",
                        "data: {source: synthetic, synthetic_train: 320")),
        Case(id: "yaml-unclosed-bracket", arguments: trainCase(), phrase: "the '[' opened at line",
             yaml: "name: case\nmodel: [relu, fc: {outputs: 10}\ntrain: {epochs: 1}\n"),
        Case(id: "yaml-unclosed-quote", arguments: trainCase(), phrase: "the quote opened at line 1 is never closed",
             yaml: "name: \"case\nmodel: [relu]\n"),
        Case(id: "yaml-tab", arguments: trainCase(), phrase: "replace the tab with spaces", yaml: "name: case\nmodel:\n\t- relu\n"),
        Case(id: "yaml-not-a-mapping", arguments: trainCase(), phrase: "expected a mapping", yaml: "- just\n- a list\n"),
        Case(id: "yaml-no-name", arguments: trainCase(), phrase: "missing required key 'name'", yaml: yaml("name: tiny\n", "")),
        Case(id: "yaml-no-model", arguments: trainCase(), phrase: "missing required key 'model'",
             yaml: "name: case\ntrain: {epochs: 1}\n"),
        Case(id: "yaml-name-slash", arguments: trainCase(), phrase: "name must be a non-empty word without '/'",
             yaml: "name: a/b\nmodel: [relu]\n"),
        Case(id: "yaml-key-in-wrong-section", arguments: trainCase(), phrase: "did you mean 'train.epochs'",
             yaml: yaml("optimizer:", "epochs: 3\noptimizer:")),
        Case(id: "yaml-key-typo", arguments: trainCase(), phrase: "did you mean 'lr'", yaml: yaml("{lr: 0.05", "{learning_rate: 0.05")),
        Case(id: "yaml-unknown-layer", arguments: trainCase(), phrase: "unknown layer type 'convv'", yaml: yaml("- conv:", "- convv:")),
        Case(id: "yaml-empty-model", arguments: trainCase(), phrase: "model must list at least one layer",
             yaml: "name: case\nmodel: []\n"),
        Case(id: "yaml-classifier-5", arguments: trainCase(), phrase: "set outputs: 10 on fc1 (it has 5)",
             yaml: yaml("fc: {outputs: 10}", "fc: {outputs: 5}")),
        Case(id: "yaml-classifier-relu", arguments: trainCase(), phrase: "the network ends with relu1",
             yaml: "name: case\ndata: {synthetic_train: 64, synthetic_validation: 0}\nmodel: [relu]\n"),
        Case(id: "yaml-classifier-conv", arguments: trainCase(), phrase: "end the model with a classifier",
             yaml: yaml("  - fc: {outputs: 10}\n", "")),
        Case(id: "yaml-conv-filters-0", arguments: trainCase(), phrase: "filters must be at least 1",
             yaml: yaml("filters: 8", "filters: 0")),
        Case(id: "yaml-conv-size-huge", arguments: trainCase(), phrase: "size must be at most 32", yaml: yaml("size: 3,", "size: 999,")),
        Case(id: "yaml-conv-filters-huge", arguments: trainCase(), phrase: "filters must be at most 65536",
             yaml: yaml("filters: 8", "filters: 9999999")),
        Case(id: "yaml-pool-not-integer", arguments: trainCase(), phrase: "is not an integer",
             yaml: yaml("maxpool: {size: 2}", "maxpool: {size: 3}")),
        Case(id: "yaml-residual-shape-mismatch", arguments: trainCase(),
             phrase: "the body's output is 8x16x16 but the identity shortcut's is 8x32x32; they are added",
             yaml: yaml("  - relu\n", "  - residual: {body: [conv: {filters: 8, size: 3, padding: 1, stride: 2, rounding: floor}]}\n")),
        Case(id: "yaml-residual-projection-advice", arguments: trainCase(),
             phrase: "add a projection, e.g. shortcut: [conv: {filters: 8, size: 1, stride: 2, bias: false}, batchnorm]",
             yaml: yaml("  - relu\n", "  - residual: {body: [conv: {filters: 8, size: 3, padding: 1, stride: 2, rounding: floor}]}\n")),
        Case(id: "yaml-residual-empty-body", arguments: trainCase(), phrase: "must list at least one layer",
             yaml: yaml("  - relu\n", "  - residual: {body: []}\n")),
        Case(id: "yaml-residual-no-body", arguments: trainCase(), phrase: "missing required key 'body'",
             yaml: yaml("  - relu\n", "  - residual: {shortcut: [relu]}\n")),
        Case(id: "yaml-residual-repeat-0", arguments: trainCase(), phrase: "repeat must be at least 1",
             yaml: yaml("  - relu\n", "  - residual: {body: [relu], repeat: 0}\n")),
        Case(id: "yaml-residual-repeat-huge", arguments: trainCase(), phrase: "repeat must be at most 256",
             yaml: yaml("  - relu\n", "  - residual: {body: [relu], repeat: 100000}\n")),
        Case(id: "yaml-residual-whiten-inside", arguments: trainCase(), phrase: "whiten must be the first layer",
             yaml: yaml("  - relu\n", "  - residual: {body: [whiten]}\n")),
        Case(id: "yaml-residual-key-typo", arguments: trainCase(), phrase: "did you mean 'shortcut'",
             yaml: yaml("  - relu\n", "  - residual: {body: [relu], shortcutt: [relu]}\n")),
        Case(id: "yaml-residual-inner-key-typo", arguments: trainCase(), phrase: "case.yaml:6: unknown key 'filterz' in model.1.residual.body.0.conv; did you mean 'filters'",
             yaml: yaml("  - relu\n", "  - residual:\n      body: [conv: {filterz: 8, size: 3, padding: 1}]\n")),
        Case(id: "yaml-residual-unknown-activation", arguments: trainCase(), phrase: "unknown activation 'tanh'",
             yaml: yaml("  - relu\n", "  - residual: {body: [relu], activation: tanh}\n")),
        Case(id: "yaml-duplicate-layer-name", arguments: trainCase(), phrase: "is used twice",
             yaml: yaml("  - relu\n", "  - relu: {name: x}\n  - relu: {name: x}\n")),
        Case(id: "yaml-duplicate-key", arguments: trainCase(), phrase: "appears twice", yaml: yaml("seed: 3}", "seed: 3, seed: 4}")),
        Case(id: "yaml-epochs-0", arguments: trainCase(), phrase: "train.epochs must be at least 1", yaml: yaml("epochs: 2", "epochs: 0")),
        Case(id: "yaml-epochs-huge", arguments: trainCase(), phrase: "train.epochs must be at most 100000",
             yaml: yaml("epochs: 2", "epochs: 99999999999")),
        Case(id: "yaml-epochs-overflow", arguments: trainCase(), phrase: "a number too large",
             yaml: yaml("epochs: 2", "epochs: 999999999999999999999999")),
        Case(id: "yaml-epochs-word", arguments: trainCase(), phrase: "expected an integer for train.epochs",
             yaml: yaml("epochs: 2", "epochs: many")),
        Case(id: "yaml-batch-0", arguments: trainCase(), phrase: "train.batch must be at least 1", yaml: yaml("batch: 32", "batch: 0")),
        Case(id: "yaml-batch-huge", arguments: trainCase(), phrase: "train.batch must be at most 1048576",
             yaml: yaml("batch: 32", "batch: 10000000")),
        Case(id: "yaml-batch-word", arguments: trainCase(), phrase: "an integer or 'auto'", yaml: yaml("batch: 32", "batch: big")),
        Case(id: "yaml-lr-negative", arguments: trainCase(), phrase: "optimizer.lr must be greater than 0", yaml: yaml("lr: 0.05", "lr: -1")),
        Case(id: "yaml-lr-nan", arguments: trainCase(), phrase: "expected a number for optimizer.lr", yaml: yaml("lr: 0.05", "lr: .nan")),
        Case(id: "yaml-momentum-range", arguments: trainCase(), phrase: "optimizer.momentum must be in",
             yaml: yaml("momentum: 0.9", "momentum: 1.5")),
        Case(id: "yaml-synthetic-train-huge", arguments: trainCase(), phrase: "data.synthetic_train must be at most 1000000",
             yaml: yaml("synthetic_train: 320", "synthetic_train: 99999999999")),
        Case(id: "yaml-synthetic-train-0", arguments: trainCase(), phrase: "data.synthetic_train must be at least 1",
             yaml: yaml("synthetic_train: 320", "synthetic_train: 0")),
        Case(id: "yaml-synthetic-validation-negative", arguments: trainCase(), phrase: "data.synthetic_validation must be at least 0",
             yaml: yaml("synthetic_validation: 64", "synthetic_validation: -1")),
        Case(id: "yaml-workers-huge", arguments: trainCase(), phrase: "data.workers must be at most 64",
             yaml: yaml("source: synthetic,", "source: synthetic, workers: 100000,")),
        Case(id: "yaml-prefetch-huge", arguments: trainCase(), phrase: "data.prefetch must be at most 64",
             yaml: yaml("source: synthetic,", "source: synthetic, prefetch: 5000,")),
        Case(id: "yaml-keep-0", arguments: trainCase(), phrase: "checkpoint.keep must be at least 1", yaml: yaml("keep: 2", "keep: 0")),
        Case(id: "yaml-keep-huge", arguments: trainCase(), phrase: "checkpoint.keep must be at most 10000",
             yaml: yaml("keep: 2", "keep: 1000000000")),
        Case(id: "yaml-interval-huge", arguments: trainCase(), phrase: "checkpoint.interval must be at most 100000",
             yaml: yaml("interval: 1", "interval: 1000000000")),
        Case(id: "yaml-filter-image-interval-negative", arguments: trainCase(), phrase: "checkpoint.filter_image_interval must be at least 0",
             yaml: yaml("interval: 1", "interval: 1, filter_image_interval: -1")),
        Case(id: "yaml-tensorboard-not-bool", arguments: trainCase(), phrase: "expected true or false for checkpoint.tensorboard",
             yaml: yaml("interval: 1", "interval: 1, tensorboard: maybe")),
        Case(id: "yaml-eval-interval-huge", arguments: trainCase(), phrase: "train.eval_interval must be at most 100000",
             yaml: yaml("seed: 3}", "seed: 3, eval_interval: 1000000000}")),
        Case(id: "yaml-max-batch-huge", arguments: trainCase(), phrase: "train.max_batch must be at most 1048576",
             yaml: yaml("seed: 3}", "seed: 3, max_batch: 1000000000}")),
        Case(id: "yaml-reference-batch-0", arguments: trainCase(), phrase: "train.reference_batch must be at least 1",
             yaml: yaml("seed: 3}", "seed: 3, reference_batch: 0}")),
        Case(id: "yaml-memory-fraction", arguments: trainCase(), phrase: "train.memory_fraction must be in",
             yaml: yaml("seed: 3}", "seed: 3, memory_fraction: 2}")),
        Case(id: "yaml-seed-negative", arguments: trainCase(), phrase: "train.seed must be at least 0", yaml: yaml("seed: 3", "seed: -3")),
        Case(id: "yaml-tta-word", arguments: trainCase(), phrase: "unknown value 'always' for train.tta",
             yaml: yaml("seed: 3}", "seed: 3, tta: always}")),
        Case(id: "yaml-warmup-huge", arguments: trainCase(), phrase: "schedule.warmup_epochs must be at most 100000 epochs",
             yaml: yaml("optimizer:", "schedule: {warmup_epochs: 1e12}\noptimizer:")),
        Case(id: "yaml-milestones-order", arguments: trainCase(), phrase: "must be in ascending order",
             yaml: yaml("optimizer:", "schedule: {type: step, milestones: [5, 2]}\noptimizer:")),
        Case(id: "yaml-piecewise-no-points", arguments: trainCase(), phrase: "a piecewise schedule needs points",
             yaml: yaml("optimizer:", "schedule: {type: piecewise}\noptimizer:")),
        Case(id: "yaml-translate-huge", arguments: trainCase(), phrase: "augment.translate must be at most 16",
             yaml: yaml("optimizer:", "augment: {translate: 500}\noptimizer:")),
        Case(id: "yaml-cutout-huge", arguments: trainCase(), phrase: "augment.cutout must be at most 32",
             yaml: yaml("optimizer:", "augment: {cutout: 500}\noptimizer:")),
        Case(id: "yaml-normalize-std-0", arguments: trainCase(), phrase: "must be greater than 0 in every channel",
             yaml: yaml("optimizer:", "augment: {normalize: {mean: [0, 0, 0], std: [0, 1, 1]}}\noptimizer:")),
        Case(id: "yaml-data-batch-7", arguments: trainCase(), phrase: "CIFAR-10 batch numbers are 1 to 5",
             yaml: yaml("source: synthetic,", "source: cifar10, train: [7],")),
        Case(id: "yaml-data-source-word", arguments: trainCase(), phrase: "unknown value 'imagenet' for data.source",
             yaml: yaml("source: synthetic", "source: imagenet")),
    ]

    // MARK: --set

    static let setCases: [Case] = [
        Case(id: "set-no-equals", arguments: train("--set", "train.epochs"), phrase: "expected key.path=value"),
        Case(id: "set-section-missing", arguments: train("--set", "epochs=3"), phrase: "did you mean 'train.epochs'"),
        Case(id: "set-wrong-section", arguments: train("--set", "train.lr=0.1"), phrase: "did you mean 'optimizer.lr'"),
        Case(id: "set-typo", arguments: train("--set", "train.epoch=3"), phrase: "did you mean 'epochs'"),
        Case(id: "set-layer-index", arguments: train("--set", "model.99.conv.filters=3"), phrase: "no item '99' in model"),
        Case(id: "set-layer-kind", arguments: train("--set", "model.0.fc.outputs=3"), phrase: "is a 'conv' layer, not 'fc'"),
        Case(id: "set-into-scalar", arguments: train("--set", "train.epochs.x=1"), phrase: "is a single value"),
        Case(id: "set-bad-yaml", arguments: train("--set", "train.epochs=[1"), phrase: "the value is not valid YAML"),
        Case(id: "set-synthetic-huge", arguments: train("--set", "data.synthetic_train=99999999999"),
             phrase: "--set data.synthetic_train=99999999999: data.synthetic_train must be at most 1000000"),
        Case(id: "set-batch-negative", arguments: train("--set", "train.batch=-5"), phrase: "train.batch must be at least 1"),
        Case(id: "set-twice-second-bad", arguments: train("--set", "train.epochs=1", "--set", "train.epochs=2x"),
             phrase: "--set train.epochs=2x: expected an integer for train.epochs"),
        Case(id: "set-classifier-5", arguments: train("--set", "model.4.fc.outputs=5"), phrase: "set outputs: 10 on fc1"),
        Case(id: "set-model-relu", arguments: train("--set", "model=[relu]", "--set", "data.synthetic_validation=0"),
             phrase: "the network ends with relu1"),
        Case(id: "set-folder-under-file", arguments: train("--set", "checkpoint.folder=tiny.yaml/runs"),
             phrase: "tiny.yaml is a file, not a folder"),
        Case(id: "set-run-folder-is-file", arguments: train("--set", "checkpoint.folder=.", "--set", "name=tiny.yaml"),
             phrase: "is a file, not a folder"),
    ]

    // MARK: command-line options

    static let flagCases: [Case] = [
        Case(id: "flag-memory-limit-overflow", arguments: train("--memory-limit", "99999999999999TiB"), phrase: "larger than the maximum"),
        Case(id: "flag-memory-limit-word", arguments: train("--memory-limit", "lots"), phrase: "is not a size"),
        Case(id: "flag-memory-limit-tiny", arguments: train("--memory-limit", "1KiB"), phrase: "below the minimum, 1MiB"),
        Case(id: "flag-memory-limit-nothing-fits", arguments: ["plan", "tiny.yaml", "--batch", "320", "--memory-limit", "1MiB"],
             phrase: "not even a batch of 8 fits"),
        Case(id: "flag-memory-limit-too-small", arguments: ["plan", "tiny.yaml", "--batch", "320", "--memory-limit", "8MiB"],
             phrase: "the largest batch that fits is"),
        Case(id: "flag-batch-over-cap", arguments: ["plan", "tiny.yaml", "--batch", "60000", "--memory-limit", "1GiB"],
             phrase: "the most the training split allows (320)"),
        Case(id: "flag-batch-0", arguments: train("--batch", "0"), phrase: "train.batch must be at least 1"),
        Case(id: "flag-batch-huge", arguments: train("--batch", "10000000"), phrase: "train.batch must be at most 1048576"),
        Case(id: "flag-batch-word", arguments: train("--batch", "many"), phrase: "an integer or 'auto'"),
        Case(id: "flag-batch-more-than-data", arguments: train("--batch", "512"), phrase: "fewer than one batch of 512"),
        Case(id: "flag-unknown-option", arguments: train("--epochs", "3"), status: 64, phrase: "Unknown option '--epochs'"),
        Case(id: "flag-pipeline-missing", arguments: ["train", "nowhere.yaml"], phrase: "no such file"),
        Case(id: "flag-pipeline-is-folder", arguments: ["train", "runs"], phrase: "is a folder, not a pipeline file"),
        Case(id: "flag-bench-steps-0", arguments: ["bench", "tiny.yaml", "--steps", "0"], phrase: "--steps 0 is out of range"),
        Case(id: "flag-bench-steps-huge", arguments: ["bench", "tiny.yaml", "--steps", "1000000000"], phrase: "give 1 to 10000"),
        Case(id: "flag-bench-threads-0", arguments: ["bench", "tiny.yaml", "--reference-threads", "0"],
             phrase: "--reference-threads 0 is out of range"),
        Case(id: "flag-filters-scale-0", arguments: ["filters", "runs/tiny/last.h5", "--out", "scratch/f.png", "--scale", "0"],
             phrase: "--scale must be between 1 and 64"),
        Case(id: "flag-filters-out-folder", arguments: ["filters", "runs/tiny/last.h5", "--out", "runs"], phrase: "--out runs is a folder"),
        Case(id: "flag-filters-out-missing-folder", arguments: ["filters", "runs/tiny/last.h5", "--out", "nowhere/f.png"],
             phrase: "the folder nowhere does not exist"),
        Case(id: "flag-filters-layer", arguments: ["filters", "runs/tiny/last.h5", "--out", "scratch/f.png", "--layer", "fc1"],
             phrase: "is not a convolution"),
        Case(id: "flag-export-out-missing-folder", arguments: ["export", "runs/tiny/last.h5", "--out", "nowhere/m.onnx"],
             phrase: "the folder nowhere does not exist"),
        Case(id: "flag-export-out-exists", arguments: ["export", "runs/tiny/last.h5", "--out", "tiny.yaml"],
             phrase: "--out tiny.yaml exists already; add --force"),
        Case(id: "flag-export-format", arguments: ["export", "runs/tiny/last.h5", "--format", "tflite", "--out", "scratch/m.onnx"],
             status: 64, phrase: "'tflite' is invalid for '--format"),
        Case(id: "flag-plot-out-exists", arguments: ["plot", "runs/tiny", "--out", "tiny.yaml"],
             phrase: "--out tiny.yaml exists already; add --force"),
        Case(id: "flag-plot-out-missing-folder", arguments: ["plot", "runs/tiny", "--out", "nowhere/c.png"],
             phrase: "the folder nowhere does not exist"),
        Case(id: "flag-plot-not-a-run", arguments: ["plot", "data", "--out", "scratch/c.png"], phrase: "data has no metrics.csv"),
        Case(id: "flag-plot-out-extension", arguments: ["plot", "runs/tiny", "--out", "scratch/c.jpg"],
             phrase: "must end in .png or .svg"),
        Case(id: "flag-report-out-exists", arguments: ["report", "runs/tiny", "--out", "tiny.yaml"],
             phrase: "--out tiny.yaml exists already; add --force"),
        Case(id: "flag-report-out-under-file", arguments: ["report", "runs/tiny", "--out", "tiny.yaml/report.html"],
             phrase: "tiny.yaml is a file, not a folder"),
        Case(id: "flag-report-no-checkpoint", arguments: ["report", "empty-run", "--out", "scratch/r.html"],
             phrase: "empty-run holds no checkpoint (best.h5, last.h5 or epoch-NNN.h5)"),
        Case(id: "flag-report-checkpoint-name", arguments: ["report", "runs/tiny", "--checkpoint", "epoch-099.h5", "--out", "scratch/r.html"],
             phrase: "no such checkpoint in runs/tiny"),
        Case(id: "flag-report-not-a-run", arguments: ["report", "nowhere", "--out", "scratch/r.html"], phrase: "nowhere does not exist"),
        Case(id: "flag-report-tta", arguments: ["report", "runs/tiny", "--tta", "rotate", "--out", "scratch/r.html"],
             phrase: "--tta must be one of"),
        Case(id: "flag-activations-count-0", arguments: ["activations", "runs/tiny/last.h5", "--out", "scratch/a.h5", "--count", "0"],
             phrase: "--count 0 is out of range"),
        Case(id: "flag-activations-count-huge",
             arguments: ["activations", "runs/tiny/last.h5", "--out", "scratch/a.h5", "--count", "100000000"], phrase: "give 1 to 1024 images"),
        Case(id: "flag-activations-split-without-data",
             arguments: ["activations", "runs/tiny/last.h5", "--out", "scratch/a.h5", "--split", "9"], phrase: "--split 9 needs --data"),
        Case(id: "flag-activations-split-9",
             arguments: ["activations", "runs/tiny/last.h5", "--out", "scratch/a.h5", "--split", "9", "--data", "data/ok"],
             phrase: "--split 9 is not a CIFAR-10 split"),
        Case(id: "flag-evaluate-test-synthetic", arguments: ["evaluate", "runs/tiny/last.h5", "--split", "test"],
             phrase: "trains on synthetic data"),
        Case(id: "flag-evaluate-split-9", arguments: ["evaluate", "runs/tiny/last.h5", "--split", "9", "--data", "data/ok"],
             phrase: "--split 9 is not a CIFAR-10 split"),
        Case(id: "flag-evaluate-tta", arguments: ["evaluate", "runs/tiny/last.h5", "--tta", "rotate"], phrase: "--tta must be one of none, flip, flip_translate"),
        Case(id: "flag-data-from-missing", arguments: ["data", "cifar10", "--from", "nowhere.tar.gz", "--to", "scratch/c"],
             phrase: "no such file"),
    ]

    // MARK: data files

    static let dataCases: [Case] = [
        Case(id: "data-folder-missing", arguments: cifar("data/none"), phrase: "conveyor data cifar10"),
        Case(id: "data-empty-file", arguments: cifar("scratch/c"), phrase: "data_batch_1.bin: the file is empty",
             prepare: { f in try f.writeData("scratch/c/data_batch_1.bin", Data()); try f.makeCIFAR(folder: "scratch/c", records: ["data_batch_2.bin": 64]) }),
        Case(id: "data-truncated-record", arguments: cifar("scratch/c"), phrase: "is not a multiple of the 3073-byte",
             prepare: { f in
                 try f.writeData("scratch/c/data_batch_1.bin", BadInputFixture.records(40).dropLast(1000))
                 try f.makeCIFAR(folder: "scratch/c", records: ["data_batch_2.bin": 64])
             }),
        Case(id: "data-label-out-of-range", arguments: cifar("scratch/c"), phrase: "has label 200",
             prepare: { f in
                 try f.writeData("scratch/c/data_batch_1.bin", BadInputFixture.records(40) { $0 == 5 ? 200 : 1 })
                 try f.makeCIFAR(folder: "scratch/c", records: ["data_batch_2.bin": 64])
             }),
        Case(id: "data-file-is-folder", arguments: cifar("scratch/c"), phrase: "is a folder, not a CIFAR-10 batch file",
             prepare: { f in
                 try FileManager.default.createDirectory(at: f.url("scratch/c/data_batch_1.bin"), withIntermediateDirectories: true)
                 try f.makeCIFAR(folder: "scratch/c", records: ["data_batch_2.bin": 64])
             }),
        Case(id: "data-fewer-than-a-batch", arguments: cifar("scratch/c"), phrase: "data_batch_1.bin) has 3 images, fewer than one batch",
             prepare: { f in try f.makeCIFAR(folder: "scratch/c", records: ["data_batch_1.bin": 3, "data_batch_2.bin": 64]) }),
        Case(id: "data-empty-validation", arguments: cifar("scratch/c", validation: "[test]"), phrase: "test_batch.bin: the file is empty",
             prepare: { f in
                 try f.makeCIFAR(folder: "scratch/c", records: ["data_batch_1.bin": 64])
                 try f.writeData("scratch/c/test_batch.bin", Data())
             }),
        Case(id: "data-evaluate-empty-test", arguments: ["evaluate", "runs/tiny/last.h5", "--data", "scratch/c", "--split", "test"],
             phrase: "test_batch.bin: the file is empty", prepare: { f in try f.writeData("scratch/c/test_batch.bin", Data()) }),
        Case(id: "data-evaluate-missing-folder", arguments: ["evaluate", "runs/tiny/last.h5", "--data", "data/none", "--split", "test"],
             phrase: "missing test_batch.bin"),
        Case(id: "data-report-data-elsewhere", arguments: ["report", "scratch/elsewhere.h5", "--out", "scratch/r.html"],
             phrase: "evaluates on data that is not here",
             prepare: { f in
                 // The earlier run's checkpoint, as if trained on a CIFAR-10 folder this machine lacks.
                 var moved = try CheckpointFile.load(from: f.url("runs/tiny/last.h5").path)
                 moved.config = moved.config.replacingOccurrences(
                     of: "source: synthetic, synthetic_train: 320, synthetic_validation: 64",
                     with: "source: cifar10, path: data/gone, train: [1], validation: [2]")
                 try CheckpointFile.save(moved, to: f.url("scratch/elsewhere.h5").path)
             }),
        Case(id: "data-no-validation-empty-eval", arguments: ["evaluate", "scratch/noval/last.h5"], phrase: "the validation split has no data",
             prepare: { f in
                 try FileManager.default.createDirectory(at: f.url("scratch/noval"), withIntermediateDirectories: true)
                 let saved = try ConveyorProcess.run(["train", "tiny.yaml", "--set", "name=noval", "--set", "checkpoint.folder=scratch",
                                                      "--set", "data.synthetic_validation=0", "--set", "train.epochs=1"],
                                                     directory: f.folder)
                 guard saved.status == 0, saved.stdout.contains("warning: the pipeline has no validation split"),
                       !FileManager.default.fileExists(atPath: f.url("scratch/noval/best.h5").path) else {
                     throw FixtureError("a run without validation must warn and write no best.h5: \(saved.stdout) \(saved.stderr)")
                 }
             }),
    ]

    // MARK: checkpoints

    static let checkpointCases: [Case] = [
        Case(id: "ckpt-missing", arguments: ["evaluate", "ckpt/none.h5"], phrase: "no checkpoint at ckpt/none.h5"),
        Case(id: "ckpt-truncated", arguments: ["evaluate", "ckpt/truncated.h5"], phrase: "ckpt/truncated.h5 is truncated or corrupt"),
        Case(id: "ckpt-empty", arguments: ["evaluate", "ckpt/empty.h5"], phrase: "ckpt/empty.h5 is truncated or corrupt"),
        Case(id: "ckpt-not-hdf5", arguments: ["evaluate", "ckpt/text.h5"], phrase: "ckpt/text.h5 is truncated or corrupt"),
        Case(id: "ckpt-foreign-hdf5", arguments: ["evaluate", "ckpt/foreign.h5"], phrase: "not a Conveyor checkpoint"),
        Case(id: "ckpt-other-format", arguments: ["evaluate", "ckpt/other-format.h5"], phrase: "its format attribute is \"keras\""),
        Case(id: "ckpt-newer-version", arguments: ["evaluate", "ckpt/newer.h5"], phrase: "update Conveyor"),
        Case(id: "ckpt-version-0", arguments: ["evaluate", "ckpt/zero.h5"], phrase: "versions start at 1"),
        Case(id: "ckpt-nan-evaluate", arguments: ["evaluate", "ckpt/nan.h5"], phrase: "/model/conv1/weight holds 1 NaN or infinite values"),
        Case(id: "ckpt-nan-resume", arguments: ["resume", "ckpt/nan.h5", "--set", "train.epochs=3"], phrase: "cannot be evaluated or resumed"),
        Case(id: "ckpt-nan-filters", arguments: ["filters", "ckpt/nan.h5", "--out", "scratch/f.png"], phrase: "NaN or infinite"),
        Case(id: "ckpt-nan-export", arguments: ["export", "ckpt/nan.h5", "--out", "scratch/m.onnx"], phrase: "NaN or infinite"),
        Case(id: "ckpt-missing-export", arguments: ["export", "ckpt/none.h5", "--out", "scratch/m.onnx"],
             phrase: "no checkpoint at ckpt/none.h5"),
        Case(id: "ckpt-inf-momentum", arguments: ["resume", "ckpt/inf-momentum.h5", "--set", "train.epochs=3"],
             phrase: "/optimizer/conv1/weight_momentum holds 1 NaN or infinite"),
        Case(id: "ckpt-bad-normalization", arguments: ["evaluate", "ckpt/normalization.h5"], phrase: "/normalization holds"),
        Case(id: "ckpt-wrong-shapes-evaluate", arguments: ["evaluate", "ckpt/shapes.h5"],
             phrase: "conv1.weight: the checkpoint has shape [4, 3, 3, 3]"),
        Case(id: "ckpt-wrong-shapes-resume", arguments: ["resume", "ckpt/shapes.h5", "--set", "train.epochs=3", "--set", "name=case"],
             phrase: "does not match the pipeline's network"),
        Case(id: "ckpt-wrong-layer-names", arguments: ["evaluate", "ckpt/renamed.h5"], phrase: "the checkpoint [convX"),
        Case(id: "ckpt-residual-into-plain",
             arguments: ["train", "tiny.yaml", "--resume", "runs/tinyres/last.h5", "--set", "name=case", "--set", "train.epochs=3"],
             phrase: "the checkpoint [conv1, res1.conv1, res1.relu1, relu1"),
        Case(id: "ckpt-plain-into-residual",
             arguments: ["train", "tinyres.yaml", "--resume", "runs/tiny/last.h5", "--set", "name=case", "--set", "train.epochs=3"],
             phrase: "the pipeline has [conv1, res1.conv1, res1.relu1, relu1"),
        Case(id: "ckpt-step-1e15", arguments: ["resume", "ckpt/step.h5", "--set", "train.epochs=3"], phrase: "step 1000000000000000"),
        Case(id: "ckpt-epoch-1e15", arguments: ["evaluate", "ckpt/epoch.h5"], phrase: "epoch 1000000000000000"),
        Case(id: "ckpt-step-behind-epoch", arguments: ["evaluate", "ckpt/backwards.h5"], phrase: "at least one step per epoch"),
        Case(id: "ckpt-batch-1e15", arguments: ["resume", "ckpt/batch.h5", "--set", "train.epochs=3"], phrase: "/state batch 1000000000000000"),
        Case(id: "ckpt-stored-pipeline-broken", arguments: ["evaluate", "ckpt/config.h5"], phrase: "(stored pipeline)"),
        Case(id: "ckpt-is-folder", arguments: ["evaluate", "ckpt/folder.h5"], phrase: "is a folder, not a checkpoint file"),
        Case(id: "ckpt-resume-missing", arguments: ["resume", "ckpt/none.h5"], phrase: "no checkpoint at"),
        Case(id: "ckpt-resume-truncated", arguments: ["train", "tiny.yaml", "--resume", "ckpt/truncated.h5"], phrase: "truncated or corrupt"),
        Case(id: "ckpt-resume-steps-per-epoch",
             arguments: ["resume", "runs/tiny", "--set", "train.epochs=3", "--set", "data.synthetic_train=640"],
             phrase: "steps per epoch"),
    ]

    // MARK: run folders and concurrent runs

    static let runFolderCases: [Case] = [
        Case(id: "run-new-into-earlier-run", arguments: ["train", "tiny.yaml"], phrase: "already holds a run"),
        Case(id: "run-new-names-the-choices", arguments: ["train", "tiny.yaml", "--set", "train.epochs=5"], phrase: "add --force"),
        Case(id: "run-resume-already-done", arguments: ["resume", "runs/tiny"], phrase: "already trained 2 epochs"),
        Case(id: "run-resume-older", arguments: ["resume", "runs/tiny/epoch-001.h5", "--set", "train.epochs=3"],
             phrase: "is newer than runs/tiny/epoch-001.h5"),
        Case(id: "run-resume-other-run-into-folder", arguments: ["train", "tiny.yaml", "--resume", "ckpt/good.h5", "--set", "train.epochs=3"],
             phrase: "already holds another run"),
        Case(id: "run-resume-empty-folder", arguments: ["resume", "empty-run"], phrase: "holds no checkpoint"),
        Case(id: "run-resume-only-broken", arguments: ["resume", "broken-run"], phrase: "holds no complete checkpoint"),
        Case(id: "run-locked-by-other-process", arguments: ["resume", "runs/tiny", "--set", "train.epochs=3"], phrase: "is in use",
             prepare: { f in try LockHolder.hold(f.url("runs/tiny/run.lock").path) }),
        Case(id: "run-concurrent-train", arguments: ["train", "tiny.yaml", "--set", "name=conc"], phrase: "is in use: process",
             prepare: { f in try ConcurrentRun.start(in: f) }),
    ]

    // MARK: devices

    static let deviceCases: [Case] = [
        Case(id: "device-index-7", arguments: train("--device", "7"), phrase: "no OpenCL device matches --device '7'"),
        Case(id: "device-name", arguments: train("--device", "quantum"), phrase: "no OpenCL device matches --device 'quantum'"),
        Case(id: "device-evaluate", arguments: ["evaluate", "runs/tiny/last.h5", "--device", "7"], phrase: "no OpenCL device matches"),
        Case(id: "device-plan", arguments: ["plan", "tiny.yaml", "--device", "99"], phrase: "no OpenCL device matches"),
    ]

    // MARK: signals (kernels build on PoCL's CPU device, whose cache POCL_CACHE_DIR empties)

    static let signalCases: [Case] = [
        Case(id: "signal-term-while-measuring", arguments: train("--set", "data.synthetic_train=1000000"), status: 143,
             phrase: "stopped before training started (SIGTERM)", signal: SIGTERM,
             until: { f in FileManager.default.fileExists(atPath: f.url("runs/case/run.lock").path) }),
        Case(id: "signal-int-while-measuring", arguments: train("--set", "data.synthetic_train=1000000"), status: 130,
             phrase: "stopped before training started (SIGINT)", signal: SIGINT,
             until: { f in FileManager.default.fileExists(atPath: f.url("runs/case/run.lock").path) }),
        Case(id: "signal-int-while-kernels-build", arguments: train("--device", "cpu"), status: 130, phrase: "stopped before training started",
             prepare: { f in try FileManager.default.createDirectory(at: f.url("scratch/pocl"), withIntermediateDirectories: true) },
             environment: ["POCL_CACHE_DIR": "scratch/pocl"], signal: SIGINT, delay: 0.6),
        Case(id: "signal-term-during-training", arguments: train("--set", "train.epochs=200"), status: 143, phrase: "stopped by signal 15",
             signal: SIGTERM, until: { f in FileManager.default.fileExists(atPath: f.url("runs/case/last.h5").path) }),
    ]

    // MARK: image folders

    /// A pipeline training on the image folder(s) of `data`, with `outputs` classes.
    static func imageYaml(_ data: String, outputs: Int = 2, size: String = "image_size: [16, 16]") -> String {
        ImageFolderFixture.pipeline(name: "case", data: data + ", cache: scratch/cache", size: 16, classes: outputs, epochs: 1)
            .replacingOccurrences(of: "image_size: [16, 16]", with: size)
    }

    /// scratch/img: two classes (cat, dog) of four images, plus `extra` written into it.
    static func imageFolder(_ f: BadInputFixture, _ extra: (BadInputFixture) throws -> Void = { _ in }) throws {
        try ImageFolderFixture.make(at: f.url("scratch/img"), classes: ["cat", "dog"], perClass: 4)
        try extra(f)
    }

    static let imageData = "path: scratch/img, validation_fraction: 0.25"
    static let imageCases: [Case] = [
        Case(id: "image-truncated-jpeg", arguments: trainCase(), phrase: "scratch/img/cat/cut.jpg: the JPEG data is damaged or truncated",
             yaml: imageYaml(imageData), prepare: { f in try imageFolder(f) { f in
                 let bytes = try JPEGEncoder.encode([UInt8](repeating: 90, count: 32 * 32 * 3), width: 32, height: 32)
                 try f.writeData("scratch/img/cat/cut.jpg", Data(bytes.prefix(bytes.count / 2)))
             } }),
        Case(id: "image-zero-bytes", arguments: trainCase(), phrase: "scratch/img/dog/empty.png: the file is empty",
             yaml: imageYaml(imageData), prepare: { f in try imageFolder(f) { try $0.writeData("scratch/img/dog/empty.png", Data()) } }),
        Case(id: "image-not-an-image", arguments: trainCase(), phrase: "scratch/img/dog/notes.jpg: not a JPEG or PNG image",
             yaml: imageYaml(imageData), prepare: { f in try imageFolder(f) { try $0.write("scratch/img/dog/notes.jpg", "not a picture") } }),
        Case(id: "image-cmyk", arguments: trainCase(), phrase: "scratch/img/cat/print.jpg: a YCCK (CMYK) JPEG",
             yaml: imageYaml(imageData), prepare: { f in try imageFolder(f) { f in
                 let bytes = try JPEGEncoder.encode([UInt8](repeating: 60, count: 16 * 16 * 4), width: 16, height: 16, pixels: .cmyk)
                 try f.writeData("scratch/img/cat/print.jpg", Data(bytes))
             } }),
        Case(id: "image-too-small", arguments: trainCase(), phrase: "scratch/img/cat/dot.png: 4x3 pixels, smaller than 8 on a side",
             yaml: imageYaml(imageData), prepare: { f in try imageFolder(f) { f in
                 try PNGEncoder.write([UInt8](repeating: 9, count: 4 * 3 * 3), width: 4, height: 3, channels: 3, to: f.url("scratch/img/cat/dot.png").path)
             } }),
        Case(id: "image-empty-class", arguments: trainCase(), phrase: "scratch/img/fish: this class folder holds no .jpg, .jpeg or .png image",
             yaml: imageYaml(imageData, outputs: 3), prepare: { f in try imageFolder(f) { try $0.write("scratch/img/fish/readme.txt", "none yet") } }),
        Case(id: "image-no-class-folders", arguments: trainCase(), phrase: "scratch/flat: no class folders",
             yaml: imageYaml("path: scratch/flat"), prepare: { f in
                 try FileManager.default.createDirectory(at: f.url("scratch/flat"), withIntermediateDirectories: true)
                 try PNGEncoder.write([UInt8](repeating: 9, count: 16 * 16 * 3), width: 16, height: 16, channels: 3,
                                      to: f.url("scratch/flat/a.png").path)
             }),
        Case(id: "image-one-class", arguments: trainCase(), phrase: "only one class folder (cat)",
             yaml: imageYaml("path: scratch/one"), prepare: { f in try ImageFolderFixture.make(at: f.url("scratch/one"), classes: ["cat"], perClass: 4) }),
        Case(id: "image-symlink-loop", arguments: trainCase(), phrase: "scratch/img/cat/loop: a symbolic link to a folder that contains it",
             yaml: imageYaml(imageData), prepare: { f in try imageFolder(f) { f in
                 try FileManager.default.createSymbolicLink(atPath: f.url("scratch/img/cat/loop").path, withDestinationPath: "..")
             } }),
        Case(id: "image-folder-missing", arguments: trainCase(), phrase: "data.path: the folder scratch/none does not exist",
             yaml: imageYaml("path: scratch/none")),
        Case(id: "image-classes-differ", arguments: trainCase(), phrase: "only in scratch/val: fish",
             yaml: imageYaml("train: scratch/img, validation: scratch/val"), prepare: { f in
                 try imageFolder(f)
                 try ImageFolderFixture.make(at: f.url("scratch/val"), classes: ["cat", "dog", "fish"], perClass: 2)
             }),
        Case(id: "image-size-missing", arguments: trainCase(), phrase: "missing required key 'image_size' in data",
             yaml: imageYaml(imageData, size: "resize: crop"), prepare: { f in try imageFolder(f) }),
        Case(id: "image-classifier-width", arguments: trainCase(), phrase: "the data has 2 classes, so the last layer must give 2 values, not 10",
             yaml: imageYaml(imageData, outputs: 10), prepare: { f in try imageFolder(f) }),
        Case(id: "image-fraction-1", arguments: trainCase(), phrase: "data.validation_fraction must be at least 0 and below 1",
             yaml: imageYaml("path: scratch/img, validation_fraction: 1")),
        Case(id: "image-predict-not-an-image", arguments: ["predict", "runs/tiny/last.h5", "scratch/notes.png"],
             phrase: "scratch/notes.png: not a JPEG or PNG image", prepare: { f in try f.write("scratch/notes.png", "text") }),
        Case(id: "image-predict-missing", arguments: ["predict", "runs/tiny/last.h5", "scratch/none.jpg"],
             phrase: "scratch/none.jpg: cannot be read (no such file or folder)"),
        Case(id: "image-import-size", arguments: ["data", "import", "scratch/img", "--size", "0x4", "--out", "scratch/i.h5"],
             phrase: "--size 0x4 is not a size"),
        Case(id: "image-import-bad-image", arguments: ["data", "import", "scratch/img", "--size", "8", "--out", "scratch/i.h5"],
             phrase: "scratch/img/dog/notes.jpg: not a JPEG or PNG image",
             prepare: { f in try imageFolder(f) { try $0.write("scratch/img/dog/notes.jpg", "not a picture") } }),
    ]

    // MARK: the run

    override func setUp() {
        continueAfterFailure = true
    }

    func testEveryBadInputIsRefusedClearly() throws {
        let fixture = try BadInputFixture.shared.get()
        XCTAssertGreaterThanOrEqual(Self.cases.count, 90)
        XCTAssertEqual(Set(Self.cases.map(\.id)).count, Self.cases.count, "case ids are unique")
        let start = Date()
        for item in Self.cases {
            try? FileManager.default.removeItem(at: fixture.url("scratch"))
            try? FileManager.default.removeItem(at: fixture.url("runs/case"))
            try FileManager.default.createDirectory(at: fixture.url("scratch"), withIntermediateDirectories: true)
            if let yaml = item.yaml { try fixture.write("scratch/case.yaml", yaml) }
            do { try item.prepare?(fixture) } catch {
                XCTFail("\(item.id): preparing failed: \(error)")
                continue
            }
            let before = try fixture.snapshot()
            let caseStart = Date()
            let environment = item.environment.mapValues { $0.hasPrefix("scratch") ? fixture.url($0).path : $0 }
            let result: ConveyorProcess.Result
            if item.signal != nil || item.until != nil {
                result = try SignalledProcess.run(item.arguments, directory: fixture.folder, environment: environment,
                                                  signal: item.signal ?? SIGKILL, after: item.delay,
                                                  until: item.until.map { until in { until(fixture) } })
            } else {
                result = try ConveyorProcess.run(item.arguments, environment: environment, directory: fixture.folder)
            }
            LockHolder.release()
            ConcurrentRun.stop()
            let seconds = Date().timeIntervalSince(caseStart)
            let output = result.stderr + result.stdout
            XCTAssertEqual(result.status, item.status, "\(item.id): exit status; output:\n\(output)")
            XCTAssertTrue(output.contains(item.phrase), "\(item.id): expected '\(item.phrase)' in:\n\(output)")
            if item.status != 0 && item.status < 128 {
                XCTAssertFalse(output.contains("Fatal error") || output.contains("NSCocoaErrorDomain"), "\(item.id): a raw error:\n\(output)")
            }
            // A refused import leaves no file behind, under its name or a temporary one (a complete
            // import before a refusal elsewhere stays cached).
            let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: fixture.url("scratch/cache").path)) ?? [])
                .filter { $0.contains(".partial-") }
                + ((try? FileManager.default.contentsOfDirectory(atPath: fixture.url("scratch").path)) ?? []).filter { $0.hasPrefix("i.h5") }
            if item.status != 0 { XCTAssertEqual(leftovers, [], "\(item.id): an import left files") }
            let after = try fixture.snapshot()
            XCTAssertEqual(before, after, "\(item.id): files of the earlier run or the inputs changed")
            if seconds > 20 { print("slow case \(item.id): \(String(format: "%.1f", seconds)) s") }
        }
        print(String(format: "%d bad-input cases in %.1f s", Self.cases.count, Date().timeIntervalSince(start)))
    }
}

/// Holds `run.lock` as another process would (flock from this process), for the lock case.
enum LockHolder {
    nonisolated(unsafe) static var descriptor: Int32 = -1

    static func hold(_ path: String) throws {
        descriptor = open(path, O_RDWR)
        guard descriptor >= 0, flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { throw FixtureError("cannot lock \(path)") }
    }

    static func release() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }
}

/// A real second `conveyor train` into the same folder, for the concurrency case.
enum ConcurrentRun {
    nonisolated(unsafe) static var process: Process?

    static func start(in fixture: BadInputFixture) throws {
        let process = Process()
        process.executableURL = ConveyorProcess.binary
        process.arguments = ["train", "tiny.yaml", "--set", "name=conc", "--set", "train.epochs=500", "--force"]
        process.currentDirectoryURL = fixture.folder
        process.environment = ConveyorProcess.baseEnvironment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        // Wait until it holds the lock and has saved once.
        let last = fixture.url("runs/conc/last.h5").path
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: last) && Date() < deadline && process.isRunning { usleep(20_000) }
    }

    static func stop() {
        guard let process else { return }
        if process.isRunning { kill(process.processIdentifier, SIGINT) }
        process.waitUntilExit()
        self.process = nil
    }
}
