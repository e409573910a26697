import Foundation
import ImageFiles

/// Small image folders in the ImageFolder layout, written with the linked JPEG and PNG
/// libraries: each class a colour (so a tiny network learns it in an epoch or two), in several
/// sizes, formats and modes (RGB and greyscale JPEG; RGB, RGBA and 16-bit PNG).
enum ImageFolderFixture {
    static let colours: [[UInt8]] = [[220, 40, 30], [30, 60, 220], [40, 200, 60], [230, 220, 40]]

    /// `classes` folders of `perClass` images under `root`; names may hold spaces and non-ASCII.
    static func make(at root: URL, classes: [String], perClass: Int, seed: UInt64 = 1) throws {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        for (label, name) in classes.enumerated() {
            let folder = root.appendingPathComponent(name)
            // Half the images one level further down: images are found recursively.
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("more"), withIntermediateDirectories: true)
            let colour = colours[label % colours.count]
            for index in 0..<perClass {
                let width = 20 + next(30), height = 20 + next(30)
                var rgb = [UInt8](repeating: 0, count: width * height * 3)
                for i in 0..<(width * height) {
                    for c in 0..<3 {
                        let value: Int = Int(colour[c]) + next(60) - 30
                        rgb[3 * i + c] = UInt8(clamping: value)
                    }
                }
                let base = folder.appendingPathComponent(index % 2 == 0 ? "img \(index)" : "more/bild-\(index)").path
                switch index % 4 {
                case 0:
                    try Data(JPEGEncoder.encode(rgb, width: width, height: height)).write(to: URL(fileURLWithPath: base + ".jpg"))
                case 1:
                    try PNGEncoder.write(rgb, width: width, height: height, channels: 3, to: base + ".PNG")
                case 2:
                    var rgba: [UInt8] = []
                    for i in 0..<(width * height) {
                        rgba += [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], UInt8(next(256))]
                    }
                    try PNGEncoder.write(rgba, width: width, height: height, channels: 4, to: base + ".png")
                default:
                    try Data(JPEGEncoder.encode(rgb, width: width, height: height, quality: 70))
                        .write(to: URL(fileURLWithPath: base + ".JPEG"))
                }
            }
        }
    }

    /// A pipeline that trains a small network on the folder `path` at `size`.
    static func pipeline(name: String, data: String, size: Int = 24, classes: Int = 3, epochs: Int = 2) -> String {
        """
        name: \(name)
        data: {source: folder, \(data), image_size: [\(size), \(size)]}
        augment: {translate: 2, flip: true, cutout: 4}
        model:
          - conv: {filters: 8, size: 3, padding: 1}
          - batchnorm
          - relu
          - maxpool: {size: 2}
          - conv: {filters: 8, size: 3, padding: 1}
          - relu
          - global_avgpool
          - fc: {outputs: \(classes)}
        optimizer: {lr: 0.05, momentum: 0.9}
        train: {epochs: \(epochs), batch: 8, seed: 3, tta: flip}
        checkpoint: {folder: runs, interval: 1, keep: 1}
        """
    }
}
