import Layers
import Foundation
import InputData
import Optimization
import Yams

/// A pipeline file decoded and validated: everything `conveyor train` needs to know.
///
/// Load with `PipelineConfig.load(path:overrides:)`; every problem is a `PipelineConfigError`
/// that names the file and line (or the `--set` that caused it).
public struct PipelineConfig: Equatable, Sendable {
    /// Runs go to `<checkpoint.folder>/<name>/`.
    public var name: String
    /// Device selector: an index, `gpu`, `cpu`, or part of a device name; nil picks the default.
    public var device: String?
    public var data: DataSettings
    public var augment: AugmentSettings
    public var model: [LayerSpec]
    public var loss: LossSettings
    public var optimizer: OptimizerSettings
    public var schedule: ScheduleSettings
    public var train: TrainSettings
    public var checkpoint: CheckpointSettings
    /// The YAML after overrides, as text to store in checkpoints (the file as written when there
    /// are no overrides).
    public var sourceText: String
    /// The path the configuration was read from, for `file:line` messages.
    public var sourcePath: String

    public init(name: String, device: String? = nil, data: DataSettings = .init(), augment: AugmentSettings = AugmentSettings(normalization: .auto),
                model: [LayerSpec], loss: LossSettings = .init(), optimizer: OptimizerSettings = .init(),
                schedule: ScheduleSettings = .init(), train: TrainSettings = .init(),
                checkpoint: CheckpointSettings = .init(), sourceText: String = "", sourcePath: String = "") {
        self.name = name
        self.device = device
        self.data = data
        self.augment = augment
        self.model = model
        self.loss = loss
        self.optimizer = optimizer
        self.schedule = schedule
        self.train = train
        self.checkpoint = checkpoint
        self.sourceText = sourceText
        self.sourcePath = sourcePath
    }

    /// Reads and validates the pipeline file at `path`, after applying `key.path=value` overrides.
    public static func load(path: String, overrides: [String] = []) throws -> PipelineConfig {
        let text: String
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PipelineConfigError(file: path, line: nil, message: "cannot read the pipeline file: no such file; give the path of a YAML file such as pipelines/quickstart.yaml")
        }
        if isDirectory.boolValue {
            throw PipelineConfigError(file: path, line: nil, message: "this is a folder, not a pipeline file; give the path of a YAML file in it, such as pipelines/quickstart.yaml")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PipelineConfigError(file: path, line: nil, message: "cannot read the pipeline file (\(String(cString: strerror(errno)))); check its permissions")
        }
        guard let decoded = String(data: data, encoding: .utf8) else {
            throw PipelineConfigError(file: path, line: nil, message: "the pipeline file is not UTF-8 text; is it a YAML file?")
        }
        text = decoded
        return try parse(text: text, path: path, overrides: overrides)
    }

    /// Validates pipeline YAML `text`; `path` is only used in messages and `sourcePath`.
    public static func parse(text: String, path: String = "<pipeline>", overrides: [String] = []) throws -> PipelineConfig {
        var root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw PipelineConfigError(file: path, line: nil, message: "the pipeline file is empty")
            }
            root = node
        } catch let error as YamlError {
            throw syntaxError(error, file: path, text: text)
        }
        let parsedOverrides = try overrides.map { try PipelineOverride($0, file: path) }
        for override in parsedOverrides {
            root = try override.apply(to: root, file: path)
        }
        let origin = ConfigOrigin(file: path, overrides: parsedOverrides.map { ($0.path, $0.text) })
        var config = try PipelineDecoder.decodeRoot(ConfigNode(node: root, path: "", origin: origin, fallbackMark: nil))
        config.sourceText = parsedOverrides.isEmpty ? text : ((try? Yams.serialize(node: root)) ?? text)
        return config
    }

    /// What a YAML parser context such as "while parsing a flow mapping" left open, and its closer.
    private static func unclosedDelimiter(_ context: String) -> (what: String, closer: String)? {
        if context.contains("flow mapping") { return ("'{'", "'}'") }
        if context.contains("flow sequence") { return ("'['", "']'") }
        if context.contains("quoted scalar") { return ("quote", "closing quote") }
        return nil
    }

    private static func syntaxError(_ error: YamlError, file: String, text: String) -> PipelineConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { "\(problem) (\($0.text) started at line \($0.mark.line))" } ?? problem
            if let context, let unclosed = unclosedDelimiter(context.text) {
                let items = unclosed.what == "quote" ? "" : " (or a ',' between its items)"
                return PipelineConfigError(file: file, line: mark.line, message: "YAML syntax error: the \(unclosed.what) opened at line "
                    + "\(context.mark.line) is never closed; add the missing \(unclosed.closer)\(items) (\(detail))")
            }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if mark.line >= 1, mark.line <= lines.count, lines[mark.line - 1].contains("\t") {
                return PipelineConfigError(file: file, line: mark.line, message: "YAML syntax error: line \(mark.line) holds a tab; "
                    + "YAML indents with spaces only, so replace the tab with spaces (\(detail))")
            }
            return PipelineConfigError(file: file, line: mark.line, message: "YAML syntax error: \(detail)")
        default:
            return PipelineConfigError(file: file, line: nil, message: "YAML error: \(error)")
        }
    }
}
