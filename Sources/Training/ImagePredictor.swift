import Dispatch
import Foundation
import ImageFiles
import InputData
import Layers
import Model
import OpenCLRuntime
import PipelineConfig

/// The classes a model sees in image files: each file decoded and resized exactly as the
/// import of its training folder did (same decoder, DCT scaling, filter and rule), normalised
/// with the model's statistics, and run through the network in batches.
///
/// Probabilities are the softmax of the network's scores (with test-time augmentation, of the
/// scores averaged over the views exactly as `evaluate` averages them).
public final class ImagePredictor {
    public struct Prediction: Encodable, Equatable {
        public struct Guess: Encodable, Equatable {
            public var className: String
            public var classIndex: Int
            public var probability: Double
        }

        public var path: String
        public var top: [Guess]
    }

    public let model: Model
    public let batch: Int
    public let resizer: ImageResizer
    private let augmenter: Augmenter
    private let input: DeviceBuffer<Float>
    private let view: DeviceBuffer<Float>?
    private let shift: ImageShift?
    public let tta: TestTimeAugmentation

    /// Models of data used at its own size (CIFAR) bring other sizes to it by `crop`.
    public init(model: Model, batch: Int = 64, tta: TestTimeAugmentation = .none) throws {
        self.model = model
        self.batch = batch
        self.tta = tta
        let contract = model.contract
        resizer = ImageResizer(size: contract.imageSize, rule: contract.resize ?? .crop)
        let statistics = model.normalization
        augmenter = Augmenter(settings: .evaluation(normalization: .meanStd(mean: statistics.mean, std: statistics.std)), seed: 0,
                              statistics: statistics, imageSize: contract.imageSize)
        try model.network.reserve(batch: batch)
        input = try model.context.buffer(Float.self, count: batch * contract.imageSize.pixelsPerImage, label: "predict input")
        view = tta == .none ? nil : try model.context.buffer(Float.self, count: batch * contract.imageSize.pixelsPerImage, label: "predict view")
        shift = tta == .none ? nil : try ImageShift(context: model.context)
    }

    /// The scores of the `n` images in `input`, averaged over the test-time views.
    private func scores(count n: Int, classes: Int) throws -> [Float] {
        let network = model.network
        guard let shift, let view else { return try network.forward(input, batch: n, mode: .evaluation).read(count: n * classes) }
        func logits(dy: Int, dx: Int, mirror: Bool) throws -> [Float] {
            try shift.apply(input, into: view, batch: n, shape: network.inputShape, dy: dy, dx: dx, mirror: mirror)
            return try network.forward(view, batch: n, mode: .evaluation).read(count: n * classes)
        }
        func mirrored(dy: Int, dx: Int) throws -> [Float] {
            Evaluator.mirrorAverage(try logits(dy: dy, dx: dx, mirror: false), try logits(dy: dy, dx: dx, mirror: true))
        }
        let centre = try mirrored(dy: 0, dx: 0)
        guard tta == .flipTranslate else { return centre }
        let shifted = try Evaluator.translations.map { try mirrored(dy: $0.dy, dx: $0.dx) }
        return Evaluator.translateAverage(centre: centre, shifted[0], shifted[1])
    }

    /// The images of `paths` (files, and folders searched recursively for .jpg, .jpeg, .png), in order.
    public static func imageFiles(in paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ImageFileError.unreadable(path: path, reason: "no such file or folder")
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            var found: [String] = []
            let enumerator = FileManager.default.enumerator(atPath: path)
            while let relative = enumerator?.nextObject() as? String {
                let name = (relative as NSString).lastPathComponent
                guard !name.hasPrefix("."), ImageFolderScan.extensions.contains((name as NSString).pathExtension.lowercased()) else { continue }
                found.append((path as NSString).appendingPathComponent(relative))
            }
            files += found.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        }
        return files
    }

    /// The `top` most probable classes of each file; `progress` gets (done, total) after each batch.
    public func predict(files: [String], top: Int, progress: ((Int, Int) -> Void)? = nil) throws -> [Prediction] {
        let size = model.contract.imageSize
        let values = size.pixelsPerImage
        let classes = model.classes
        let names = model.contract.classNames
        var predictions: [Prediction] = []
        var images = [Float](repeating: 0, count: batch * values)
        for first in stride(from: 0, to: files.count, by: batch) {
            let n = min(batch, files.count - first)
            var failures = [ImageFileError?](repeating: nil, count: n)
            let lock = NSLock()
            images.withUnsafeMutableBufferPointer { output in
                let output = output.baseAddress!
                DispatchQueue.concurrentPerform(iterations: n) { i in
                    let pixels = UnsafeMutablePointer<UInt8>.allocate(capacity: values)
                    defer { pixels.deallocate() }
                    do {
                        let image = try ImageDecoder().decode(path: files[first + i], reducingFor: resizer)
                        resizer.resize(image, into: pixels)
                        augmenter.transform(pixels: pixels, epoch: 0, sampleIndex: i, into: output + i * values)
                    } catch {
                        lock.lock()
                        failures[i] = error as? ImageFileError ?? .unreadable(path: files[first + i], reason: "\(error)")
                        lock.unlock()
                    }
                }
            }
            if let failure = failures.compactMap({ $0 }).first { throw failure }
            try input.write(Array(images[0..<(n * values)]))
            let scores = try scores(count: n, classes: classes)
            for i in 0..<n {
                let row = Array(scores[(i * classes)..<((i + 1) * classes)])
                let largest = row.max() ?? 0
                let exponentials = row.map { Foundation.exp(Double($0 - largest)) }
                let total = exponentials.reduce(0, +)
                let ranked = exponentials.indices.sorted { exponentials[$0] > exponentials[$1] || (exponentials[$0] == exponentials[$1] && $0 < $1) }
                let guesses = ranked.prefix(top).map {
                    Prediction.Guess(className: $0 < names.count ? names[$0] : "class \($0)", classIndex: $0, probability: exponentials[$0] / total)
                }
                predictions.append(Prediction(path: files[first + i], top: guesses))
            }
            progress?(first + n, files.count)
        }
        return predictions
    }
}
