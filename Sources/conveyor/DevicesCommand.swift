import ArgumentParser
import Foundation
import OpenCLRuntime

/// `conveyor devices`: every OpenCL platform and device with what Conveyor plans with.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List OpenCL platforms and devices: type, memory, compute units, limits.")

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let devices = try CommandErrors.reporting { try DeviceSelector.allDevices() }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let entries = devices.enumerated().map { DeviceEntry(index: $0.offset, device: $0.element) }
            print(String(decoding: try encoder.encode(entries), as: UTF8.self))
            return
        }
        let rows = devices.enumerated().map { index, d in
            [String(index), d.name, d.kind.rawValue, d.platformName, ByteCount.format(Int(d.globalMemory)),
             ByteCount.format(Int(d.maxAllocation)), ByteCount.format(Int(d.localMemory)), String(d.computeUnits),
             String(d.maxWorkGroupSize), d.openCLCVersion, d.driverVersion]
        }
        print(TextTable.render(
            header: ["#", "device", "type", "platform", "global mem", "max alloc", "local mem", "CUs", "max WG", "OpenCL C", "driver"],
            rows: rows))
        for (index, d) in devices.enumerated() {
            print("\n[\(index)] \(d.name) (\(d.vendor)) extensions: \(d.extensions.joined(separator: " "))")
        }
    }
}

/// The JSON form of one device in `conveyor devices --json`.
struct DeviceEntry: Encodable {
    let index: Int
    let device: Device

    func encode(to encoder: Encoder) throws {
        try device.encode(to: encoder)
        enum Keys: String, CodingKey { case index }
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(index, forKey: .index)
    }
}
