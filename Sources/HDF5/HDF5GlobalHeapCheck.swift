import Foundation

/// Refuses files whose global heap collections libhdf5 1.10 cannot read safely.
///
/// Variable-length strings (the checkpoint's `format`, `config` and `layers` attributes) live in
/// global heap collections ("GCOL"). libhdf5 1.10 walks a collection's objects by their sizes and
/// trusts them: a free-space object (index 0) of size 0 does not move the walk on, so reading
/// never returns, nor does one whose size wraps the walk's pointer round; an object larger than its collection is copied out whole by H5HG_read, reading
/// far past its buffer. Both were found by fuzzing the checkpoint reader (the inputs are kept as
/// Fuzz/corpus/checkpoint/regression-*; newer HDF5 releases refuse such files). So before HDF5
/// opens a file, every collection in it is walked here the way libhdf5 walks it, and one that
/// would hang or overrun is refused.
enum HDF5GlobalHeapCheck {
    static let signature = Array("GCOL".utf8)
    /// Signature, version, 3 reserved bytes, collection size (8 bytes: Conveyor's files use 8-byte lengths).
    static let headerSize = 16
    /// Object index, reference count, 4 reserved bytes, object size.
    static let objectHeaderSize = 16

    /// The offset of the first collection whose walk would not advance or that holds an object
    /// larger than itself, or nil.
    static func stuckCollection(in bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= headerSize else { return nil }
        var start = 0
        while start + headerSize <= bytes.count {
            guard let found = find(signature, in: bytes, from: start) else { return nil }
            defer { start = found + 1 }
            // Version 1 is the only one libhdf5 reads; other bytes that spell "GCOL" are data.
            guard bytes[found + 4] == 1, found + headerSize <= bytes.count else { continue }
            let size = load(bytes, found + 8)
            // A collection past the end of the file is refused by libhdf5 itself.
            guard size >= UInt64(headerSize), size <= UInt64(bytes.count - found) else { continue }
            let end = found + Int(size)
            var p = found + headerSize
            while p < end {
                if p + objectHeaderSize > end { break }
                let index = UInt16(bytes[p]) | UInt16(bytes[p + 1]) << 8
                let objectSize = load(bytes, p + 8)
                let need = index > 0 ? UInt64(objectHeaderSize) &+ ((objectSize &+ 7) & ~7) : objectSize
                if need == 0 { return found }
                if index > 0 && (objectSize > UInt64(end - p) || UInt64(objectHeaderSize) + objectSize > UInt64(end - p)) {
                    return found
                }
                // Past the collection's end (libhdf5 writes free space to end exactly): libhdf5 adds
                // the size to a pointer, and a size near 2^64 wraps it round to before the object,
                // so the walk goes on through the same objects forever (a free-space object of size
                // 2^64 - 1 did).
                if need > UInt64(end - p) { return found }
                p += Int(need)
            }
        }
        return nil
    }

    private static func load(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * index) }
        return value
    }

    private static func find(_ needle: [UInt8], in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = bytes.baseAddress, start < bytes.count else { return nil }
        var offset = start
        while offset + needle.count <= bytes.count {
            guard let hit = memchr(base + offset, Int32(needle[0]), bytes.count - offset) else { return nil }
            let position = base.distance(to: UnsafeRawPointer(hit))
            if position + needle.count <= bytes.count, (0..<needle.count).allSatisfy({ bytes[position + $0] == needle[$0] }) {
                return position
            }
            offset = position + 1
        }
        return nil
    }

    /// Throws when the file at `path` holds a collection libhdf5 would loop on; a file that
    /// cannot be read is left to HDF5 to report.
    static func check(path: String) throws {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return }
        let stuck = data.withUnsafeBytes { stuckCollection(in: $0) }
        if let stuck {
            throw HDF5Error(call: "H5Fopen", file: path, object: "/",
                            message: "the global heap collection at byte \(stuck) holds an object of size 0 or one larger "
                                + "than the collection, which HDF5 cannot read safely; the file is damaged")
        }
    }
}
