/// A seeded, learnable set of CIFAR-shaped images in ten classes that needs no storage:
/// image i is a pure function of (seed, i).
///
/// Classes differ by shape or texture (a disk, a ring, a square, ...), never by colour: the
/// background and foreground colours are drawn at random for every image, and shapes move and
/// scale, with pixel noise on top, so that no single pixel predicts the class.
public struct SyntheticDataset: DataSource {
    public static let names = ["circle", "ring", "square", "triangle", "cross",
                               "horizontal stripes", "vertical stripes", "diagonal stripes", "checkerboard", "dots"]
    public let seed: UInt64
    public let count: Int
    public var classNames: [String] { Self.names }

    public init(seed: UInt64, count: Int) {
        self.seed = seed
        self.count = count
    }

    /// Classes take turns, so every prefix of the set is balanced.
    public func label(at index: Int) -> Int { index % 10 }

    public func copyPixels(at index: Int, into buffer: UnsafeMutablePointer<UInt8>) {
        var random = CounterRandom(seed, UInt64(index), CounterRandom.Purpose.synthetic.rawValue)
        let label = label(at: index)
        var background = [Float](repeating: 0, count: 3)
        var foreground = [Float](repeating: 0, count: 3)
        // Colours are drawn until they differ clearly, so the shape stays visible under the noise.
        repeat {
            for c in 0..<3 {
                background[c] = Float(random.below(256))
                foreground[c] = Float(random.below(256))
            }
        } while zip(background, foreground).map { abs($0 - $1) }.reduce(0, +) < 180
        let scale = 6 + 6 * random.unit()                  // radius or half side, 6..12 pixels
        let margin = scale * 0.7
        let centerX = margin + (32 - 2 * margin) * random.unit()
        let centerY = margin + (32 - 2 * margin) * random.unit()
        let period = Float(3 + random.below(4))            // texture period 3..6 pixels
        let phase = Float(random.below(6))
        var noise = random.next() | 1
        let inverseScale = 1 / scale
        for y in 0..<32 {
            for x in 0..<32 {
                let px = Float(x) + 0.5, py = Float(y) + 0.5
                let u = (px - centerX) * inverseScale, v = (py - centerY) * inverseScale
                let inside: Bool
                switch label {
                case 0: inside = u * u + v * v <= 1
                case 1: let r = u * u + v * v; inside = r <= 1 && r >= 0.36
                case 2: inside = abs(u) <= 0.8 && abs(v) <= 0.8
                case 3: inside = v >= -0.9 && v <= 0.9 && abs(u) <= (v + 0.9) * 0.5
                case 4: inside = (abs(u) <= 0.25 && abs(v) <= 1) || (abs(v) <= 0.25 && abs(u) <= 1)
                default:
                    guard abs(u) <= 1.3 && abs(v) <= 1.3 else { inside = false; break }
                    let fx = (px + phase) / period, fy = (py + phase) / period
                    switch label {
                    case 5: inside = Int(fy) & 1 == 0
                    case 6: inside = Int(fx) & 1 == 0
                    case 7: inside = Int((px + py + phase) / (period * 1.4)) & 1 == 0
                    case 8: inside = (Int(fx) + Int(fy)) & 1 == 0
                    default:
                        let dx = fx - fx.rounded(.down) - 0.5, dy = fy - fy.rounded(.down) - 0.5
                        inside = dx * dx + dy * dy <= 0.09
                    }
                }
                let offset = y * 32 + x
                for c in 0..<3 {
                    // xorshift: cheap per-pixel noise within the image's own stream.
                    noise ^= noise << 13; noise ^= noise >> 7; noise ^= noise << 17
                    let jitter = Float(Int(noise & 63) - 32) * 0.75   // -24..+23
                    let value = (inside ? foreground[c] : background[c]) + jitter
                    buffer[c * 1024 + offset] = UInt8(min(max(value, 0), 255))
                }
            }
        }
    }
}
