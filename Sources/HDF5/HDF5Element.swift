/// A Swift number `HDF5File` can write to and read from a dataset.
public protocol HDF5Element {
    static var hdf5Type: HDF5ElementType { get }
}

extension Float: HDF5Element { public static var hdf5Type: HDF5ElementType { .float32 } }
extension Double: HDF5Element { public static var hdf5Type: HDF5ElementType { .float64 } }
extension Int32: HDF5Element { public static var hdf5Type: HDF5ElementType { .int32 } }
extension Int64: HDF5Element { public static var hdf5Type: HDF5ElementType { .int64 } }
extension UInt8: HDF5Element { public static var hdf5Type: HDF5ElementType { .uint8 } }
extension UInt64: HDF5Element { public static var hdf5Type: HDF5ElementType { .uint64 } }
