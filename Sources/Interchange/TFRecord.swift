import Foundation

/// TFRecord framing, the container of TensorBoard event files: each record is
/// uint64 length (little-endian), masked CRC-32C of those 8 bytes, the data, masked CRC-32C of
/// the data.
public enum TFRecord {
    /// One record's bytes, ready to append to a file.
    public static func frame(_ data: Data) -> Data {
        var length = UInt64(data.count).littleEndian
        let lengthBytes = withUnsafeBytes(of: &length) { Data($0) }
        var out = Data(capacity: data.count + 16)
        out.append(lengthBytes)
        out.append(littleEndian: CRC32C.masked(lengthBytes))
        out.append(data)
        out.append(littleEndian: CRC32C.masked(data))
        return out
    }

    /// Why `records(in:)` stopped.
    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public let offset: Int
        public let message: String
        public var description: String { "TFRecord at byte \(offset): \(message)" }
    }

    /// Every record of a file's bytes, checking both CRCs of each. A file that ends inside a
    /// record (a writer killed mid-write) is an error naming where.
    public static func records(in bytes: Data) throws -> [Data] {
        let bytes = [UInt8](bytes)
        var records: [Data] = []
        var offset = 0
        while offset < bytes.count {
            guard offset + 12 <= bytes.count else { throw Error(offset: offset, message: "the length header is cut short") }
            let lengthBytes = bytes[offset..<offset + 8]
            let length = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard readUInt32(bytes, at: offset + 8) == CRC32C.masked(lengthBytes) else {
                throw Error(offset: offset, message: "the length's CRC does not match")
            }
            let start = offset + 12
            guard length <= UInt64(bytes.count - start), start + Int(length) + 4 <= bytes.count else {
                throw Error(offset: offset, message: "the record of \(length) bytes is cut short")
            }
            let data = bytes[start..<start + Int(length)]
            guard readUInt32(bytes, at: start + Int(length)) == CRC32C.masked(data) else {
                throw Error(offset: offset, message: "the data's CRC does not match")
            }
            records.append(Data(data))
            offset = start + Int(length) + 4
        }
        return records
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }
}

extension Data {
    mutating func append(littleEndian value: UInt32) {
        var value = value.littleEndian
        Swift.withUnsafeBytes(of: &value) { append(contentsOf: $0) }
    }
}
