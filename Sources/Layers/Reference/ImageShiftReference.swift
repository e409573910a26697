/// CPU reference for `ImageShift`: the translation with 'reflect' padding (and optional mirror)
/// of every image of an NCHW batch.
public enum ImageShiftReference {
    /// output[r][c] = input[reflect(r - dy)][reflect(c' - dx)], c' = W - 1 - c when mirrored.
    public static func apply(_ input: [Float], batch: Int, shape: Shape, dy: Int, dx: Int, mirror: Bool = false) -> [Float] {
        let height = shape.height, width = shape.width
        var output = [Float](repeating: 0, count: batch * shape.count)
        for plane in 0..<(batch * shape.channels) {
            for row in 0..<height {
                let sourceRow = reflect(row - dy, height)
                for column in 0..<width {
                    let sourceColumn = reflect((mirror ? width - 1 - column : column) - dx, width)
                    output[(plane * height + row) * width + column] = input[(plane * height + sourceRow) * width + sourceColumn]
                }
            }
        }
        return output
    }

    /// PyTorch's 'reflect' index into 0..<n (-1 -> 1, n -> n - 2), periodic beyond.
    public static func reflect(_ index: Int, _ n: Int) -> Int {
        guard n > 1 else { return 0 }
        let period = 2 * (n - 1)
        let m = ((index % period) + period) % period
        return m < n ? m : period - m
    }

    /// airbench's reference crop: `F.pad(x, (1, 1, 1, 1), 'reflect')[:, :, top:top+H, left:left+W]`,
    /// written with the padding spelled out, to pin the sign of the shift.
    public static func padAndCrop(_ input: [Float], batch: Int, shape: Shape, top: Int, left: Int) -> [Float] {
        let height = shape.height, width = shape.width
        let paddedHeight = height + 2, paddedWidth = width + 2
        func pad(_ i: Int, _ n: Int) -> Int { i == 0 ? 1 : (i == n + 1 ? n - 2 : i - 1) }
        var output: [Float] = []
        output.reserveCapacity(batch * shape.count)
        for plane in 0..<(batch * shape.channels) {
            for row in top..<(top + height) where row < paddedHeight {
                for column in left..<(left + width) where column < paddedWidth {
                    output.append(input[(plane * height + pad(row, height)) * width + pad(column, width)])
                }
            }
        }
        return output
    }
}
