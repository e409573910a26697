import Foundation
import HDF5
import ImageFiles

/// The HDF5 file an image folder is decoded into (docs/image-folders.md):
///
///     /images       uint8 [N, 3, H, W]   planes R, G, B, rows from the top
///     /labels       int64 [N]            index into /class_names
///     /class_names  strings [C]          sorted class folder names
///     /paths        strings [N]          each image's path relative to the folder
///     attributes of /: format = "conveyor-images", version, height, width, resize, source, skipped, key
///
/// Opening reads the images into memory once; the input stages then copy from there, as from a
/// mapped CIFAR-10 batch file.
public final class ImportedImageFile: @unchecked Sendable {
    public static let format = "conveyor-images"
    public static let version: Int64 = 1

    public let path: String
    public let count: Int
    public let size: ImageSize
    public let resize: ResizeRule
    public let classNames: [String]
    public let labels: [Int]
    public let relativePaths: [String]
    /// The folder it was imported from, and the cache key of that import ("" from `data import`).
    public let source: String
    public let key: String
    // Never written after init, so reading from many threads is safe.
    let pixels: [UInt8]

    public init(path: String) throws {
        self.path = path
        let file: HDF5File
        do { file = try HDF5File.open(at: path) } catch {
            throw FolderDataError.notImported(path: path, detail: "it is not a readable HDF5 file")
        }
        defer { try? file.close() }
        do {
            guard try file.attribute("format")?.stringValue == Self.format else {
                throw FolderDataError.notImported(path: path, detail: "its format attribute is not \"\(Self.format)\"")
            }
            guard let version = try file.attribute("version")?.int64Value, version <= Self.version else {
                throw FolderDataError.notImported(path: path, detail: "written by a newer Conveyor; update Conveyor or import again")
            }
            guard let height = try file.attribute("height")?.int64Value, let width = try file.attribute("width")?.int64Value,
                  let rule = try file.attribute("resize")?.stringValue.flatMap(ResizeRule.init(rawValue:)) else {
                throw FolderDataError.notImported(path: path, detail: "the height, width or resize attribute is missing")
            }
            size = ImageSize(height: Int(height), width: Int(width))
            resize = rule
            source = try file.attribute("source")?.stringValue ?? ""
            key = try file.attribute("key")?.stringValue ?? ""
            let names = try file.readStrings(from: "/class_names")
            let paths = try file.readStrings(from: "/paths")
            let labels = try file.read(Int64.self, from: "/labels").values.map { Int($0) }
            let shape = try file.shape(of: "/images")
            let count = shape.first ?? 0
            guard shape == [count, 3, Int(height), Int(width)], labels.count == count, paths.count == count,
                  labels.allSatisfy({ (0..<names.count).contains($0) }) else {
                throw FolderDataError.notImported(path: path, detail: "/images has shape \(shape) for \(labels.count) labels "
                                                  + "of \(names.count) classes at \(height)x\(width)")
            }
            classNames = names
            relativePaths = paths
            self.labels = labels
            self.count = count
            pixels = try file.read(UInt8.self, from: "/images").values
        } catch let error as FolderDataError {
            throw error
        } catch {
            throw FolderDataError.notImported(path: path, detail: "\(error)")
        }
    }

    @inline(__always)
    func copyPixels(of row: Int, into buffer: UnsafeMutablePointer<UInt8>) {
        pixels.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress! + row * size.pixelsPerImage, count: size.pixelsPerImage) }
    }
}

/// Some rows of an imported file (a split), as a data source for the input stages.
public struct ImportedImageSet: DataSource, @unchecked Sendable {
    public let file: ImportedImageFile
    /// Rows of the file, in file order.
    public let rows: [Int]
    /// What the split is, for messages ("the held-out 20% of data/photos").
    public let origin: String

    public init(file: ImportedImageFile, rows: [Int]? = nil, origin: String? = nil) {
        self.file = file
        self.rows = rows ?? Array(0..<file.count)
        self.origin = origin ?? file.path
    }

    public var count: Int { rows.count }
    public var classNames: [String] { file.classNames }
    public var imageSize: ImageSize { file.size }
    public func label(at index: Int) -> Int { file.labels[rows[index]] }
    public func copyPixels(at index: Int, into buffer: UnsafeMutablePointer<UInt8>) {
        file.copyPixels(of: rows[index], into: buffer)
    }
}
