/// A problem with how `conveyor check` was asked to run (not with a kernel).
public struct KernelCheckError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}
