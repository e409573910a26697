/// The value of an attribute: a scalar number, a UTF-8 string, or a 1-D list of strings.
///
/// `string` is written as a variable-length UTF-8 string (h5py reads it as `str`);
/// `fixedString` as a fixed-length one, as some tools write. Reading gives back the kind on disk.
public enum HDF5AttributeValue: Equatable, Sendable {
    case int64(Int64)
    case uint64(UInt64)
    case double(Double)
    case string(String)
    case fixedString(String)
    case strings([String])

    public var int64Value: Int64? {
        switch self {
        case .int64(let v): return v
        case .uint64(let v): return Int64(exactly: v)
        default: return nil
        }
    }

    public var uint64Value: UInt64? {
        switch self {
        case .uint64(let v): return v
        case .int64(let v): return UInt64(exactly: v)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .double(let v): return v
        case .int64(let v): return Double(v)
        case .uint64(let v): return Double(v)
        default: return nil
        }
    }

    public var stringValue: String? {
        switch self {
        case .string(let s), .fixedString(let s): return s
        default: return nil
        }
    }

    public var stringsValue: [String]? {
        if case .strings(let list) = self { return list }
        return nil
    }
}
