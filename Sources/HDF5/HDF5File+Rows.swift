import CHDF5
import Foundation

/// Datasets written a block of rows at a time (an import larger than memory) and lists of
/// strings as datasets (file paths: too many for an attribute's 64 KiB).
extension HDF5File {
    /// Creates an empty dataset of rows of `rowShape` that `appendRows` extends; chunks of
    /// `chunkRows` rows, so that reading a few rows reads only their chunks.
    public func createRows<T: HDF5Element>(_ type: T.Type, rowShape: [Int], chunkRows: Int, at path: String) throws {
        try HDF5Library.locked {
            let file = try openID("H5Dcreate2")
            let path = try normalized(path)
            var dims = [hsize_t(0)] + rowShape.map { hsize_t($0) }
            var maximum = [hsize_t.max] + rowShape.map { hsize_t($0) }
            let space = try check(H5Screate_simple(Int32(dims.count), &dims, &maximum), "H5Screate_simple", path)
            defer { H5Sclose(space) }
            let dcpl = try check(H5Pcreate(conveyor_h5p_dataset_create()), "H5Pcreate", path)
            defer { H5Pclose(dcpl) }
            var chunk = [hsize_t(max(chunkRows, 1))] + rowShape.map { hsize_t($0) }
            try check(H5Pset_chunk(dcpl, Int32(chunk.count), &chunk), "H5Pset_chunk", path)
            let lcpl = try linkCreationList(path)
            defer { H5Pclose(lcpl) }
            let dataset = try check(H5Dcreate2(file, path, T.hdf5Type.fileType, space, lcpl, dcpl, conveyor_h5p_default()),
                                    "H5Dcreate2", path)
            H5Dclose(dataset)
        }
    }

    /// Appends `rows` rows (`values.count` must be `rows` times the row size) to a dataset made by `createRows`.
    public func appendRows<T: HDF5Element>(_ values: UnsafeBufferPointer<T>, rows: Int, to path: String) throws {
        guard rows > 0 else { return }
        try HDF5Library.locked {
            let file = try openID("H5Dopen2")
            let path = try normalized(path)
            let dataset = try check(H5Dopen2(file, path, conveyor_h5p_default()), "H5Dopen2", path)
            defer { H5Dclose(dataset) }
            let oldSpace = try check(H5Dget_space(dataset), "H5Dget_space", path)
            let rank = Int(try check(H5Sget_simple_extent_ndims(oldSpace), "H5Sget_simple_extent_ndims", path))
            var dims = [hsize_t](repeating: 0, count: rank)
            try check(H5Sget_simple_extent_dims(oldSpace, &dims, nil), "H5Sget_simple_extent_dims", path)
            H5Sclose(oldSpace)
            let rowSize = dims.dropFirst().reduce(1) { $0 * Int($1) }
            guard values.count == rows * rowSize else {
                throw HDF5Error(call: "H5Dwrite", file: self.path, object: path,
                                message: "\(values.count) values are not \(rows) rows of \(rowSize)")
            }
            let first = dims[0]
            dims[0] += hsize_t(rows)
            try check(H5Dset_extent(dataset, &dims), "H5Dset_extent", path)
            let space = try check(H5Dget_space(dataset), "H5Dget_space", path)
            defer { H5Sclose(space) }
            var start = [first] + [hsize_t](repeating: 0, count: rank - 1)
            var count = [hsize_t(rows)] + dims.dropFirst()
            try check(H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, nil, &count, nil), "H5Sselect_hyperslab", path)
            let memory = try check(H5Screate_simple(Int32(rank), &count, nil), "H5Screate_simple", path)
            defer { H5Sclose(memory) }
            try check(H5Dwrite(dataset, T.hdf5Type.memoryType, memory, space, conveyor_h5p_default(), values.baseAddress),
                      "H5Dwrite", path)
        }
    }

    /// A 1-D dataset of variable-length UTF-8 strings (h5py reads it as bytes or str).
    public func writeStrings(_ list: [String], to path: String) throws {
        try HDF5Library.locked {
            let file = try openID("H5Dcreate2")
            let path = try normalized(path)
            let type = try stringType(length: nil, path)
            defer { H5Tclose(type) }
            var dims = [hsize_t(list.count)]
            let space = try check(H5Screate_simple(1, &dims, nil), "H5Screate_simple", path)
            defer { H5Sclose(space) }
            let lcpl = try linkCreationList(path)
            defer { H5Pclose(lcpl) }
            let dataset = try check(H5Dcreate2(file, path, type, space, lcpl, conveyor_h5p_default(), conveyor_h5p_default()),
                                    "H5Dcreate2", path)
            defer { H5Dclose(dataset) }
            guard !list.isEmpty else { return }
            let copies: [UnsafeMutablePointer<CChar>?] = list.map { strdup($0) }
            defer { copies.forEach { free($0) } }
            var pointers = copies.map { UnsafePointer($0) }
            try check(H5Dwrite(dataset, type, conveyor_h5s_all(), conveyor_h5s_all(), conveyor_h5p_default(), &pointers), "H5Dwrite", path)
        }
    }

    /// The strings of a dataset written by `writeStrings`.
    public func readStrings(from path: String) throws -> [String] {
        try HDF5Library.locked {
            let file = try openID("H5Dopen2")
            let path = try normalized(path)
            let dataset = try check(H5Dopen2(file, path, conveyor_h5p_default()), "H5Dopen2", path)
            defer { H5Dclose(dataset) }
            let space = try check(H5Dget_space(dataset), "H5Dget_space", path)
            defer { H5Sclose(space) }
            let count = Int(H5Sget_simple_extent_npoints(space))
            guard count > 0 else { return [] }
            let type = try stringType(length: nil, path)
            defer { H5Tclose(type) }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            try check(H5Dread(dataset, type, conveyor_h5s_all(), conveyor_h5s_all(), conveyor_h5p_default(), &pointers), "H5Dread", path)
            defer { pointers.forEach { if let p = $0 { H5free_memory(p) } } }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
    }
}
