/// An HDF5 call that failed: the call, the object it was working on, and HDF5's own message.
public struct HDF5Error: Error, CustomStringConvertible, Equatable {
    /// The C function, e.g. `H5Dread`.
    public let call: String
    /// The file on disk.
    public let file: String
    /// The object inside the file (`/model/conv1/weight`), or `/` for the file itself.
    public let object: String
    /// The innermost message from HDF5's error stack ("truncated file", "file signature not found"),
    /// or a sentence of ours when the failure is a check in this layer rather than in HDF5.
    public let message: String

    public init(call: String, file: String, object: String, message: String) {
        self.call = call
        self.file = file
        self.object = object
        self.message = message
    }

    public var description: String {
        let where_ = object == "/" ? file : "\(file):\(object)"
        return message.isEmpty ? "\(call) failed on \(where_)" : "\(call) failed on \(where_): \(message)"
    }
}
