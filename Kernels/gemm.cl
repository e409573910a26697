// Tiled matrix product: C = alpha * op(A) * op(B) + beta * C (+ a bias per row or per column).
//
// All matrices are row-major. op(A) is M x K: A is stored M x K (lda >= K), or K x M with
// TRANS_A (lda >= M). op(B) is K x N: B is stored K x N (ldb >= N), or N x K with TRANS_B
// (ldb >= K). C is M x N (ldc >= N). Any M, N, K: edge tiles are loaded with zeros and
// stored under a bounds check.
//
// A work-group computes a TILE_M x TILE_N block of C, walking K in steps of TILE_K through
// local memory. Each work-item holds WPT_M x WPT_N accumulators in registers; its rows are
// strided by the work-group height and its columns by the work-group width, so neighbouring
// work-items read neighbouring local words (no bank conflicts) and write neighbouring
// addresses of C (coalesced). Work-group size: (TILE_N / WPT_N, TILE_M / WPT_M).
//
// BATCHED: many products of one shape in one launch (Winograd's (m+2)^2 tile positions), the
// third dimension of the work-groups naming the product: A, B and C advance by strideA,
// strideB and strideC elements from one to the next.

#ifndef TILE_M
#define TILE_M 64       // rows of C per work-group
#endif
#ifndef TILE_N
#define TILE_N 64       // columns of C per work-group
#endif
#ifndef TILE_K
#define TILE_K 16       // depth of one local-memory stage
#endif
#ifndef WPT_M
#define WPT_M 4         // rows of C per work-item (register block height)
#endif
#ifndef WPT_N
#define WPT_N 4         // columns of C per work-item (register block width)
#endif
#ifndef LOCAL_PAD
#define LOCAL_PAD 1     // extra words per local row: breaks the power-of-two stride of tile stores
#endif
#ifndef VECTOR_N
#define VECTOR_N 0      // CPUs: 1 = each work-item's WPT_N columns are contiguous and computed as one floatWPT_N vector
#endif
#ifndef TRANS_A
#define TRANS_A 0       // 1: A is stored K x M
#endif
#ifndef TRANS_B
#define TRANS_B 0       // 1: B is stored N x K
#endif
#ifndef BATCHED
#define BATCHED 0       // 1: get_group_id(2) picks one of many products (strides as arguments)
#endif

#define CONCAT(a, b) a##b
#define FLOATV(n) CONCAT(float, n)
#define VLOADV(n) CONCAT(vload, n)
#define VSTOREV(n) CONCAT(vstore, n)
#define GROUP_N (TILE_N / WPT_N)
#define GROUP_M (TILE_M / WPT_M)
#define GROUP_SIZE (GROUP_N * GROUP_M)

#if TILE_M % WPT_M != 0 || TILE_N % WPT_N != 0
#error "TILE_M and TILE_N must be multiples of WPT_M and WPT_N"
#endif

// biasMode: 0 none, 1 bias[row] (conv: one per filter), 2 bias[column] (fully connected).
__kernel __attribute__((reqd_work_group_size(GROUP_N, GROUP_M, 1)))
void gemm(const int M, const int N, const int K, const float alpha,
          __global const float* restrict A, const int offA, const int lda,
          __global const float* restrict B, const int offB, const int ldb,
          const float beta,
          __global float* C, const int offC, const int ldc,
          __global const float* restrict bias, const int offBias, const int biasMode
#if BATCHED
          , const int strideA, const int strideB, const int strideC
#endif
          ) {
    // Tiles are stored k-major: As[k][m] and Bs[k][n], so the inner product loop reads one
    // row of each per step.
    __local float As[TILE_K][TILE_M + LOCAL_PAD];
    __local float Bs[TILE_K][TILE_N + LOCAL_PAD];

    const int tx = get_local_id(0);
    const int ty = get_local_id(1);
    const int tid = ty * GROUP_N + tx;
    const int row0 = get_group_id(1) * TILE_M;
    const int col0 = get_group_id(0) * TILE_N;
    A += offA;
    B += offB;
    C += offC;
#if BATCHED
    A += (size_t)get_group_id(2) * strideA;
    B += (size_t)get_group_id(2) * strideB;
    C += (size_t)get_group_id(2) * strideC;
#endif

#if VECTOR_N
    // Columns col0 + tx*WPT_N + j, contiguous, one vector per row: the shape a CPU's SIMD units want.
    FLOATV(WPT_N) accv[WPT_M];
    #pragma unroll
    for (int i = 0; i < WPT_M; i++) accv[i] = (FLOATV(WPT_N))(0.0f);
#else
    // Columns col0 + tx + j*GROUP_N, strided: neighbouring work-items touch neighbouring words.
    float acc[WPT_M][WPT_N];
    #pragma unroll
    for (int i = 0; i < WPT_M; i++) {
        #pragma unroll
        for (int j = 0; j < WPT_N; j++) acc[i][j] = 0.0f;
    }
#endif

    for (int k0 = 0; k0 < K; k0 += TILE_K) {
        // Cooperative loads; consecutive work-items take consecutive addresses in global memory.
        for (int idx = tid; idx < TILE_M * TILE_K; idx += GROUP_SIZE) {
#if TRANS_A
            const int kk = idx / TILE_M, mm = idx % TILE_M;
            const int gr = row0 + mm, gk = k0 + kk;
            As[kk][mm] = (gr < M && gk < K) ? A[gk * lda + gr] : 0.0f;
#else
            const int mm = idx / TILE_K, kk = idx % TILE_K;
            const int gr = row0 + mm, gk = k0 + kk;
            As[kk][mm] = (gr < M && gk < K) ? A[gr * lda + gk] : 0.0f;
#endif
        }
        for (int idx = tid; idx < TILE_N * TILE_K; idx += GROUP_SIZE) {
#if TRANS_B
            const int nn = idx / TILE_K, kk = idx % TILE_K;
            const int gc = col0 + nn, gk = k0 + kk;
            Bs[kk][nn] = (gc < N && gk < K) ? B[gc * ldb + gk] : 0.0f;
#else
            const int kk = idx / TILE_N, nn = idx % TILE_N;
            const int gc = col0 + nn, gk = k0 + kk;
            Bs[kk][nn] = (gc < N && gk < K) ? B[gk * ldb + gc] : 0.0f;
#endif
        }
        barrier(CLK_LOCAL_MEM_FENCE);

        #pragma unroll
        for (int kk = 0; kk < TILE_K; kk++) {
#if VECTOR_N
            const FLOATV(WPT_N) bv = VLOADV(WPT_N)(0, &Bs[kk][tx * WPT_N]);
            #pragma unroll
            for (int i = 0; i < WPT_M; i++) accv[i] = fma((FLOATV(WPT_N))(As[kk][ty + i * GROUP_M]), bv, accv[i]);
#else
            float a[WPT_M], b[WPT_N];
            #pragma unroll
            for (int i = 0; i < WPT_M; i++) a[i] = As[kk][ty + i * GROUP_M];
            #pragma unroll
            for (int j = 0; j < WPT_N; j++) b[j] = Bs[kk][tx + j * GROUP_N];
            #pragma unroll
            for (int i = 0; i < WPT_M; i++) {
                #pragma unroll
                for (int j = 0; j < WPT_N; j++) acc[i][j] = fma(a[i], b[j], acc[i][j]);
            }
#endif
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    #pragma unroll
    for (int i = 0; i < WPT_M; i++) {
        const int r = row0 + ty + i * GROUP_M;
        if (r >= M) continue;
        const float rowBias = biasMode == 1 ? bias[offBias + r] : 0.0f;
#if VECTOR_N
        float acc[WPT_N];
        VSTOREV(WPT_N)(accv[i], 0, acc);
#endif
        #pragma unroll
        for (int j = 0; j < WPT_N; j++) {
#if VECTOR_N
            const int c = col0 + tx * WPT_N + j;
            float value = alpha * acc[j] + rowBias;
#else
            const int c = col0 + tx + j * GROUP_N;
            float value = alpha * acc[i][j] + rowBias;
#endif
            if (c >= N) continue;
            if (biasMode == 2) value += bias[offBias + c];
            // beta == 0 must not read C: it may hold NaNs from an earlier use of the buffer.
            if (beta != 0.0f) value += beta * C[r * ldc + c];
            C[r * ldc + c] = value;
        }
    }
}
