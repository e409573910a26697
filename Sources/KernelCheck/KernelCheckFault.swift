import Foundation
import OpenCLRuntime

/// Faults `conveyor check` injects on purpose, so tests can see that a wrong result, a build
/// failure and an out-of-memory shape are reported as such (and that the other lines still run).
///
/// Read from `CONVEYOR_CHECK_FAULT`: a comma-separated list of `KIND:TEXT`, where TEXT is part of
/// a line's variant and shape (case-insensitive) and KIND is
/// - `perturb`: add 1 to the device's first result before comparing (a kernel computing a wrong value);
/// - `build`: build a program with a syntax error instead of running (the device compiler's real log);
/// - `oom`: allocate one more byte than the device's largest allocation instead of running.
public struct KernelCheckFault: Sendable {
    public static let variable = "CONVEYOR_CHECK_FAULT"

    public enum Kind: String, Sendable { case perturb, build, oom }

    public let rules: [(kind: Kind, text: String)]

    public init(rules: [(kind: Kind, text: String)] = []) { self.rules = rules }

    /// The faults of `CONVEYOR_CHECK_FAULT`; an unknown kind is an error that names the three.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KernelCheckFault {
        guard let value = environment[variable], !value.isEmpty else { return KernelCheckFault() }
        var rules: [(Kind, String)] = []
        for item in value.split(separator: ",") {
            let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let kind = Kind(rawValue: parts[0]) else {
                throw KernelCheckError("\(variable) entry '\(item)' is not KIND:TEXT with KIND perturb, build or oom")
            }
            rules.append((kind, parts[1].lowercased()))
        }
        return KernelCheckFault(rules: rules)
    }

    func applies(_ kind: Kind, to key: String) -> Bool {
        let key = key.lowercased()
        return rules.contains { $0.kind == kind && key.contains($0.text) }
    }

    /// Throws the fault `build` or `oom` asks for on `key`, through the same OpenCL calls a real one comes from.
    func inject(into key: String, context: ComputeContext) throws {
        if applies(.build, to: key) {
            _ = try context.program(source: "kernel void broken(global float *x) { x[0] = undeclared_value; }",
                                    name: "check-fault.cl")
        }
        if applies(.oom, to: key) {
            _ = try context.buffer(UInt8.self, count: Int(context.device.maxAllocation) + 1, label: "check fault (\(Self.variable))")
        }
    }
}
