import ArgumentParser
import InputData
import Foundation

/// `conveyor data`: fetch data sets into the folder layout the loaders read.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Fetch data sets, or decode an image folder once.",
        subcommands: [CIFAR10DataCommand.self, CIFAR100DataCommand.self, ImportDataCommand.self])
}

/// `conveyor data cifar10`: download (or take a local copy of) the CIFAR-10 binary archive,
/// check its MD5, extract it and check that every file loads.
struct CIFAR10DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cifar10",
        abstract: "Download cifar-10-binary.tar.gz, check its MD5 and extract it.",
        discussion: "Without --from, downloads \(CIFAR10Download.archiveURL.absoluteString). With --from, a local "
            + "archive whose MD5 is not the official one (\(CIFAR10Download.archiveMD5)) gives a warning, not an error.")

    @Option(help: "Folder that receives data_batch_1.bin .. data_batch_5.bin, test_batch.bin and batches.meta.txt.")
    var to = "data/cifar-10-batches-bin"

    @Option(help: "A local cifar-10-binary.tar.gz to use instead of downloading.")
    var from: String?

    func run() throws {
        let folder = URL(fileURLWithPath: to)
        let archive = from.map { URL(fileURLWithPath: $0) }
        try CommandErrors.reporting {
            if let archive, !FileManager.default.fileExists(atPath: archive.path) {
                throw ValidationError("--from \(archive.path): no such file")
            }
            try CIFAR10Download.fetch(to: folder, from: archive) { message in
                if message.hasPrefix("warning:") {
                    FileHandle.standardError.write(Data((message + "\n").utf8))
                } else {
                    print(message)
                }
            }
        }
    }
}

/// `conveyor data cifar100`: the same for the binary version of CIFAR-100.
struct CIFAR100DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cifar100",
        abstract: "Download cifar-100-binary.tar.gz, check its MD5 and extract it.",
        discussion: "Without --from, downloads \(DataArchive.cifar100.url.absoluteString). With --from, a local "
            + "archive whose MD5 is not the official one (\(DataArchive.cifar100.md5)) gives a warning, not an error.")

    @Option(help: "Folder that receives train.bin, test.bin, fine_label_names.txt and coarse_label_names.txt.")
    var to = "data/cifar-100-binary"

    @Option(help: "A local cifar-100-binary.tar.gz to use instead of downloading.")
    var from: String?

    func run() throws {
        try CommandErrors.reporting {
            if let from, !FileManager.default.fileExists(atPath: from) { throw ValidationError("--from \(from): no such file") }
            try DataArchive.cifar100.fetch(to: URL(fileURLWithPath: to), from: from.map { URL(fileURLWithPath: $0) }) { message in
                if message.hasPrefix("warning:") {
                    FileHandle.standardError.write(Data((message + "\n").utf8))
                } else {
                    print(message)
                }
            }
        }
    }
}
