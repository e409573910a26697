import Foundation

/// What an HDF5 file may claim before anything is allocated for it.
///
/// A file from elsewhere may declare a dataset or attribute of any shape in a few bytes of
/// header; reading it would allocate what it claims before HDF5 finds the data missing. So every
/// claimed element count is checked first: it must fit in `maximumElements`, and its bytes in the
/// file's own size (this layer reads only uncompressed data, which Conveyor is all that writes:
/// such data cannot be larger than the file that holds it).
public enum HDF5ClaimLimits {
    /// Elements of one dataset or attribute: 2^31 (8 GiB of float32), far above any layer's tensor.
    public static let maximumElements = 1 << 31

    /// The element count of `dims` (a scalar has one), or an error naming the claim that is too large.
    static func elementCount(_ dims: [UInt64], file: String, object: String) throws -> Int {
        var count: UInt64 = 1
        for dim in dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            // Each extent on its own too: a zero elsewhere would hide a huge one from the product.
            guard dim <= UInt64(maximumElements), !overflow, product <= UInt64(maximumElements) else {
                throw HDF5Error(call: "limit", file: file, object: object,
                                message: "claims shape \(dims), more than the \(maximumElements) elements a dataset may hold here")
            }
            count = product
        }
        return Int(count)
    }

    /// Refuses `count` elements of `elementSize` bytes that could not fit in a file of `fileSize` bytes.
    static func checkFits(count: Int, elementSize: Int, fileSize: UInt64, file: String, object: String) throws {
        let (bytes, overflow) = UInt64(count).multipliedReportingOverflow(by: UInt64(max(elementSize, 1)))
        if overflow || bytes > fileSize {
            throw HDF5Error(call: "limit", file: file, object: object,
                            message: "claims \(count) elements of \(elementSize) bytes, more than the whole file holds "
                                + "(\(fileSize) bytes); the file is damaged or was not written by Conveyor")
        }
    }
}
