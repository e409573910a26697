import COpenBLAS

/// The filters of a patch-whitening layer, measured from images (airbench94's
/// `init_whitening_conv`): the eigenvectors of the patches' covariance, scaled to unit variance.
///
/// Every P x P x C patch at every position where the window fits inside the image (as torch's
/// `unfold`: (H - P + 1) * (W - P + 1) patches per image) is a vector of D = C P P values in
/// (c, i, j) order. Their covariance is the second moment X^T X / n about zero, not about the
/// mean, as airbench computes it (the images are normalised, so the two nearly agree). Its
/// eigenvectors v_k with eigenvalues lambda_k, sorted by descending eigenvalue, scaled by
/// 1 / sqrt(lambda_k + epsilon), are the first D filters; their negatives are the next D.
/// Each eigenvector's sign is fixed so that its largest-magnitude component (the first, on
/// ties) is positive, so the filters do not depend on the LAPACK build. Eigenvalues below zero
/// (rounding, on rank-deficient data) count as zero.
///
/// The covariance is accumulated in double precision with `cblas_dsyrk` over chunks of
/// unfolded patches; the eigen decomposition is LAPACK's `dsyev` from OpenBLAS.
public enum PatchWhitening {
    /// Bad arguments or a failed eigen decomposition.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public let message: String
        public var description: String { "patch whitening: \(message)" }
    }

    /// The eigen decomposition of the patch covariance: eigenvalues in descending order and
    /// eigenvector k as `vectors[k * dimension ..< (k + 1) * dimension]` ((c, i, j) order,
    /// sign fixed as described above).
    public struct Decomposition: Equatable, Sendable {
        public let dimension: Int
        public let eigenvalues: [Double]
        public let vectors: [Double]
    }

    /// The weight [2 D, C, P, P] (D = C P P) of a whitening layer for `count` NCHW images of
    /// C x H x W (already normalised): rows 0..<D are v_k / sqrt(lambda_k + epsilon) by
    /// descending lambda_k, rows D..<2D their negatives.
    public static func filters(images: [Float], count: Int, channels: Int, height: Int, width: Int, patch: Int,
                               epsilon: Double) throws -> [Float] {
        guard epsilon > 0, epsilon.isFinite else { throw Failure(message: "epsilon must be a positive number, found \(epsilon)") }
        let decomposition = try decompose(images: images, count: count, channels: channels, height: height, width: width,
                                          patch: patch)
        let d = decomposition.dimension
        var weight = [Float](repeating: 0, count: 2 * d * d)
        for k in 0..<d {
            let scale = 1 / (max(decomposition.eigenvalues[k], 0) + epsilon).squareRoot()
            for i in 0..<d {
                let value = Float(decomposition.vectors[k * d + i] * scale)
                weight[k * d + i] = value
                weight[(d + k) * d + i] = -value
            }
        }
        return weight
    }

    /// The eigen decomposition of the covariance of every patch of the images (see the type).
    public static func decompose(images: [Float], count: Int, channels: Int, height: Int, width: Int,
                                 patch: Int) throws -> Decomposition {
        let covariance = try patchCovariance(images: images, count: count, channels: channels, height: height, width: width,
                                             patch: patch)
        return try symmetricEigen(covariance, dimension: channels * patch * patch)
    }

    /// The [D, D] row-major covariance (second moment about zero) of every P x P x C patch of
    /// the images at every position where it fits, accumulated in double precision.
    public static func patchCovariance(images: [Float], count: Int, channels: Int, height: Int, width: Int,
                                       patch: Int) throws -> [Double] {
        guard count >= 1, channels >= 1, height >= 1, width >= 1 else {
            throw Failure(message: "needs at least one image of at least 1x1x1, found \(count) of \(channels)x\(height)x\(width)")
        }
        guard patch >= 1, patch <= height, patch <= width else {
            throw Failure(message: "the patch size \(patch) must be in 1...\(min(height, width)) for \(height)x\(width) images")
        }
        let imageSize = channels * height * width
        guard images.count == count * imageSize else {
            throw Failure(message: "\(images.count) values given for \(count) images of \(channels)x\(height)x\(width) "
                          + "(\(count * imageSize) needed)")
        }
        let d = channels * patch * patch
        let outH = height - patch + 1, outW = width - patch + 1
        let positions = outH * outW
        // Chunks of about 32k patches: the unfolded chunk (D rows of patches) stays in cache.
        let chunkImages = max(1, min(count, 32_768 / positions))
        var unfolded = [Double](repeating: 0, count: d * chunkImages * positions)
        var covariance = [Double](repeating: 0, count: d * d)
        images.withUnsafeBufferPointer { source in
            unfolded.withUnsafeMutableBufferPointer { columns in
                var first = 0
                while first < count {
                    let images = min(chunkImages, count - first)
                    let rows = images * positions   // patches in this chunk
                    // columns[row d][patch] for d = (c, i, j): A is [D, rows], so C += A A^T.
                    for c in 0..<channels {
                        for i in 0..<patch {
                            for j in 0..<patch {
                                let component = (c * patch + i) * patch + j
                                var target = component * rows
                                for n in 0..<images {
                                    let plane = (first + n) * imageSize + c * height * width
                                    for oh in 0..<outH {
                                        let row = plane + (oh + i) * width + j
                                        for ow in 0..<outW { columns[target + ow] = Double(source[row + ow]) }
                                        target += outW
                                    }
                                }
                            }
                        }
                    }
                    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(d), Int32(rows), 1, columns.baseAddress,
                                Int32(rows), 1, &covariance, Int32(d))
                    first += images
                }
            }
        }
        let total = Double(count * positions)
        for i in 0..<d {
            for j in i..<d {
                let value = covariance[i * d + j] / total
                covariance[i * d + j] = value
                covariance[j * d + i] = value
            }
        }
        return covariance
    }

    /// Eigenvalues (descending) and eigenvectors of the symmetric [dimension, dimension]
    /// `matrix` through LAPACK's `dsyev`; a LAPACK failure (info != 0) is thrown.
    public static func symmetricEigen(_ matrix: [Double], dimension: Int) throws -> Decomposition {
        let n = dimension
        guard n >= 1, matrix.count == n * n else {
            throw Failure(message: "a \(n)x\(n) symmetric matrix needs \(n * n) values, found \(matrix.count)")
        }
        guard matrix.allSatisfy(\.isFinite) else {
            throw Failure(message: "the patch covariance holds values that are not finite (NaN or infinite pixels?)")
        }
        var a = matrix   // symmetric: row-major and column-major are the same matrix
        var values = [Double](repeating: 0, count: n)
        var size = Int32(n), lda = Int32(n), info: Int32 = 0
        // Workspace query, then the decomposition.
        var optimal = 0.0
        var query: Int32 = -1
        dsyev_("V", "U", &size, &a, &lda, &values, &optimal, &query, &info, 1, 1)
        guard info == 0 else { throw eigenFailure(info: info, n: n) }
        var lwork = Int32(max(Double(3 * n - 1), optimal.rounded(.up)))
        var work = [Double](repeating: 0, count: Int(lwork))
        dsyev_("V", "U", &size, &a, &lda, &values, &work, &lwork, &info, 1, 1)
        guard info == 0 else { throw eigenFailure(info: info, n: n) }
        // dsyev: ascending eigenvalues, eigenvector j in column j (column-major: a[j*n ..< (j+1)*n]).
        var sortedValues: [Double] = []
        var vectors: [Double] = []
        sortedValues.reserveCapacity(n)
        vectors.reserveCapacity(n * n)
        for k in 0..<n {
            let j = n - 1 - k
            var vector = Array(a[j * n ..< (j + 1) * n])
            var largest = 0
            for i in 1..<n where abs(vector[i]) > abs(vector[largest]) { largest = i }
            if vector[largest] < 0 { vector = vector.map { -$0 } }
            sortedValues.append(values[j])
            vectors += vector
        }
        return Decomposition(dimension: n, eigenvalues: sortedValues, vectors: vectors)
    }

    private static func eigenFailure(info: Int32, n: Int) -> Failure {
        if info < 0 {
            return Failure(message: "LAPACK dsyev rejected its argument \(-info) (info \(info)) for a \(n)x\(n) matrix")
        }
        return Failure(message: "LAPACK dsyev did not converge: \(info) off-diagonal elements of the \(n)x\(n) patch "
                       + "covariance's tridiagonal form did not reach zero (info \(info))")
    }
}
