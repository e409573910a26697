import ArgumentParser
import Checkpoints
import Foundation
import InputData
import PipelineConfig

/// `--split` of `evaluate` and `activations`, checked before anything is built.
enum SplitOption {
    /// A CIFAR-10 split such as `test`, `5` or `1,2`; anything else is refused naming the option.
    static func parse(_ text: String, option: String) throws -> CIFAR10Split {
        do {
            return try CIFAR10Split(parsing: text)
        } catch {
            throw ValidationError("\(option) \(text) is not a CIFAR-10 split: give 'test', a batch number 1 to 5, or several such as 1,2")
        }
    }

    /// `data.source` of the pipeline stored in a checkpoint ("synthetic" or "cifar10").
    static func storedSource(of path: String) throws -> String {
        let checkpoint = try CheckpointFile.load(from: path)
        let config = try PipelineConfig.parse(text: checkpoint.config, path: "\(path) (stored pipeline)")
        return config.data.source.rawValue
    }
}

/// `--out` of `filters` and `activations`, checked before any work.
enum OutputPath {
    /// As `check`, and an existing file is refused unless `force` (`export` and `plot`).
    static func checkNew(_ path: String, force: Bool, option: String = "--out") throws {
        try check(path, option: option)
        if !force && FileManager.default.fileExists(atPath: path) {
            throw ValidationError("\(option) \(path) exists already; add --force to overwrite it, or give another file name")
        }
    }

    static func check(_ path: String, option: String = "--out") throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ValidationError("\(option) \(path) is a folder; give a file name, such as \((path as NSString).appendingPathComponent("out"))")
        }
        let parent = (path as NSString).deletingLastPathComponent
        let folder = parent.isEmpty ? "." : parent
        if !manager.fileExists(atPath: folder, isDirectory: &isDirectory) {
            throw ValidationError("\(option) \(path): the folder \(folder) does not exist; create it first or write elsewhere")
        }
        if !isDirectory.boolValue {
            throw ValidationError("\(option) \(path): \(folder) is a file, not a folder; write elsewhere")
        }
    }
}
