import CHDF5
import Foundation

/// An HDF5 file, through a small safe layer over the C API.
///
/// Objects are named by absolute paths (`/model/conv1/weight`); groups on the way are created on
/// demand. Only the file handle lives as long as this object: every group, dataset, dataspace,
/// datatype and attribute handle is opened and closed inside one method, so none can leak or be
/// closed twice. The file is closed by `close()` (which reports errors) or else by `deinit`.
///
/// Every call into HDF5 holds one process-wide lock (the system library is not thread-safe), and
/// every negative status becomes an `HDF5Error` naming the call, the file and the object.
public final class HDF5File {
    /// The file on disk.
    public let path: String
    public let isReadOnly: Bool
    private var id: hid_t

    private init(path: String, id: hid_t, isReadOnly: Bool) {
        self.path = path
        self.id = id
        self.isReadOnly = isReadOnly
    }

    deinit {
        if id >= 0 { HDF5Library.locked { _ = H5Fclose(id) } }
    }

    /// Creates a new file, replacing one already at `path` unless `overwrite` is false.
    public static func create(at path: String, overwrite: Bool = true) throws -> HDF5File {
        try HDF5Library.locked {
            let fapl = try fileAccessList(path)
            defer { H5Pclose(fapl) }
            let flags = overwrite ? conveyor_h5f_acc_trunc() : conveyor_h5f_acc_excl()
            let id = try HDF5Library.check(H5Fcreate(path, flags, conveyor_h5p_default(), fapl),
                                           "H5Fcreate", file: path, object: "/")
            return HDF5File(path: path, id: id, isReadOnly: false)
        }
    }

    /// Creates a file in memory only (HDF5's core driver without a backing store): nothing
    /// touches the disk until `image()` hands its bytes to the caller, so a full disk cannot
    /// leave HDF5 with a half-written file. `name` appears in messages only.
    public static func createInMemory(name: String) throws -> HDF5File {
        try HDF5Library.locked {
            let fapl = try fileAccessList(name)
            defer { H5Pclose(fapl) }
            try HDF5Library.check(H5Pset_fapl_core(fapl, 1 << 20, false), "H5Pset_fapl_core", file: name, object: "/")
            let id = try HDF5Library.check(H5Fcreate(name, conveyor_h5f_acc_trunc(), conveyor_h5p_default(), fapl),
                                           "H5Fcreate", file: name, object: "/")
            return HDF5File(path: name, id: id, isReadOnly: false)
        }
    }

    /// The bytes of the whole file as it would be on disk (for a file made by `createInMemory`).
    public func image() throws -> [UInt8] {
        try HDF5Library.locked {
            let file = try openID("H5Fget_file_image")
            try check(H5Fflush(file, H5F_SCOPE_LOCAL), "H5Fflush", "/")
            let size = try check(H5Fget_file_image(file, nil, 0), "H5Fget_file_image", "/")
            var bytes = [UInt8](repeating: 0, count: Int(size))
            try bytes.withUnsafeMutableBytes { buffer in
                _ = try check(H5Fget_file_image(file, buffer.baseAddress, buffer.count), "H5Fget_file_image", "/")
            }
            return bytes
        }
    }

    /// Opens an existing file read-only.
    public static func open(at path: String) throws -> HDF5File {
        try HDF5GlobalHeapCheck.check(path: path)
        return try HDF5Library.locked {
            let fapl = try fileAccessList(path)
            defer { H5Pclose(fapl) }
            let id = try HDF5Library.check(H5Fopen(path, conveyor_h5f_acc_rdonly(), fapl),
                                           "H5Fopen", file: path, object: "/")
            return HDF5File(path: path, id: id, isReadOnly: true)
        }
    }

    /// "Semi" close degree: closing the file fails while an object in it is still open, so a
    /// leaked handle shows up as an error instead of a file that never closes.
    private static func fileAccessList(_ path: String) throws -> hid_t {
        let fapl = try HDF5Library.check(H5Pcreate(conveyor_h5p_file_access()), "H5Pcreate", file: path, object: "/")
        do {
            try HDF5Library.check(H5Pset_fclose_degree(fapl, H5F_CLOSE_SEMI), "H5Pset_fclose_degree", file: path, object: "/")
        } catch {
            H5Pclose(fapl)
            throw error
        }
        return fapl
    }

    /// Writes HDF5's buffers for this file to the operating system (not yet to the disk: see
    /// `CheckpointFile` for the fsync).
    public func flush() throws {
        try HDF5Library.locked {
            let file = try openID("H5Fflush")
            try check(H5Fflush(file, H5F_SCOPE_LOCAL), "H5Fflush", "/")
        }
    }

    /// Closes the file. Later calls on this object throw; a second `close()` does nothing.
    public func close() throws {
        try HDF5Library.locked {
            guard id >= 0 else { return }
            let file = id
            id = -1
            try check(H5Fclose(file), "H5Fclose", "/")
        }
    }

    // MARK: - Groups and names

    /// Creates the group at `path` and any missing groups above it; an existing group is fine.
    public func createGroup(_ path: String) throws {
        try HDF5Library.locked {
            let file = try openID("H5Gcreate2")
            let path = try normalized(path)
            if try path == "/" || exists(path) { return }
            let lcpl = try linkCreationList(path)
            defer { H5Pclose(lcpl) }
            let group = try check(H5Gcreate2(file, path, lcpl, conveyor_h5p_default(), conveyor_h5p_default()), "H5Gcreate2", path)
            H5Gclose(group)
        }
    }

    /// Whether a group or dataset exists at `path` (every group on the way is checked, since
    /// HDF5 reports a missing parent as an error rather than as "no").
    public func exists(_ path: String) throws -> Bool {
        try HDF5Library.locked {
            let file = try openID("H5Lexists")
            let path = try normalized(path)
            if path == "/" { return true }
            var prefix = ""
            for component in path.split(separator: "/") {
                prefix += "/" + component
                let found = try check(H5Lexists(file, prefix, conveyor_h5p_default()), "H5Lexists", prefix)
                if found == 0 { return false }
            }
            return true
        }
    }

    /// What `path` names, or nil when nothing is there.
    public func kind(of path: String) throws -> HDF5ObjectKind? {
        try HDF5Library.locked {
            guard try exists(path) else { return nil }
            let file = try openID("H5Oopen")
            let path = try normalized(path)
            let object = try check(H5Oopen(file, path, conveyor_h5p_default()), "H5Oopen", path)
            defer { H5Oclose(object) }
            switch H5Iget_type(object) {
            case H5I_GROUP: return .group
            case H5I_DATASET: return .dataset
            default: return .other
            }
        }
    }

    /// Names of the links in the group at `path`, in HDF5's name order (alphabetical; store an
    /// explicit list where order matters).
    public func children(of path: String = "/") throws -> [String] {
        try HDF5Library.locked {
            let file = try openID("H5Gopen2")
            let path = try normalized(path)
            let group = try check(H5Gopen2(file, path, conveyor_h5p_default()), "H5Gopen2", path)
            defer { H5Gclose(group) }
            var info = H5G_info_t()
            try check(H5Gget_info(group, &info), "H5Gget_info", path)
            var names: [String] = []
            for index in 0..<info.nlinks {
                let length = try check(H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0,
                                                          conveyor_h5p_default()), "H5Lget_name_by_idx", path)
                var buffer = [CChar](repeating: 0, count: Int(length) + 1)
                try check(H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count,
                                             conveyor_h5p_default()), "H5Lget_name_by_idx", path)
                names.append(String(cString: buffer))
            }
            return names
        }
    }

    // MARK: - Datasets

    /// Writes a new dataset of `shape` (row-major, `[]` for a scalar) at `path`, creating the
    /// groups above it. `values.count` must equal the product of `shape`.
    public func write<T: HDF5Element>(_ values: [T], shape: [Int], to path: String) throws {
        try HDF5Library.locked {
            let file = try openID("H5Dcreate2")
            let path = try normalized(path)
            let expected = shape.reduce(1, *)
            guard shape.allSatisfy({ $0 >= 0 }), expected == values.count else {
                throw HDF5Error(call: "H5Dcreate2", file: self.path, object: path,
                                message: "\(values.count) values do not fill shape \(shape) (\(expected) elements)")
            }
            let space = try dataspace(shape, path)
            defer { H5Sclose(space) }
            let lcpl = try linkCreationList(path)
            defer { H5Pclose(lcpl) }
            let type = T.hdf5Type
            let dataset = try check(H5Dcreate2(file, path, type.fileType, space, lcpl, conveyor_h5p_default(),
                                               conveyor_h5p_default()), "H5Dcreate2", path)
            defer { H5Dclose(dataset) }
            if values.isEmpty { return }
            try values.withUnsafeBytes { bytes in
                _ = try check(H5Dwrite(dataset, type.memoryType, conveyor_h5s_all(), conveyor_h5s_all(),
                                   conveyor_h5p_default(), bytes.baseAddress), "H5Dwrite", path)
            }
        }
    }

    /// Reads a whole dataset as `T` (floats as floats, integers as integers; HDF5 converts the
    /// width), with its shape.
    public func read<T: HDF5Element>(_ type: T.Type, from path: String) throws -> (values: [T], shape: [Int]) {
        try HDF5Library.locked {
            let file = try openID("H5Dopen2")
            let path = try normalized(path)
            let dataset = try check(H5Dopen2(file, path, conveyor_h5p_default()), "H5Dopen2", path)
            defer { H5Dclose(dataset) }
            let fileType = try check(H5Dget_type(dataset), "H5Dget_type", path)
            defer { H5Tclose(fileType) }
            let typeClass = H5Tget_class(fileType)
            guard typeClass == T.hdf5Type.typeClass else {
                throw HDF5Error(call: "H5Dread", file: self.path, object: path,
                                message: "holds \(Self.className(typeClass)) values, not \(T.hdf5Type.rawValue)")
            }
            let shape = try datasetShape(dataset, path)
            let count = shape.reduce(1, *)
            try HDF5ClaimLimits.checkFits(count: count, elementSize: H5Tget_size(fileType), fileSize: try fileSize(path),
                                          file: self.path, object: path)
            let values = try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                if count > 0 {
                    try check(H5Dread(dataset, T.hdf5Type.memoryType, conveyor_h5s_all(), conveyor_h5s_all(),
                                      conveyor_h5p_default(), buffer.baseAddress), "H5Dread", path)
                }
                initialized = count
            }
            return (values, shape)
        }
    }

    /// The shape of the dataset at `path` (`[]` for a scalar).
    public func shape(of path: String) throws -> [Int] {
        try HDF5Library.locked {
            let file = try openID("H5Dopen2")
            let path = try normalized(path)
            let dataset = try check(H5Dopen2(file, path, conveyor_h5p_default()), "H5Dopen2", path)
            defer { H5Dclose(dataset) }
            return try datasetShape(dataset, path)
        }
    }

    private func datasetShape(_ dataset: hid_t, _ path: String) throws -> [Int] {
        let space = try check(H5Dget_space(dataset), "H5Dget_space", path)
        defer { H5Sclose(space) }
        let rank = try check(H5Sget_simple_extent_ndims(space), "H5Sget_simple_extent_ndims", path)
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        try check(H5Sget_simple_extent_dims(space, &dims, nil), "H5Sget_simple_extent_dims", path)
        _ = try HDF5ClaimLimits.elementCount(dims.map { UInt64($0) }, file: self.path, object: path)
        return dims.map { Int($0) }
    }

    /// The size of the file on disk, which bounds what a dataset or attribute in it can hold.
    private func fileSize(_ object: String) throws -> UInt64 {
        var size: hsize_t = 0
        try check(H5Fget_filesize(try openID("H5Fget_filesize"), &size), "H5Fget_filesize", object)
        return UInt64(size)
    }

    // MARK: - Attributes

    /// Sets attribute `name` on the group or dataset at `path` (the root by default), replacing
    /// any attribute of that name.
    public func setAttribute(_ name: String, _ value: HDF5AttributeValue, on path: String = "/") throws {
        try HDF5Library.locked {
            let file = try openID("H5Acreate2")
            let path = try normalized(path)
            let object = try check(H5Oopen(file, path, conveyor_h5p_default()), "H5Oopen", path)
            defer { H5Oclose(object) }
            let at = "\(path)@\(name)"
            if try check(H5Aexists(object, name), "H5Aexists", at) > 0 {
                try check(H5Adelete(object, name), "H5Adelete", at)
            }
            switch value {
            case .int64(var v):
                try writeScalarAttribute(object, name, .int64, &v, at)
            case .uint64(var v):
                try writeScalarAttribute(object, name, .uint64, &v, at)
            case .double(var v):
                try writeScalarAttribute(object, name, .float64, &v, at)
            case .string(let text):
                let type = try stringType(length: nil, at)
                defer { H5Tclose(type) }
                let space = try check(H5Screate(H5S_SCALAR), "H5Screate", at)
                defer { H5Sclose(space) }
                let attribute = try check(H5Acreate2(object, name, type, space, conveyor_h5p_default(), conveyor_h5p_default()), "H5Acreate2", at)
                defer { H5Aclose(attribute) }
                try text.withCString { pointer in
                    var pointers: [UnsafePointer<CChar>?] = [pointer]
                    try check(H5Awrite(attribute, type, &pointers), "H5Awrite", at)
                }
            case .fixedString(let text):
                let bytes = Array(text.utf8)
                let type = try stringType(length: max(bytes.count, 1), at)
                defer { H5Tclose(type) }
                let space = try check(H5Screate(H5S_SCALAR), "H5Screate", at)
                defer { H5Sclose(space) }
                let attribute = try check(H5Acreate2(object, name, type, space, conveyor_h5p_default(), conveyor_h5p_default()), "H5Acreate2", at)
                defer { H5Aclose(attribute) }
                var buffer = bytes.isEmpty ? [UInt8(0)] : bytes
                try check(H5Awrite(attribute, type, &buffer), "H5Awrite", at)
            case .strings(let list):
                let type = try stringType(length: nil, at)
                defer { H5Tclose(type) }
                var dims = [hsize_t(list.count)]
                let space = try check(H5Screate_simple(1, &dims, nil), "H5Screate_simple", at)
                defer { H5Sclose(space) }
                let attribute = try check(H5Acreate2(object, name, type, space, conveyor_h5p_default(), conveyor_h5p_default()), "H5Acreate2", at)
                defer { H5Aclose(attribute) }
                let copies: [UnsafeMutablePointer<CChar>?] = list.map { strdup($0) }
                defer { copies.forEach { free($0) } }
                var pointers = copies.map { UnsafePointer($0) }
                if !list.isEmpty {
                    try check(H5Awrite(attribute, type, &pointers), "H5Awrite", at)
                }
            }
        }
    }

    /// The attribute `name` of the object at `path`, or nil when it has none of that name.
    /// Numbers must be scalars; strings may be scalars or 1-D lists, variable or fixed length.
    public func attribute(_ name: String, of path: String = "/") throws -> HDF5AttributeValue? {
        try HDF5Library.locked {
            let file = try openID("H5Aopen")
            let path = try normalized(path)
            let object = try check(H5Oopen(file, path, conveyor_h5p_default()), "H5Oopen", path)
            defer { H5Oclose(object) }
            let at = "\(path)@\(name)"
            guard try check(H5Aexists(object, name), "H5Aexists", at) > 0 else { return nil }
            let attribute = try check(H5Aopen(object, name, conveyor_h5p_default()), "H5Aopen", at)
            defer { H5Aclose(attribute) }
            let type = try check(H5Aget_type(attribute), "H5Aget_type", at)
            defer { H5Tclose(type) }
            let space = try check(H5Aget_space(attribute), "H5Aget_space", at)
            defer { H5Sclose(space) }
            let rank = try check(H5Sget_simple_extent_ndims(space), "H5Sget_simple_extent_ndims", at)
            let count = Int(try check(H5Sget_simple_extent_npoints(space), "H5Sget_simple_extent_npoints", at))
            // A variable-length string takes at least a byte of the file, a fixed one its size.
            try HDF5ClaimLimits.checkFits(count: count, elementSize: H5Tis_variable_str(type) > 0 ? 1 : H5Tget_size(type),
                                          fileSize: try fileSize(at), file: self.path, object: at)
            let typeClass = H5Tget_class(type)

            if typeClass == H5T_STRING {
                let strings = try readStrings(attribute, type, count: count, at)
                if rank == 0 {
                    let isVariable = try check(H5Tis_variable_str(type), "H5Tis_variable_str", at) > 0
                    return isVariable ? .string(strings.first ?? "") : .fixedString(strings.first ?? "")
                }
                return .strings(strings)
            }
            guard count == 1 else {
                throw HDF5Error(call: "H5Aread", file: self.path, object: at,
                                message: "holds \(count) \(Self.className(typeClass)) values; only single numbers are read")
            }
            if typeClass == H5T_FLOAT {
                var v = 0.0
                try check(H5Aread(attribute, conveyor_h5t_native_double(), &v), "H5Aread", at)
                return .double(v)
            }
            if typeClass == H5T_INTEGER {
                if H5Tget_sign(type) == H5T_SGN_NONE {
                    var v: UInt64 = 0
                    try check(H5Aread(attribute, conveyor_h5t_native_uint64(), &v), "H5Aread", at)
                    return .uint64(v)
                }
                var v: Int64 = 0
                try check(H5Aread(attribute, conveyor_h5t_native_int64(), &v), "H5Aread", at)
                return .int64(v)
            }
            throw HDF5Error(call: "H5Aread", file: self.path, object: at,
                            message: "holds \(Self.className(typeClass)) values, which this reader does not support")
        }
    }

    /// Names of the attributes of the object at `path`, in name order.
    public func attributeNames(of path: String = "/") throws -> [String] {
        try HDF5Library.locked {
            let file = try openID("H5Aiterate2")
            let path = try normalized(path)
            let object = try check(H5Oopen(file, path, conveyor_h5p_default()), "H5Oopen", path)
            defer { H5Oclose(object) }
            final class Box { var names: [String] = [] }
            let box = Box()
            var index: hsize_t = 0
            try withExtendedLifetime(box) {
                _ = try check(H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, _, data in
                    guard let name, let data else { return 0 }
                    Unmanaged<Box>.fromOpaque(data).takeUnretainedValue().names.append(String(cString: name))
                    return 0
                }, Unmanaged.passUnretained(box).toOpaque()), "H5Aiterate2", path)
            }
            return box.names
        }
    }

    // MARK: - Helpers (called with the library lock held; internal for the extensions in this target)

    func openID(_ call: String) throws -> hid_t {
        guard id >= 0 else {
            throw HDF5Error(call: call, file: path, object: "/", message: "the file is already closed")
        }
        return id
    }

    @discardableResult
    func check<T: BinaryInteger>(_ status: T, _ call: String, _ object: String) throws -> T {
        try HDF5Library.check(status, call, file: path, object: object)
    }

    /// Absolute, without a trailing slash; empty components ("a//b") are refused.
    func normalized(_ path: String) throws -> String {
        let components = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst(path.hasPrefix("/") ? 1 : 0)
        let trimmed = components.last == "" ? components.dropLast() : components
        if trimmed.isEmpty { return "/" }
        guard trimmed.allSatisfy({ !$0.isEmpty && $0 != "." }) else {
            throw HDF5Error(call: "path", file: self.path, object: path, message: "an object path has an empty or '.' component")
        }
        return "/" + trimmed.joined(separator: "/")
    }

    func linkCreationList(_ path: String) throws -> hid_t {
        let lcpl = try check(H5Pcreate(conveyor_h5p_link_create()), "H5Pcreate", path)
        do {
            try check(H5Pset_create_intermediate_group(lcpl, 1), "H5Pset_create_intermediate_group", path)
            try check(H5Pset_char_encoding(lcpl, H5T_CSET_UTF8), "H5Pset_char_encoding", path)
        } catch {
            H5Pclose(lcpl)
            throw error
        }
        return lcpl
    }

    private func dataspace(_ shape: [Int], _ path: String) throws -> hid_t {
        if shape.isEmpty { return try check(H5Screate(H5S_SCALAR), "H5Screate", path) }
        var dims = shape.map { hsize_t($0) }
        return try check(H5Screate_simple(Int32(shape.count), &dims, nil), "H5Screate_simple", path)
    }

    /// A UTF-8 string type: variable length when `length` is nil, else fixed and null-padded.
    func stringType(length: Int?, _ at: String) throws -> hid_t {
        let type = try check(H5Tcopy(conveyor_h5t_c_s1()), "H5Tcopy", at)
        do {
            try check(H5Tset_size(type, length ?? conveyor_h5t_variable()), "H5Tset_size", at)
            try check(H5Tset_cset(type, H5T_CSET_UTF8), "H5Tset_cset", at)
            if length != nil { try check(H5Tset_strpad(type, H5T_STR_NULLPAD), "H5Tset_strpad", at) }
        } catch {
            H5Tclose(type)
            throw error
        }
        return type
    }

    private func writeScalarAttribute<T: HDF5Element>(_ object: hid_t, _ name: String, _ type: HDF5ElementType, _ value: inout T, _ at: String) throws {
        let space = try check(H5Screate(H5S_SCALAR), "H5Screate", at)
        defer { H5Sclose(space) }
        let attribute = try check(H5Acreate2(object, name, type.fileType, space, conveyor_h5p_default(), conveyor_h5p_default()), "H5Acreate2", at)
        defer { H5Aclose(attribute) }
        try withUnsafeBytes(of: &value) { bytes in
            _ = try check(H5Awrite(attribute, type.memoryType, bytes.baseAddress), "H5Awrite", at)
        }
    }

    private func readStrings(_ attribute: hid_t, _ fileType: hid_t, count: Int, _ at: String) throws -> [String] {
        if count == 0 { return [] }
        let isVariable = try check(H5Tis_variable_str(fileType), "H5Tis_variable_str", at) > 0
        // The memory type keeps the file's character set: HDF5 will not convert between them.
        let memoryType = try check(H5Tcopy(fileType), "H5Tcopy", at)
        defer { H5Tclose(memoryType) }
        if isVariable {
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            try check(H5Aread(attribute, memoryType, &pointers), "H5Aread", at)
            defer { pointers.forEach { if let p = $0 { H5free_memory(p) } } }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let size = H5Tget_size(fileType)
        guard size > 0 else { throw HDF5Error(call: "H5Tget_size", file: path, object: at, message: HDF5Library.innermostMessage()) }
        let spacePadded = H5Tget_strpad(fileType) == H5T_STR_SPACEPAD
        var bytes = [UInt8](repeating: 0, count: size * count)
        try check(H5Aread(attribute, memoryType, &bytes), "H5Aread", at)
        return (0..<count).map { index in
            var slice = Array(bytes[index * size ..< (index + 1) * size])
            if let end = slice.firstIndex(of: 0) { slice.removeSubrange(end...) }
            if spacePadded { while slice.last == 0x20 { slice.removeLast() } }
            return String(decoding: slice, as: UTF8.self)
        }
    }

    private static func className(_ typeClass: H5T_class_t) -> String {
        switch typeClass {
        case H5T_INTEGER: return "integer"
        case H5T_FLOAT: return "floating-point"
        case H5T_STRING: return "string"
        case H5T_COMPOUND: return "compound"
        default: return "class \(typeClass.rawValue)"
        }
    }
}
