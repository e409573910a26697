import Foundation

/// A TensorBoard event file (`events.out.tfevents.<seconds>.<host>.<pid>`) being written: TFRecord
/// framed `Event` protocol buffers, the first holding the file version "brain.Event:2".
///
/// Every event is written with one `write` call as soon as it is added, so a killed run leaves
/// at most a cut-short last record, which TensorBoard skips; a resumed run opens a new file
/// rather than appending behind such a record.
public final class TensorBoardEventFile {
    public static let namePrefix = "events.out.tfevents."
    public static let fileVersion = "brain.Event:2"

    public let url: URL
    private let handle: FileHandle

    /// Creates a new event file in `folder`. TensorBoard reads a folder's files in name order, so
    /// the seconds in the name are made later than those of every earlier file there (a resume
    /// within the same second included); a name taken already gets a suffix.
    public init(folder: URL, time: Date = Date()) throws {
        let earlier = Self.files(in: folder).compactMap { Int($0.lastPathComponent.dropFirst(Self.namePrefix.count).prefix(while: \.isNumber)) }
        let seconds = max(Int(time.timeIntervalSince1970), (earlier.max() ?? 0) + 1)
        let base = "\(Self.namePrefix)\(seconds).\(Self.hostName()).\(getpid())"
        var candidate = folder.appendingPathComponent(base)
        var suffix = 1
        while FileManager.default.fileExists(atPath: candidate.path) {
            candidate = folder.appendingPathComponent("\(base).\(suffix)")
            suffix += 1
        }
        guard FileManager.default.createFile(atPath: candidate.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: candidate.path])
        }
        url = candidate
        handle = try FileHandle(forWritingTo: candidate)
        var first = Tensorboard_Event()
        first.wallTime = time.timeIntervalSince1970
        first.fileVersion = Self.fileVersion
        try write(first)
    }

    deinit { try? handle.close() }

    /// Marks a (re)start at `step`: TensorBoard discards the events of earlier files whose step is
    /// `step` or later, the points of an abandoned continuation of the run.
    public func addSessionStart(step: Int, time: Date = Date()) throws {
        var event = Tensorboard_Event()
        event.wallTime = time.timeIntervalSince1970
        event.step = Int64(step)
        var log = Tensorboard_SessionLog()
        log.status = .start
        event.sessionLog = log
        try write(event)
    }

    /// Scalars of one step (one epoch), one `Summary.Value` each.
    public func addScalars(_ values: [(tag: String, value: Double)], step: Int, time: Date = Date()) throws {
        var summary = Tensorboard_Summary()
        summary.value = values.map { tag, value in
            var entry = Tensorboard_Summary.Value()
            entry.tag = tag
            entry.simpleValue = Float(value)
            return entry
        }
        try write(summary: summary, step: step, time: time)
    }

    /// A PNG image of one step.
    public func addImage(tag: String, png: [UInt8], width: Int, height: Int, channels: Int, step: Int, time: Date = Date()) throws {
        var image = Tensorboard_Summary.Image()
        image.height = Int32(height)
        image.width = Int32(width)
        image.colorspace = Int32(channels)
        image.encodedImageString = Data(png)
        var entry = Tensorboard_Summary.Value()
        entry.tag = tag
        entry.image = image
        var summary = Tensorboard_Summary()
        summary.value = [entry]
        try write(summary: summary, step: step, time: time)
    }

    private func write(summary: Tensorboard_Summary, step: Int, time: Date) throws {
        var event = Tensorboard_Event()
        event.wallTime = time.timeIntervalSince1970
        event.step = Int64(step)
        event.summary = summary
        try write(event)
    }

    private func write(_ event: Tensorboard_Event) throws {
        let bytes: Data = try event.serializedBytes()
        try handle.write(contentsOf: TFRecord.frame(bytes))
    }

    /// The event files of a folder, oldest name first (the order TensorBoard reads them in).
    public static func files(in folder: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasPrefix(namePrefix) }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// The events of a file. `tolerateCutTail`: stop quietly at a record cut short by a kill
    /// (what TensorBoard does) instead of throwing.
    public static func events(in file: URL, tolerateCutTail: Bool = false) throws -> [Tensorboard_Event] {
        let data = try Data(contentsOf: file)
        let records: [Data]
        do {
            records = try TFRecord.records(in: data)
        } catch let error as TFRecord.Error where tolerateCutTail {
            records = (try? TFRecord.records(in: data.prefix(error.offset))) ?? []
        }
        return try records.map { try Tensorboard_Event(serializedBytes: $0) }
    }

    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(cString: buffer).filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        return name.isEmpty ? "localhost" : name
    }
}
