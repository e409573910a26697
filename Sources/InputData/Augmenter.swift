import ImageFiles

/// Random translation, horizontal flip, cutout and per-channel normalisation of one sample,
/// written straight into the batch buffer.
///
/// Every random choice is drawn from `CounterRandom(seed, epoch, sampleIndex)` (the alternating
/// flip's once-per-image choice from epoch 0's stream). Normalisation goes through a 256-entry
/// table per channel, and translation and flip become a valid column range per row, so the inner
/// loops have no per-pixel branches; with reflect padding only the translated-in border (at most
/// `translate` rows and columns) reads through a reflected index.
public struct Augmenter: SampleTransform {
    public let settings: AugmentSettings
    /// The size of every image it reads and writes.
    public let imageSize: ImageSize
    public let seed: UInt64
    /// The normalisation actually applied (`.auto` resolved), on the 0...1 scale.
    public let statistics: ChannelStatistics
    private let table: [Float]

    /// The random choices for one sample.
    struct Draw: Equatable {
        var dx: Int, dy: Int, flip: Bool, cutoutX: Int, cutoutY: Int
    }

    /// `trainingSource` is needed only when `settings.normalization` is `.auto`; its statistics are measured once here.
    /// `imageSize`: the training source's when nil (CIFAR's without one).
    public init(settings: AugmentSettings, seed: UInt64, trainingSource: (any DataSource)? = nil, imageSize: ImageSize? = nil) throws {
        let statistics: ChannelStatistics
        switch settings.normalization {
        case .none:
            statistics = ChannelStatistics(mean: [0, 0, 0], std: [1, 1, 1])
        case let .meanStd(mean, std):
            guard mean.count == 3, std.count == 3, std.allSatisfy({ $0 > 0 }) else {
                throw AugmenterError.invalidNormalization(mean: mean, std: std)
            }
            statistics = ChannelStatistics(mean: mean, std: std)
        case .auto:
            guard let trainingSource else { throw AugmenterError.autoNeedsTrainingSource }
            statistics = ChannelStatistics.measure(trainingSource)
        }
        self.init(settings: settings, seed: seed, statistics: statistics, imageSize: imageSize ?? trainingSource?.imageSize ?? .cifar)
    }

    /// With statistics already measured (e.g. the training augmenter's, for validation).
    public init(settings: AugmentSettings, seed: UInt64, statistics: ChannelStatistics, imageSize: ImageSize = .cifar) {
        self.settings = settings
        self.imageSize = imageSize
        self.seed = seed
        self.statistics = statistics
        var table = [Float](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            for v in 0..<256 {
                table[c * 256 + v] = (Float(v) / 255 - statistics.mean[c]) / statistics.std[c]
            }
        }
        self.table = table
    }

    /// The normalisation to give the evaluation augmenter so it matches this one.
    public var resolvedNormalization: AugmentSettings.Normalization {
        settings.normalization == .none ? .none : .meanStd(mean: statistics.mean, std: statistics.std)
    }

    func draw(epoch: Int, sampleIndex: Int) -> Draw {
        var random = CounterRandom(seed, UInt64(truncatingIfNeeded: epoch), UInt64(truncatingIfNeeded: sampleIndex),
                                   CounterRandom.Purpose.augment.rawValue)
        // Always draw every value, so that turning one augmentation off does not change the others.
        let t = settings.translate
        let dx = random.inRange(-t...t), dy = random.inRange(-t...t)
        let flipBit = random.next() & 1 == 1
        let cutoutX = random.below(imageSize.width), cutoutY = random.below(imageSize.height)
        let flip: Bool
        switch settings.flip {
        case .off: flip = false
        case .random: flip = flipBit
        case .alternate:
            let once = epoch == 0 ? flipBit : firstEpochFlip(sampleIndex: sampleIndex)
            flip = once != (epoch & 1 == 1)
        }
        return Draw(dx: dx, dy: dy, flip: flip, cutoutX: cutoutX, cutoutY: cutoutY)
    }

    /// The flip bit of epoch 0's draw for this sample: the alternating flip's once-per-image choice.
    func firstEpochFlip(sampleIndex: Int) -> Bool {
        var random = CounterRandom(seed, 0, UInt64(truncatingIfNeeded: sampleIndex), CounterRandom.Purpose.augment.rawValue)
        _ = random.next()   // dx
        _ = random.next()   // dy
        return random.next() & 1 == 1
    }

    /// PyTorch's 'reflect' index into 0..<n (no repeated edge: -1 -> 1, n -> n - 2), extended
    /// periodically so that every integer has one.
    @inline(__always)
    static func reflect(_ index: Int, _ n: Int) -> Int {
        guard n > 1 else { return 0 }
        let period = 2 * (n - 1)
        var m = index % period
        if m < 0 { m += period }
        return m < n ? m : period - m
    }

    public func transform(pixels: UnsafePointer<UInt8>, epoch: Int, sampleIndex: Int,
                          into output: UnsafeMutablePointer<Float>) {
        apply(draw(epoch: epoch, sampleIndex: sampleIndex), pixels: pixels, into: output)
    }

    /// output[c][y][x] = normalised input[c][y + dy][x' + dx], x' = x or W - 1 - x when flipped; outside
    /// the image 0 (mean padding) or the reflected pixel, input[reflect(y + dy)][reflect(x' + dx)].
    func apply(_ d: Draw, pixels: UnsafePointer<UInt8>, into output: UnsafeMutablePointer<Float>) {
        let dx = d.dx, dy = d.dy
        let width = imageSize.width, height = imageSize.height, planeSize = imageSize.planeSize
        let reflect = settings.translatePadding == .reflect
        // Columns whose source lies inside the image.
        let first = d.flip ? max(0, dx) : max(0, -dx)
        let end = d.flip ? min(width, width + dx) : min(width, width - dx)
        table.withUnsafeBufferPointer { table in
            for c in 0..<3 {
                let lookup = table.baseAddress! + c * 256
                let source = pixels + c * planeSize
                let plane = output + c * planeSize
                for y in 0..<height {
                    let row = plane + y * width
                    var sy = y + dy
                    if sy < 0 || sy >= height {
                        guard reflect else {
                            row.update(repeating: 0, count: width)
                            continue
                        }
                        sy = Self.reflect(sy, height)
                    }
                    let sourceRow = source + sy * width
                    let inside = first < end
                    if reflect {
                        // The translated-in columns, read through the reflected index.
                        let border = { (x: Int) in row[x] = lookup[Int(sourceRow[Self.reflect(d.flip ? width - 1 - x + dx : x + dx, width)])] }
                        for x in 0..<(inside ? first : width) { border(x) }
                        guard inside else { continue }
                        for x in end..<width { border(x) }
                    } else {
                        guard inside else {
                            row.update(repeating: 0, count: width)
                            continue
                        }
                        if first > 0 { row.update(repeating: 0, count: first) }
                        if end < width { (row + end).update(repeating: 0, count: width - end) }
                    }
                    if d.flip {
                        let base = sourceRow + width - 1 + dx
                        for x in first..<end { row[x] = lookup[Int(base[-x])] }
                    } else {
                        let base = sourceRow + dx
                        for x in first..<end { row[x] = lookup[Int(base[x])] }
                    }
                }
            }
        }
        let side = settings.cutout
        if side > 0 {
            let x0 = max(0, d.cutoutX - side / 2), x1 = min(width, d.cutoutX - side / 2 + side)
            let y0 = max(0, d.cutoutY - side / 2), y1 = min(height, d.cutoutY - side / 2 + side)
            if x0 < x1 {
                for c in 0..<3 {
                    for y in y0..<y1 { (output + c * planeSize + y * width + x0).update(repeating: 0, count: x1 - x0) }
                }
            }
        }
    }
}

/// Settings the augmenter cannot work with.
public enum AugmenterError: Error, CustomStringConvertible {
    case invalidNormalization(mean: [Float], std: [Float])
    case autoNeedsTrainingSource

    public var description: String {
        switch self {
        case let .invalidNormalization(mean, std):
            return "normalization needs three means and three positive stds (one per channel, 0...1 scale), got mean \(mean) std \(std)"
        case .autoNeedsTrainingSource:
            return "normalization 'auto' needs the training split to measure; pass trainingSource, or give mean and std"
        }
    }
}
