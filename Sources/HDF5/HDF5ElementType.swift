import CHDF5

/// The element types a dataset can hold through `HDF5File`. On disk each is the little-endian
/// standard type (`H5T_IEEE_F32LE`, `H5T_STD_I64LE`, ...), so files read the same everywhere.
public enum HDF5ElementType: String, Sendable, CaseIterable {
    case float32, float64, int32, int64, uint8, uint64

    var memoryType: hid_t {
        switch self {
        case .float32: return conveyor_h5t_native_float()
        case .float64: return conveyor_h5t_native_double()
        case .int32: return conveyor_h5t_native_int32()
        case .int64: return conveyor_h5t_native_int64()
        case .uint8: return conveyor_h5t_native_uint8()
        case .uint64: return conveyor_h5t_native_uint64()
        }
    }

    var fileType: hid_t {
        switch self {
        case .float32: return conveyor_h5t_ieee_f32le()
        case .float64: return conveyor_h5t_ieee_f64le()
        case .int32: return conveyor_h5t_std_i32le()
        case .int64: return conveyor_h5t_std_i64le()
        case .uint8: return conveyor_h5t_std_u8le()
        case .uint64: return conveyor_h5t_std_u64le()
        }
    }

    /// Floats and integers do not convert into each other silently: reading a float dataset as
    /// integers is an error, not a rounding.
    var typeClass: H5T_class_t {
        switch self {
        case .float32, .float64: return H5T_FLOAT
        case .int32, .int64, .uint8, .uint64: return H5T_INTEGER
        }
    }
}
