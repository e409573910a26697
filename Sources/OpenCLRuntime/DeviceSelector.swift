/// Chooses a device from what the user typed after `--device`.
///
/// Accepts an index from `conveyor devices`, `gpu` or `cpu`, or a case-insensitive part of the
/// device's name. Without a selector: the first GPU, else the first CPU, else the first device.
public enum DeviceSelector {
    public struct NoMatch: Error, CustomStringConvertible {
        public let selector: String
        public let available: [Device]
        public var description: String {
            var text = "no OpenCL device matches --device '\(selector)'. Use an index, 'gpu', 'cpu' or part of a name. Devices here:"
            for (index, device) in available.enumerated() {
                text += "\n  \(index): \(device.name) (\(device.kind.rawValue), \(device.platformName))"
            }
            return text
        }
    }

    /// Every device of every platform, in the order `conveyor devices` numbers them.
    public static func allDevices() throws -> [Device] {
        try Platform.all().flatMap { try $0.devices() }
    }

    /// The device of rank `localRank` of a data-parallel run on this machine: that GPU (ranks
    /// beyond the GPUs share them round robin), or without GPUs that device among all (one PoCL
    /// CPU device is shared by every rank). Nil when there is no device (`select` then says so).
    public static func selector(forLocalRank localRank: Int) throws -> String? {
        let devices = try allDevices()
        let gpus = devices.indices.filter { devices[$0].kind == .gpu }
        let candidates = gpus.isEmpty ? Array(devices.indices) : gpus
        return candidates.isEmpty ? nil : String(candidates[localRank % candidates.count])
    }

    public static func select(_ selector: String?) throws -> Device {
        let devices = try allDevices()
        return try select(selector, from: devices)
    }

    public static func select(_ selector: String?, from devices: [Device]) throws -> Device {
        guard !devices.isEmpty else {
            throw CLError(status: -1001, call: "clGetDeviceIDs",
                          detail: "OpenCL platforms exist but offer no device; install pocl-opencl-icd for a CPU device")
        }
        let wanted = selector?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        if wanted.isEmpty {
            return devices.first { $0.kind == .gpu } ?? devices.first { $0.kind == .cpu } ?? devices[0]
        }
        if let index = Int(wanted) {
            guard devices.indices.contains(index) else { throw NoMatch(selector: selector!, available: devices) }
            return devices[index]
        }
        if wanted == "gpu" || wanted == "cpu" {
            if let device = devices.first(where: { $0.kind.rawValue == wanted }) { return device }
            throw NoMatch(selector: selector!, available: devices)
        }
        if let device = devices.first(where: { $0.name.lowercased().contains(wanted) }) { return device }
        throw NoMatch(selector: selector!, available: devices)
    }
}

import Foundation
