/// Brings an `RGBImage` to `size` by `rule`, into planes (CHW, CIFAR's byte order).
///
/// The filter is a separable triangle (tent) whose support grows with the reduction, as PIL's
/// `BILINEAR` resampling and torchvision's `Resize(antialias=True)` do: every output pixel
/// averages all the source pixels it covers, so shrinking a photo does not alias. Enlarging
/// is plain bilinear interpolation. For `crop` the source box is the centred region with the
/// target's aspect ratio; for `stretch` the whole picture.
public struct ImageResizer: Equatable, Sendable {
    public let size: ImageSize
    public let rule: ResizeRule

    public init(size: ImageSize, rule: ResizeRule) {
        self.size = size
        self.rule = rule
    }

    /// The smallest source the filter can use without enlarging: the decoder's DCT scaling
    /// stops there.
    public func minimumSource(width: Int, height: Int) -> (width: Int, height: Int) {
        (size.width, size.height)
    }

    /// The source region sampled: x0, y0, width, height in source pixels.
    func box(width: Int, height: Int) -> (x: Double, y: Double, width: Double, height: Double) {
        switch rule {
        case .stretch:
            return (0, 0, Double(width), Double(height))
        case .crop:
            let scale = max(Double(size.height) / Double(height), Double(size.width) / Double(width))
            let w = Double(size.width) / scale, h = Double(size.height) / scale
            return ((Double(width) - w) / 2, (Double(height) - h) / 2, w, h)
        }
    }

    /// For each of `outputs` pixels along an axis: the first source index and its weights.
    static func weights(source: Int, start: Double, length: Double, outputs: Int) -> [(first: Int, weights: [Float])] {
        let scale = length / Double(outputs)
        let spread = max(scale, 1)
        return (0..<outputs).map { i in
            let center = start + (Double(i) + 0.5) * scale
            let low = max(0, Int((center - spread).rounded(.down)))
            let high = min(source, Int((center + spread).rounded(.up)))
            var weights: [Double] = []
            for j in low..<max(high, low + 1) {
                weights.append(max(0, 1 - abs((Double(j) + 0.5 - center) / spread)))
            }
            let total = weights.reduce(0, +)
            // A box narrower than a pixel at the border: take the nearest pixel.
            if total <= 0 { return (min(max(Int(center), 0), source - 1), [1]) }
            return (low, weights.map { Float($0 / total) })
        }
    }

    /// Writes `size.pixelsPerImage` bytes, planes R, G, B, each row by row.
    public func resize(_ image: RGBImage, into output: UnsafeMutablePointer<UInt8>) {
        let box = box(width: image.width, height: image.height)
        let columns = Self.weights(source: image.width, start: box.x, length: box.width, outputs: size.width)
        let rows = Self.weights(source: image.height, start: box.y, length: box.height, outputs: size.height)
        let firstRow = rows.map(\.first).min() ?? 0
        let lastRow = rows.map { $0.first + $0.weights.count }.max() ?? 0
        let outW = size.width, plane = size.planeSize
        // Horizontal pass over the rows the vertical pass reads: [row][x][c].
        var horizontal = [Float](repeating: 0, count: (lastRow - firstRow) * outW * 3)
        image.pixels.withUnsafeBufferPointer { pixels in
            horizontal.withUnsafeMutableBufferPointer { h in
                for y in firstRow..<lastRow {
                    let sourceRow = pixels.baseAddress! + y * image.width * 3
                    let row = h.baseAddress! + (y - firstRow) * outW * 3
                    for (x, column) in columns.enumerated() {
                        var r: Float = 0, g: Float = 0, b: Float = 0
                        var p = sourceRow + column.first * 3
                        for w in column.weights {
                            r += w * Float(p[0]); g += w * Float(p[1]); b += w * Float(p[2])
                            p += 3
                        }
                        row[x * 3] = r; row[x * 3 + 1] = g; row[x * 3 + 2] = b
                    }
                }
            }
        }
        horizontal.withUnsafeBufferPointer { h in
            for (y, row) in rows.enumerated() {
                for x in 0..<outW {
                    var r: Float = 0, g: Float = 0, b: Float = 0
                    var p = h.baseAddress! + ((row.first - firstRow) * outW + x) * 3
                    for w in row.weights {
                        r += w * p[0]; g += w * p[1]; b += w * p[2]
                        p += outW * 3
                    }
                    let o = y * outW + x
                    output[o] = Self.byte(r)
                    output[plane + o] = Self.byte(g)
                    output[2 * plane + o] = Self.byte(b)
                }
            }
        }
    }

    @inline(__always)
    static func byte(_ value: Float) -> UInt8 { UInt8(min(max(value + 0.5, 0), 255)) }

    /// The planes of `image` at `size`, as an array (tests and `predict`).
    public func resize(_ image: RGBImage) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: size.pixelsPerImage) { buffer, initialized in
            resize(image, into: buffer.baseAddress!)
            initialized = size.pixelsPerImage
        }
    }
}
