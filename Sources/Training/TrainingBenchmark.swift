import Foundation
import Hashing
import Layers
import Model
import OpenCLRuntime

/// Steady-state training speed and per-layer timings of a pipeline's network on a device.
///
/// Training steps run on one random CIFAR-shaped batch already on the device (the input
/// pipeline is measured on its own), after warm-up steps that build and cache every kernel.
public struct TrainingBenchmark {
    public struct LayerTiming: Sendable, Encodable {
        public let layer: String
        public let outputShape: String
        /// Which kernels run the layer where it has a choice (conv algorithm, kernel style), else "".
        public let kernels: String
        public let forwardMilliseconds: Double
        public let backwardMilliseconds: Double
        public let forwardGFLOPS: Double
        /// Backward work counted as twice the forward (input and weight gradients), once in the first layer.
        public let backwardGFLOPS: Double
        public let forwardFractionOfPeak: Double
    }

    public struct Report: Sendable, Encodable {
        public let pipeline: String
        public let device: String
        public let deviceType: String
        public let batch: Int
        public let steps: Int
        public let imagesPerSecond: Double
        public let millisecondsPerStep: Double
        public let peakGFLOPS: Double
        /// CPUs: the peak on paper (cores x FMA units x lanes x 2 x clock, `TheoreticalPeak`), else nan.
        public let theoreticalPeakGFLOPS: Double
        /// Its formula and assumptions, or "".
        public let theoreticalPeakBasis: String
        public let trainingGFLOPS: Double
        /// Per training step: kernel launches, other commands (fills, copies, non-blocking
        /// writes) and host waits (finishes, blocking reads and writes).
        public let kernelLaunchesPerStep: Double
        public let bufferCommandsPerStep: Double
        public let hostWaitsPerStep: Double
        public let layers: [LayerTiming]
        /// Device milliseconds per training step of each kernel (empty unless asked for).
        public let kernels: [KernelTiming]
        /// Data-parallel runs (mpirun): the ranks, and the host milliseconds per step rank 0
        /// spent averaging gradients (reading them, all-reduce, writing back); nil in one process.
        public var ranks: Int? = nil
        public var allReduceMillisecondsPerStep: Double? = nil
    }

    public struct KernelTiming: Sendable, Encodable {
        public let kernel: String
        public let launchesPerStep: Double
        public let millisecondsPerStep: Double
        public let fractionOfStep: Double
    }

    public let step: TrainingStep
    public let batch: Int
    public let pipeline: String

    /// Times `step` at `batch` images; `pipeline` names the report.
    public init(step: TrainingStep, batch: Int, pipeline: String) {
        self.step = step
        self.batch = batch
        self.pipeline = pipeline
    }

    /// `kernels`: also profile the steps kernel by kernel (the context must be made with
    /// `profiling: true`).
    public func run(steps: Int, warmup: Int = 3, layers measureLayers: Bool, kernels measureKernels: Bool = false,
                    peak measurePeak: Bool = true) throws -> Report {
        let context = step.model.context
        let network = step.model.network
        try step.model.initializeParameters(seed: step.seed)
        var random = SplitMix64(seed: 42)
        let images = try context.buffer((0..<(batch * network.inputShape.count)).map { _ in random.nextUnitFloat() * 2 - 1 },
                                        label: "benchmark images")
        let labels = try context.buffer((0..<batch).map { _ in Int32(random.next() % UInt64(network.outputShape.count)) },
                                        label: "benchmark labels")
        let outputs = try StepOutputs(context: context, batch: batch)
        for index in 0..<warmup {
            try step.enqueue(images: images, labels: labels, count: batch, step: index, outputs: outputs)
        }
        try context.finish()
        let countsBefore = context.commands.snapshot
        step.averager?.resetTiming()
        let start = DispatchTime.now().uptimeNanoseconds
        for index in 0..<steps {
            try step.enqueue(images: images, labels: labels, count: batch, step: warmup + index, outputs: outputs)
        }
        _ = try outputs.losses.read(count: 1)   // the last step's results are on the host: everything ran
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        let counts = context.commands.snapshot - countsBefore
        let allReduceSeconds = step.averager?.communicationSeconds
        let peak = measurePeak ? try DevicePeak.measureGFLOPS(context: context) : .nan
        let theoretical = TheoreticalPeak.of(context.device)
        let flopsPerImage = network.layers.indices.reduce(0.0) { total, index in
            total + Double(network.layers[index].forwardFLOPsPerImage) * (1 + Self.backwardFactor(layer: network.layers[index], index: index))
        }
        let timings = measureLayers ? try layerTimings(input: images, peak: peak) : []
        var kernelTimings: [KernelTiming] = []
        if measureKernels {
            context.startKernelProfile()
            for index in 0..<steps {
                try step.enqueue(images: images, labels: labels, count: batch, step: warmup + steps + index, outputs: outputs)
            }
            let profile = try context.kernelProfile()
            let total = profile.reduce(0) { $0 + $1.seconds }
            kernelTimings = profile.map {
                KernelTiming(kernel: $0.kernel, launchesPerStep: Double($0.launches) / Double(steps),
                             millisecondsPerStep: $0.seconds * 1000 / Double(steps), fractionOfStep: $0.seconds / total)
            }
        }
        // Data-parallel: every rank trains `batch` images per step, so the job trains ranks x batch.
        let ranks = step.averager?.communicator.size ?? 1
        var report = Report(pipeline: pipeline, device: context.device.name, deviceType: context.device.kind.rawValue,
                            batch: batch * ranks, steps: steps, imagesPerSecond: Double(batch * ranks * steps) / seconds,
                            millisecondsPerStep: seconds * 1000 / Double(steps), peakGFLOPS: peak,
                            theoreticalPeakGFLOPS: theoretical?.gflops ?? .nan,
                            theoreticalPeakBasis: theoretical.map { "\($0.formula); \($0.basis)" } ?? "",
                            trainingGFLOPS: flopsPerImage * Double(batch * ranks * steps) / seconds / 1e9,
                            kernelLaunchesPerStep: Double(counts.kernels) / Double(steps),
                            bufferCommandsPerStep: Double(counts.transfers) / Double(steps),
                            hostWaitsPerStep: Double(counts.hostWaits) / Double(steps), layers: timings,
                            kernels: kernelTimings)
        if let allReduceSeconds {
            report.ranks = ranks
            report.allReduceMillisecondsPerStep = allReduceSeconds * 1000 / Double(steps)
        }
        return report
    }

    /// Each layer's forward and backward pass timed alone (host clock around a finished queue),
    /// the best of several repetitions.
    private func layerTimings(input: DeviceBuffer<Float>, peak: Double, repetitions: Int = 5) throws -> [LayerTiming] {
        let context = step.model.context
        let network = step.model.network
        try network.forward(input, batch: batch, mode: .training)
        try network.backward(input, batch: batch)
        try context.finish()
        func best(_ body: () throws -> Void) throws -> Double {
            var fastest = Double.infinity
            for _ in 0..<repetitions {
                try context.finish()
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                try context.finish()
                fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
            }
            return fastest
        }
        var rows: [LayerTiming] = []
        for (index, layer) in network.layers.enumerated() {
            let layerInput = index == 0 ? input : network.output(ofLayer: index - 1)
            let output = network.output(ofLayer: index)
            let forward = try best { try layer.forward(layerInput, into: output, batch: batch, mode: .training) }
            let backward = try best {
                try layer.backward(input: layerInput, output: output, outputGradient: network.outputGradient(ofLayer: index),
                                   inputGradient: index == 0 ? nil : network.outputGradient(ofLayer: index - 1), batch: batch)
            }
            let flops = Double(layer.forwardFLOPsPerImage * batch)
            rows.append(LayerTiming(layer: layer.name, outputShape: layer.outputShape.description, kernels: Self.kernels(of: layer),
                                    forwardMilliseconds: forward * 1000, backwardMilliseconds: backward * 1000,
                                    forwardGFLOPS: flops / forward / 1e9, backwardGFLOPS: Self.backwardFactor(layer: layer, index: index) * flops / backward / 1e9,
                                    forwardFractionOfPeak: peak.isNaN ? .nan : flops / forward / 1e9 / peak))
        }
        return rows
    }

    /// Backward work as a multiple of the forward's: input and parameter gradients (2), except
    /// that the first layer computes no input gradient (1 with parameters, else nothing).
    static func backwardFactor(layer: Layer, index: Int) -> Double {
        guard index == 0 else { return 2 }
        return layer.parameters.isEmpty ? 0 : 1
    }

    /// The layer's kernel variant; a convolution names its kernels more closely (cpu-implicit rows).
    static func kernels(of layer: Layer) -> String {
        (layer as? Conv2D)?.kernels ?? layer.kernelVariant.name
    }
}
