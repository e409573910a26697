import ArgumentParser
import Foundation
import OpenCLRuntime
import InputData
import Layers
import Model
import Optimization
import PipelineConfig
import Training

/// `conveyor plan PIPELINE`: the memory arithmetic per layer and the batch it leads to.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the per-layer memory table (outputs, shared gradients, parameters x3, scratch, staging) and the batch chosen.")

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @OptionGroup var pipelineOptions: PipelineOptions
    @OptionGroup var deviceOptions: DeviceOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        try CommandErrors.reporting {
            let config = try PipelineConfig.load(path: pipeline, overrides: pipelineOptions.allOverrides)
            let context = try deviceOptions.makeContext()
            let data = try DataSplits(settings: config.data, augment: config.augment, seed: UInt64(config.train.seed),
                                      roles: [.train], requireFiles: false)
            let request = try BatchRequest(setting: config.train.batch)
            let tuner = CommandTuning.tuner()
            tuner?.batch = request.perRank
            let network = try NetworkBuilder.build(config: config, input: NetworkBuilder.inputShape(data.imageSize),
                                                   classes: data.classNames.count, context: context, tuner: tuner)
            let choice = try BatchChoice.choose(request, train: config.train, prefetch: config.data.prefetch, network: network,
                                                device: context.device, memoryLimit: pipelineOptions.memoryLimitBytes(),
                                                trainCount: data.trainCount, lookahead: config.optimizer.lookahead != nil)
            let policy = LearningRatePolicy(optimizer: config.optimizer, schedule: config.schedule, epochs: config.train.epochs,
                                            batch: choice.batch, referenceBatch: config.train.referenceBatch,
                                            stepsPerEpoch: data.trainCount / choice.batch)
            if json {
                try printJSON(choice, policy: policy, device: context.device)
            } else {
                printTable(choice, policy: policy, device: context.device)
            }
        }
    }

    private func printTable(_ choice: BatchChoice, policy: LearningRatePolicy, device: Device) {
        let plan = choice.plan
        let rows = plan.rows.map { row in
            [row.layer, row.outputShape, String(row.activationsPerImage), String(row.parameters),
             ByteCount.format(row.outputBytes), row.gradientBuffer.isEmpty ? "" : "in \(row.gradientBuffer)",
             ByteCount.format(row.parameterBytes), ByteCount.format(row.scratchBytes), ByteCount.format(row.totalBytes)]
        }
        // One line per shared gradient buffer, after the layers whose gradients it holds.
        let gradientRows = plan.gradients.enumerated().map { index, request in
            let letter = GradientSharing.name(ofBuffer: index)
            let layers = plan.rows.filter { $0.gradientBuffer == letter }.count
            return ["gradient \(letter)", "shared by \(layers)", "", "", "", ByteCount.format(request.bytes), "", "",
                    ByteCount.format(request.bytes)]
        }
        let staging = ["staging", "\(plan.stagingSlots) slots", "", "", "", "", "", ByteCount.format(plan.stagingBytes),
                       ByteCount.format(plan.stagingBytes)]
        print("memory plan for batch \(plan.batch) on \(device.name)")
        print(TextTable.render(header: ["layer", "output", "values/image", "params", "outputs", "gradient", "params x3",
                                        "scratch", "total"], rows: rows + gradientRows + [staging]))
        let outputs = plan.rows.reduce(0) { $0 + $1.outputBytes }
        let parameters = plan.rows.reduce(0) { $0 + $1.parameterBytes }
        let scratch = plan.rows.reduce(0) { $0 + $1.scratchBytes }
        print("")
        print("outputs \(ByteCount.format(outputs)), gradients \(ByteCount.format(plan.gradientBytes)) in "
              + "\(plan.gradients.count) shared buffers (one per layer output would take "
              + "\(ByteCount.format(plan.unsharedGradientBytes))), parameters x3 \(ByteCount.format(parameters)), "
              + "scratch \(ByteCount.format(scratch)), input staging \(ByteCount.format(plan.stagingBytes))")
        print("total \(ByteCount.format(plan.totalBytes)) (\(plan.totalBytes) bytes) for batch \(plan.batch); "
              + "largest single buffer \(ByteCount.format(plan.largestBuffer))")
        print("device global memory \(ByteCount.format(Int(choice.deviceMemory))), budget \(ByteCount.format(choice.budget)), "
              + "max single allocation \(ByteCount.format(Int(choice.maxAllocation)))")
        print("batch \(choice.batch) (\(choice.reason)), \(policy.summary)")
    }

    private func printJSON(_ choice: BatchChoice, policy: LearningRatePolicy, device: Device) throws {
        struct Report: Encodable {
            let device: String
            let batch: Int
            let batchSource: String
            /// optimizer.lr scaled to the batch; the schedule multiplies it.
            let scaledLearningRate: Double
            let totalBytes: Int
            let largestBuffer: Int
            let stagingBytes: Int
            /// The shared buffers of the layers' output gradients; each layer names its own.
            let gradientBuffers: [BufferRequest]
            let gradientBytes: Int
            let unsharedGradientBytes: Int
            let deviceMemory: UInt64
            let budget: Int
            let maxAllocation: UInt64
            let layers: [MemoryPlan.Row]
        }
        let plan = choice.plan
        let report = Report(device: device.name, batch: choice.batch, batchSource: choice.source.rawValue,
                            scaledLearningRate: policy.scaledRate, totalBytes: plan.totalBytes, largestBuffer: plan.largestBuffer,
                            stagingBytes: plan.stagingBytes, gradientBuffers: plan.gradients, gradientBytes: plan.gradientBytes,
                            unsharedGradientBytes: plan.unsharedGradientBytes, deviceMemory: choice.deviceMemory, budget: choice.budget,
                            maxAllocation: choice.maxAllocation, layers: plan.rows)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }
}
