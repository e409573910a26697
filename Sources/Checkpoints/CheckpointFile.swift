import FileOutput
import Foundation
import HDF5

/// Saves and loads `Checkpoint`s in the HDF5 layout of docs/checkpoints.md.
///
/// Saving is atomic: the file is written to `<path>.tmp-<pid>` in the same folder, flushed and
/// fsynced, renamed over `path`, and the folder fsynced. A crash or kill at any moment leaves
/// either the previous file or the new one at `path`, never a partial one.
public enum CheckpointFile {
    public static func save(_ checkpoint: Checkpoint, to path: String) throws {
        try validate(checkpoint)
        // Encoded in memory, then written by OutputFile (temporary file, fsync, rename): a disk
        // that fills up fails one plain write, never HDF5 half-way through its own.
        let bytes: [UInt8]
        do {
            let file = try HDF5File.createInMemory(name: OutputFile.temporaryPath(for: path))
            try write(checkpoint, into: file)
            bytes = try file.image()
            try file.close()
        } catch {
            throw CheckpointError.saveFailed(path: path, detail: "\(error)")
        }
        do {
            try OutputFile.write(bytes, to: path)
        } catch let error as OutputFileError {
            throw error.isOutOfSpace ? CheckpointError.outOfSpace(path: path, detail: error.description)
                : CheckpointError.saveFailed(path: path, detail: error.description)
        }
    }

    /// The largest epoch and step counts a checkpoint may hold; larger ones are refused as damaged.
    public static let maximumEpoch: UInt64 = 1_000_000
    public static let maximumStep: UInt64 = 1 << 40

    public static func load(from path: String) throws -> Checkpoint {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw CheckpointError.missing(path: path) }
        if isDirectory.boolValue { throw CheckpointError.isFolder(path: path) }
        try CheckpointTrialRead.reader?(path)
        let file: HDF5File
        do { file = try HDF5File.open(at: path) } catch {
            throw CheckpointError.corrupt(path: path, detail: "\(error)")
        }
        defer { try? file.close() }
        let format: String?
        do { format = try file.attribute("format")?.stringValue } catch {
            throw CheckpointError.corrupt(path: path, detail: "\(error)")
        }
        guard format == Checkpoint.format else { throw CheckpointError.notACheckpoint(path: path, found: format) }
        do {
            return try read(file, path: path)
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError.corrupt(path: path, detail: "\(error)")
        }
    }

    // MARK: - Writing

    private static func validate(_ checkpoint: Checkpoint) throws {
        for (group, list) in [("model", checkpoint.layers), ("optimizer", checkpoint.optimizer)] {
            for layer in list {
                try validateName(layer.name)
                for (name, tensor) in layer.tensors {
                    try validateName(name)
                    guard tensor.isConsistent else {
                        throw CheckpointError.shapeMismatch(path: "(not yet saved)", object: "/\(group)/\(layer.name)/\(name)",
                                                           shape: tensor.shape, count: tensor.values.count)
                    }
                }
            }
        }
        for key in checkpoint.state.keys { try validateName(key) }
        if let normalization = checkpoint.normalization, normalization.std.count != normalization.mean.count {
            throw CheckpointError.shapeMismatch(path: "(not yet saved)", object: "/normalization/std",
                                               shape: [normalization.mean.count], count: normalization.std.count)
        }
    }

    private static func validateName(_ name: String) throws {
        if name.isEmpty || name == "." || name.contains("/") { throw CheckpointError.invalidName(name: name) }
    }

    private static func write(_ c: Checkpoint, into file: HDF5File) throws {
        try file.setAttribute("format", .string(Checkpoint.format))
        try file.setAttribute("version", .int64(Int64(Checkpoint.currentVersion)))
        try file.setAttribute("epoch", .uint64(c.epoch))
        try file.setAttribute("step", .uint64(c.step))
        try file.setAttribute("seed", .uint64(c.seed))
        try file.setAttribute("config", .string(c.config))
        for (group, list) in [("/model", c.layers), ("/optimizer", c.optimizer)] {
            try file.createGroup(group)
            try file.setAttribute("layers", .strings(list.map(\.name)), on: group)
            for layer in list {
                try file.createGroup("\(group)/\(layer.name)")
                for (name, tensor) in layer.tensors.sorted(by: { $0.key < $1.key }) {
                    try file.write(tensor.values, shape: tensor.shape, to: "\(group)/\(layer.name)/\(name)")
                }
            }
        }
        try file.createGroup("/metrics")
        try file.setAttribute("columns", .strings(EpochMetrics.columns), on: "/metrics")
        try file.write(c.metrics.map { Int64($0.epoch) }, shape: [c.metrics.count], to: "/metrics/epoch")
        for (index, column) in EpochMetrics.columns.dropFirst().enumerated() {
            try file.write(c.metrics.map { $0.doubles[index] }, shape: [c.metrics.count], to: "/metrics/\(column)")
        }
        try file.createGroup("/state")
        for (key, value) in c.state { try file.setAttribute(key, .uint64(value), on: "/state") }
        if let normalization = c.normalization {
            try file.createGroup("/normalization")
            try file.write(normalization.mean, shape: [normalization.mean.count], to: "/normalization/mean")
            try file.write(normalization.std, shape: [normalization.std.count], to: "/normalization/std")
        }
        if let data = c.data {
            try file.createGroup("/data")
            try file.writeStrings(data.classNames, to: "/data/class_names")
            try file.setAttribute("height", .int64(Int64(data.height)), on: "/data")
            try file.setAttribute("width", .int64(Int64(data.width)), on: "/data")
            if let resize = data.resize { try file.setAttribute("resize", .string(resize), on: "/data") }
        }
    }

    // MARK: - Reading

    private static func read(_ file: HDF5File, path: String) throws -> Checkpoint {
        func required(_ name: String, of object: String = "/") throws -> HDF5AttributeValue {
            guard let value = try file.attribute(name, of: object) else {
                throw CheckpointError.corrupt(path: path, detail: "attribute \(name) of \(object) is missing")
            }
            return value
        }
        func number(_ name: String) throws -> UInt64 {
            guard let value = try required(name).uint64Value else {
                throw CheckpointError.corrupt(path: path, detail: "attribute \(name) is not a non-negative integer")
            }
            return value
        }
        guard let version = try required("version").int64Value else {
            throw CheckpointError.corrupt(path: path, detail: "attribute version is not an integer")
        }
        if version > Checkpoint.currentVersion {
            throw CheckpointError.newerVersion(path: path, version: version, supported: Checkpoint.currentVersion)
        }
        guard let config = try required("config").stringValue else {
            throw CheckpointError.corrupt(path: path, detail: "attribute config is not a string")
        }
        if version < 1 {
            throw CheckpointError.implausible(path: path, detail: "checkpoint version \(version) (versions start at 1)")
        }
        var checkpoint = Checkpoint(epoch: try number("epoch"), step: try number("step"), seed: try number("seed"), config: config)
        if checkpoint.epoch > maximumEpoch || checkpoint.step > maximumStep || checkpoint.step < checkpoint.epoch {
            throw CheckpointError.implausible(path: path, detail: "epoch \(checkpoint.epoch) and step \(checkpoint.step) "
                + "(at most \(maximumEpoch) epochs and \(maximumStep) steps, and at least one step per epoch)")
        }
        checkpoint.layers = try readLayers(file, group: "/model", path: path)
        checkpoint.optimizer = try readLayers(file, group: "/optimizer", path: path)

        let epochs = try file.read(Int64.self, from: "/metrics/epoch").values
        var columns: [[Double]] = []
        for column in EpochMetrics.columns.dropFirst() {
            let values = try file.read(Double.self, from: "/metrics/\(column)").values
            guard values.count == epochs.count else {
                throw CheckpointError.corrupt(path: path, detail: "/metrics/\(column) has \(values.count) rows, /metrics/epoch \(epochs.count)")
            }
            columns.append(values)
        }
        checkpoint.metrics = epochs.indices.map { row in
            EpochMetrics(epoch: Int(epochs[row]), trainLoss: columns[0][row], trainAccuracy: columns[1][row],
                         validationLoss: columns[2][row], validationAccuracy: columns[3][row],
                         learningRate: columns[4][row], imagesPerSecond: columns[5][row], seconds: columns[6][row])
        }
        if try file.exists("/state") {
            for key in try file.attributeNames(of: "/state") {
                guard let value = try file.attribute(key, of: "/state")?.uint64Value else {
                    throw CheckpointError.corrupt(path: path, detail: "/state attribute \(key) is not an unsigned integer")
                }
                checkpoint.state[key] = value
            }
        }
        // Optional: absent in checkpoints of runs that measured none (and in older files).
        if try file.exists("/normalization") {
            let mean = try file.read(Float.self, from: "/normalization/mean")
            let std = try file.read(Float.self, from: "/normalization/std")
            guard mean.shape.count == 1, std.shape == mean.shape else {
                throw CheckpointError.corrupt(path: path, detail: "/normalization/mean has shape \(mean.shape) and "
                                              + "/normalization/std \(std.shape); both must be [C]")
            }
            checkpoint.normalization = Checkpoint.InputNormalization(mean: mean.values, std: std.values)
        }
        // Optional: absent in checkpoints written before the data's contract was stored.
        if try file.exists("/data") {
            let names = try file.readStrings(from: "/data/class_names")
            guard let height = try file.attribute("height", of: "/data")?.int64Value,
                  let width = try file.attribute("width", of: "/data")?.int64Value, height > 0, width > 0, names.count >= 1 else {
                throw CheckpointError.corrupt(path: path, detail: "/data lacks its class names or a positive height and width")
            }
            checkpoint.data = Checkpoint.DataDescription(classNames: names, height: Int(height), width: Int(width),
                                                         resize: try file.attribute("resize", of: "/data")?.stringValue)
        }
        try checkFinite(checkpoint, path: path)
        return checkpoint
    }

    /// Refuses NaN or infinite weights, momentum or normalisation: such a file comes from a
    /// diverged run and would evaluate to chance or train on NaN.
    private static func checkFinite(_ checkpoint: Checkpoint, path: String) throws {
        for (group, list) in [("model", checkpoint.layers), ("optimizer", checkpoint.optimizer)] {
            for layer in list {
                for (name, tensor) in layer.tensors.sorted(by: { $0.key < $1.key }) {
                    let bad = tensor.values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
                    if bad > 0 {
                        throw CheckpointError.nonFinite(path: path, object: "/\(group)/\(layer.name)/\(name)", count: bad,
                                                        total: tensor.values.count)
                    }
                }
            }
        }
        if let normalization = checkpoint.normalization {
            let bad = normalization.mean.filter { !$0.isFinite }.count + normalization.std.filter { !($0.isFinite && $0 > 0) }.count
            if bad > 0 {
                throw CheckpointError.nonFinite(path: path, object: "/normalization", count: bad,
                                                total: normalization.mean.count + normalization.std.count)
            }
        }
    }

    private static func readLayers(_ file: HDF5File, group: String, path: String) throws -> [Checkpoint.LayerTensors] {
        guard let order = try file.attribute("layers", of: group)?.stringsValue else {
            throw CheckpointError.corrupt(path: path, detail: "\(group) has no layers attribute listing its layers")
        }
        return try order.map { layer in
            var tensors: [String: Checkpoint.Tensor] = [:]
            for name in try file.children(of: "\(group)/\(layer)") {
                let object = "\(group)/\(layer)/\(name)"
                let (values, shape) = try file.read(Float.self, from: object)
                let tensor = Checkpoint.Tensor(shape: shape, values: values)
                guard tensor.isConsistent else {
                    throw CheckpointError.shapeMismatch(path: path, object: object, shape: shape, count: values.count)
                }
                tensors[name] = tensor
            }
            return Checkpoint.LayerTensors(name: layer, tensors: tensors)
        }
    }
}
