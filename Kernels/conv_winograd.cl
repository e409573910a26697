// Winograd convolution for 3x3 windows, stride 1, dilation 1, groups 1 (Lavin and Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016): the cpu-winograd algorithm.
//
// Why: a direct 3x3 convolution spends 9 multiply-adds per (input channel, filter, output pixel).
// F(m x m, 3x3) computes an m x m tile of outputs from an (m+2) x (m+2) tile of inputs with
// (m+2)^2 products per (channel, filter): 2.25x fewer for m = 2, 4x fewer for m = 4. The
// transforms are cheap (per tile and channel, not per channel pair); the products become
// (m+2)^2 independent matrix products, one per position xi of the transformed tile, which run
// at the FMA units' rate with the register blocks of the cpu kernels.
//
//   filter:  U[xi][c][k]  = (G g(k, c) G^T)[xi]                           winograd_filter_transform
//   input:   V[xi][c][p]  = (B^T d(c, p) B)[xi], d the tile p of x         winograd_input_transform
//   product: M[xi][k][p]  = sum over c of U[xi][c][k] * V[xi][c][p]         winograd_product
//   output:  y(k, p)      = A^T M(k, p) A (+ bias)                          winograd_output_transform
//   (cpu style: the product and the output transform as one kernel, M in local memory only:
//    winograd_product_output)
//
// Backward: the input gradient is the same convolution of dy padded by 2 - padding with the
// flipped, transposed filters (U built with transposed = 1). The weight gradient is the exact
// gradient of the forward's formula: dU[xi][c][k] = sum over tiles p of V[xi][c][p] *
// (A dy(k, p) A^T)[xi], then dw(k, c) += G^T dU(c, k) G (winograd_gradient_transform,
// winograd_product, winograd_filter_gradient), so it reuses the forward's V.
//
// Tiles p are numbered across the images of a chunk: p = image * tilesPerImage + ty * tilesX + tx.
// Compile-time: WM (output tile, 2 or 4), RM x NV (rows by 16-column vectors per work-item of
// the product).
//
// Two styles share the transforms. cpu-winograd: winograd_product (one work-item per register
// block, no barriers), pad_planes and bias_gradient_rows. gpu-winograd: the products as one
// batched launch of gemm.cl (work-groups walking K through local memory), pad_planes_items
// (one work-item per padded element, so neighbouring work-items touch neighbouring words) and
// conv.cl's bias_gradient.

#include "conv_cpu_shared.h"

#ifndef WM
#define WM 2
#endif
#ifndef RM
#define RM 8
#endif
#ifndef NV
#define NV 2
#endif
#define WA (WM + 2)
#define WT (WA * WA)

#if WM == 2
__constant float BT[WA][WA] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
__constant float G[WA][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
__constant float AT[WM][WA] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
#elif WM == 4
__constant float BT[WA][WA] = {{4, 0, -5, 0, 1, 0}, {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                               {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
__constant float G[WA][3] = {{1.0f / 4, 0, 0}, {-1.0f / 6, -1.0f / 6, -1.0f / 6}, {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                             {1.0f / 24, 1.0f / 12, 1.0f / 6}, {1.0f / 24, -1.0f / 12, 1.0f / 6}, {0, 0, 1}};
__constant float AT[WM][WA] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
#else
#error "WM must be 2 or 4"
#endif

// The matrices are mostly zeros and ones. A term is added only where its coefficient is not 0:
// the compiler folds the unrolled loops' coefficients and x * 1 to x, but must keep 0 * x (not
// 0 for an infinite x), which made every transform a full matrix product. Sums start from
// -0.0f, the one start that x + start leaves exactly x for every x.
#define ADD_TERM(sum, coefficient, x) if ((coefficient) != 0.0f) (sum) += (coefficient) * (x)

// n / d for 0 <= n < 2^30 and d > 0, through a float reciprocal: PoCL divides integers lane by
// lane, and the four divisions of a transform's tile index took more time than its arithmetic.
// The first estimate is off by up to n / 2^21; the remainder it leaves is small enough to divide
// exactly in float, which brings the estimate within 1, and a correction each way ends it.
inline int quotient(const int n, const int d, const float inverse) {
    int q = convert_int_rtz((float)n * inverse);
    q += convert_int_rtz((float)(n - q * d) * inverse);
    q -= q * d > n ? 1 : 0;
    q += (q + 1) * d <= n ? 1 : 0;
    return q;
}

// The image and the tile's row and column within it of tile p (p = image * tilesX * tilesY + ty * tilesX + tx).
inline int3 tile_position(const int p, const int tilesX, const int tilesY) {
    const int perImage = tilesX * tilesY;
    const int image = quotient(p, perImage, 1.0f / perImage), t = p - image * perImage;
    const int ty = quotient(t, tilesX, 1.0f / tilesX);
    return (int3)(image, ty, t - ty * tilesX);
}

// pad_planes' result with one work-item per element of dst ([planes][Hp][Wp]), for GPUs.
// Global size: [Hp * Wp, planes].
__kernel void pad_planes_items(__global const float* restrict src, const int offSrc, const int planes,
                               const int H, const int W, const int pad, const int Hp, const int Wp, __global float* restrict dst) {
    const int i = get_global_id(0), plane = get_global_id(1);
    if (i >= Hp * Wp || plane >= planes) return;
    const int y = i / Wp - pad, x = i % Wp - pad;
    const bool inside = y >= 0 && y < H && x >= 0 && x < W;
    dst[(size_t)plane * Hp * Wp + i] = inside ? src[offSrc + ((size_t)plane * H + y) * W + x] : 0.0f;
}

// U[(xi*C + c)*ldu + k] = (G g G^T)[xi] for g = W(k, c), where transposed = 0: W(k, c) =
// w[k][c] (K filters of C channels: forward); transposed = 1: W(k, c)[ky][kx] =
// w[c][k][2-ky][2-kx] (w holds C filters of K channels: the input gradient's flipped,
// transposed filters). One work-item per (k, c).
__kernel void winograd_filter_transform(__global const float* restrict w, const int K, const int C, const int transposed,
                                        const int ldu, __global float* restrict U) {
    const int i = get_global_id(0);
    if (i >= K * C) return;
    const int k = i % K, c = i / K;
    float g[3][3];
    #pragma unroll
    for (int ky = 0; ky < 3; ky++) {
        #pragma unroll
        for (int kx = 0; kx < 3; kx++) {
            g[ky][kx] = transposed ? w[(((size_t)c * K + k) * 3 + 2 - ky) * 3 + 2 - kx] : w[(((size_t)k * C + c) * 3 + ky) * 3 + kx];
        }
    }
    float t[WA][3];
    #pragma unroll
    for (int a = 0; a < WA; a++) {
        #pragma unroll
        for (int j = 0; j < 3; j++) t[a][j] = G[a][0] * g[0][j] + G[a][1] * g[1][j] + G[a][2] * g[2][j];
    }
    #pragma unroll
    for (int a = 0; a < WA; a++) {
        #pragma unroll
        for (int b = 0; b < WA; b++) {
            U[((size_t)(a * WA + b) * C + c) * ldu + k] = t[a][0] * G[b][0] + t[a][1] * G[b][1] + t[a][2] * G[b][2];
        }
    }
}

// V[(xi*C + c)*ldv + p] = (B^T d B)[xi] for the tiles p < tiles of the images of C zero-padded
// planes of Hp x Wp at src (pad_planes or pad_planes_items: the padding on the top and left,
// zeros to the edge of the last tile), d the (WM+2) x (WM+2) tile whose top-left pixel is
// (WM*ty, WM*tx); 0 for tiles <= p < ldv. The padded copy spares the loads bounds checks,
// which took more than half of this kernel's time. One work-item per (tile, channel), tiles
// first: a work-group of consecutive tiles stores whole vectors (PoCL vectorises across its
// work-items), where a work-item per plane stored 16 scattered floats a tile. Global size: [ldv, C].
__kernel void winograd_input_transform(__global const float* restrict src, const int C, const int Hp, const int Wp,
                                       const int tilesX, const int tilesY, const int tiles, const int ldv,
                                       __global float* restrict V) {
    const int p = get_global_id(0), c = get_global_id(1);
    if (p >= ldv || c >= C) return;
    const size_t xiStride = (size_t)C * ldv;
    __global float* out = V + (size_t)c * ldv + p;
    // Past the tiles: the last tile's values times 0, without a branch that would keep PoCL
    // from vectorising the work-group.
    const float keep = p < tiles ? 1.0f : 0.0f;
    const int3 at = tile_position(min(p, tiles - 1), tilesX, tilesY);
    __global const float* corner = src + ((size_t)at.x * C + c) * Hp * Wp + at.y * WM * Wp + at.z * WM;
    float d[WA][WA];
    #pragma unroll
    for (int a = 0; a < WA; a++) {
        #pragma unroll
        for (int b = 0; b < WA; b++) d[a][b] = corner[a * Wp + b];
    }
    float t2[WA][WA];
    #pragma unroll
    for (int a = 0; a < WA; a++) {
        #pragma unroll
        for (int b = 0; b < WA; b++) {
            float s = -0.0f;
            #pragma unroll
            for (int j = 0; j < WA; j++) ADD_TERM(s, BT[a][j], d[j][b]);
            t2[a][b] = s;
        }
    }
    #pragma unroll
    for (int a = 0; a < WA; a++) {
        #pragma unroll
        for (int b = 0; b < WA; b++) {
            float s = -0.0f;
            #pragma unroll
            for (int j = 0; j < WA; j++) ADD_TERM(s, BT[b][j], t2[a][j]);
            out[(a * WA + b) * xiStride] = s * keep;
        }
    }
}

// D[(xi*ldp + p)*ldd + k] = (A g A^T)[xi] for the tiles p of the output gradient, g the WM x WM
// tile of dy(k) at (WM*ty, WM*tx), zero outside the OH x OW plane, 0 for K <= k < ldd: the
// tiles' products' gradient, filters last so the weight gradient's product reads them as
// 16-filter vectors. One work-item per (filter, tile), filters first (whole vector stores).
// Global size: [ldd, tiles].
__kernel void winograd_gradient_transform(__global const float* restrict dy, const int offDy, const int K, const int OH,
                                          const int OW, const int tilesX, const int tilesY, const int ldp,
                                          const int ldd, __global float* restrict D) {
    const int k = get_global_id(0), p = get_global_id(1);
    if (k >= ldd) return;
    const size_t xiStride = (size_t)ldp * ldd;
    __global float* out = D + (size_t)p * ldd + k;
    const float keep = k < K ? 1.0f : 0.0f;   // past the filters: 0, without a branch (as above)
    const int3 at = tile_position(p, tilesX, tilesY);
    const int ty = at.y, tx = at.z;
    __global const float* plane = dy + offDy + ((size_t)at.x * K + min(k, K - 1)) * OH * OW;
    float g[WM][WM];
    #pragma unroll
    for (int a = 0; a < WM; a++) {
        const int y = ty * WM + a;
        #pragma unroll
        for (int b = 0; b < WM; b++) {
            const int x = tx * WM + b;
            g[a][b] = y < OH && x < OW ? plane[min(y, OH - 1) * OW + min(x, OW - 1)] : 0.0f;
        }
    }
    float t2[WA][WM];
    #pragma unroll
    for (int a = 0; a < WA; a++) {
        #pragma unroll
        for (int b = 0; b < WM; b++) {
            float s = -0.0f;
            #pragma unroll
            for (int j = 0; j < WM; j++) ADD_TERM(s, AT[j][a], g[j][b]);
            t2[a][b] = s;
        }
    }
    #pragma unroll
    for (int a = 0; a < WA; a++) {
        #pragma unroll
        for (int b = 0; b < WA; b++) {
            float s = -0.0f;
            #pragma unroll
            for (int j = 0; j < WM; j++) ADD_TERM(s, AT[j][b], t2[a][j]);
            out[(a * WA + b) * xiStride] = s * keep;
        }
    }
}

// acc = sum over r < R of A[xi*aXi + r*aR + row*aRow] * B[xi*bXi + r*ldb + col] for the RM rows
// from row0 (rows past the last read that row) by the NV 16-column vectors from col0: one
// register block of the products. Each step of r loads NV vectors of B and broadcasts RM values
// of A: RM*NV accumulators (16, as in conv_channels.cl, which PoCL keeps in registers).
inline void product_block(float16 acc[RM][NV], const int rows, const int R, __global const float* restrict A, const int aXi,
                          const int aR, const int aRow, __global const float* restrict B, const int bXi, const int ldb,
                          const int xi, const int row0, const int col0) {
    __global const float* a[RM];
    #pragma unroll
    for (int i = 0; i < RM; i++) a[i] = A + (size_t)xi * aXi + (size_t)min(row0 + i, rows - 1) * aRow;
    __global const float* b = B + (size_t)xi * bXi + col0;
    ZERO_BLOCK(acc, RM, NV);
    for (int r = 0; r < R; r++) {
        float16 v[NV];
        #pragma unroll
        for (int j = 0; j < NV; j++) v[j] = vload16(j, b + (size_t)r * ldb);
        #pragma unroll
        for (int i = 0; i < RM; i++) FMA_ROW(acc[i], (float16)(a[i][(size_t)r * aR]), v, NV);
    }
}

// O[(xi*rows + row)*ldo + col] (=, or += when accumulate) = the products (product_block), for RM
// rows by NV 16-column vectors per work-item. Columns come in whole vectors (the host pads ldb
// and ldo to NV*16 and ignores the extra columns); a block past the last row stores nothing.
// Global size: [rowBlocks * colBlocks, WT], row blocks first, so consecutive work-groups (one
// core, PoCL) share their block of B.
__kernel void winograd_product(const int rows, const int R, const int rowBlocks, __global const float* restrict A,
                               const int aXi, const int aR, const int aRow, __global const float* restrict B,
                               const int bXi, const int ldb, __global float* restrict O, const int ldo, const int accumulate) {
    const int rb = get_global_id(0) % rowBlocks, cb = get_global_id(0) / rowBlocks, xi = get_global_id(1);
    const int row0 = rb * RM, col0 = cb * NV * 16;
    float16 acc[RM][NV];
    product_block(acc, rows, R, A, aXi, aR, aRow, B, bXi, ldb, xi, row0, col0);
    #pragma unroll
    for (int i = 0; i < RM; i++) {
        if (row0 + i >= rows) break;
        __global float* o = O + ((size_t)xi * rows + row0 + i) * ldo + col0;
        #pragma unroll
        for (int j = 0; j < NV; j++) {
            if (accumulate) acc[i][j] += vload16(j, o);
            vstore16(acc[i][j], j, o);
        }
    }
}

// winograd_product's products followed by winograd_output_transform, without M in global
// memory: the products of a block of RM rows by NV*16 tiles at every position xi go to local
// memory (`block`, WT * RM * NV float16: 36 KiB for F(4x4); an argument, so that the program's
// other kernels do not count it), and the same work-item transforms them into
// outputs, 16 tiles a vector. M is (m+2)^2 / m^2 = 2.25x the size of the output it makes, and
// on CPUs writing and reading it back through memory cost about as much as the output
// transform's arithmetic. y is [images][rows][OH][OW] (the forward's filters, or the input
// gradient's channels). Global size: [rowBlocks * colBlocks], a work-group of one work-item
// (the local array is the work-item's own).
__kernel void winograd_product_output(const int rows, const int R, const int rowBlocks, __global const float* restrict A,
                                      const int aXi, const int aR, const int aRow, __global const float* restrict B,
                                      const int bXi, const int ldb, const int OH, const int OW, const int tilesX,
                                      const int tilesY, const int tiles, __global float* restrict y, const int offY,
                                      __global const float* restrict bias, const int hasBias, __local float16* block) {
    __local float16 (*m)[RM][NV] = (__local float16 (*)[RM][NV])block;
    const int rb = get_global_id(0) % rowBlocks, cb = get_global_id(0) / rowBlocks;
    const int row0 = rb * RM, col0 = cb * NV * 16;
    for (int xi = 0; xi < WT; xi++) {
        float16 acc[RM][NV];
        product_block(acc, rows, R, A, aXi, aR, aRow, B, bXi, ldb, xi, row0, col0);
        #pragma unroll
        for (int i = 0; i < RM; i++) {
            #pragma unroll
            for (int j = 0; j < NV; j++) m[xi][i][j] = acc[i][j];
        }
    }
    // The image and first output row and column of each of the block's tiles.
    int image[NV * 16], oy0[NV * 16], ox0[NV * 16];
    for (int q = 0; q < NV * 16; q++) {
        const int3 at = tile_position(min(col0 + q, tiles - 1), tilesX, tilesY);
        image[q] = at.x;
        oy0[q] = at.y * WM;
        ox0[q] = at.z * WM;
    }
    const int perPlane = OH * OW;
    for (int i = 0; i < RM && row0 + i < rows; i++) {
        const int k = row0 + i;
        const float shift = hasBias ? bias[k] : 0.0f;
        for (int j = 0; j < NV; j++) {
            float16 t2[WM][WA];
            #pragma unroll
            for (int a = 0; a < WM; a++) {
                #pragma unroll
                for (int b = 0; b < WA; b++) {
                    float16 s = (float16)(-0.0f);
                    #pragma unroll
                    for (int jj = 0; jj < WA; jj++) ADD_TERM(s, AT[a][jj], m[jj * WA + b][i][j]);
                    t2[a][b] = s;
                }
            }
            float out[WM][WM][16];
            #pragma unroll
            for (int a = 0; a < WM; a++) {
                #pragma unroll
                for (int b = 0; b < WM; b++) {
                    float16 s = (float16)(-0.0f);
                    #pragma unroll
                    for (int jj = 0; jj < WA; jj++) ADD_TERM(s, AT[b][jj], t2[a][jj]);
                    vstore16(s + shift, 0, out[a][b]);
                }
            }
            for (int lane = 0; lane < 16 && col0 + j * 16 + lane < tiles; lane++) {
                const int q = j * 16 + lane;
                __global float* plane = y + offY + ((size_t)image[q] * rows + k) * perPlane;
                #pragma unroll
                for (int a = 0; a < WM; a++) {
                    #pragma unroll
                    for (int b = 0; b < WM; b++) {
                        if (oy0[q] + a < OH && ox0[q] + b < OW) plane[(oy0[q] + a) * OW + ox0[q] + b] = out[a][b][lane];
                    }
                }
            }
        }
    }
}

// y[image][k][oy][ox] = (A^T M(k, p) A)[oy % WM][ox % WM] (+ bias[k]) for the tiles p < tiles,
// M(k, p)[xi] = M[(xi*K + k)*ldm + p]; outputs past the OH x OW plane are not stored. One
// work-item per (tile, filter), tiles first (whole vector loads). Global size: [>= tiles, K].
__kernel void winograd_output_transform(__global const float* restrict M, const int K, const int ldm, const int OH,
                                        const int OW, const int tilesX, const int tilesY, const int tiles,
                                        __global float* restrict y, const int offY, __global const float* restrict bias,
                                        const int hasBias) {
    const int p = get_global_id(0), k = get_global_id(1);
    if (p >= tiles || k >= K) return;
    const int3 at = tile_position(p, tilesX, tilesY);
    const int image = at.x, ty = at.y, tx = at.z;
    const float shift = hasBias ? bias[k] : 0.0f;
    const size_t xiStride = (size_t)K * ldm;
    __global const float* in = M + (size_t)k * ldm + p;
    __global float* plane = y + offY + ((size_t)image * K + k) * OH * OW;
    float m[WA][WA];
    #pragma unroll
    for (int a = 0; a < WA; a++) {
        #pragma unroll
        for (int b = 0; b < WA; b++) m[a][b] = in[(a * WA + b) * xiStride];
    }
    float t2[WM][WA];
    #pragma unroll
    for (int a = 0; a < WM; a++) {
        #pragma unroll
        for (int b = 0; b < WA; b++) {
            float s = -0.0f;
            #pragma unroll
            for (int j = 0; j < WA; j++) ADD_TERM(s, AT[a][j], m[j][b]);
            t2[a][b] = s;
        }
    }
    #pragma unroll
    for (int a = 0; a < WM; a++) {
        const int oy = ty * WM + a;
        #pragma unroll
        for (int b = 0; b < WM; b++) {
            const int ox = tx * WM + b;
            float s = -0.0f;
            #pragma unroll
            for (int j = 0; j < WA; j++) ADD_TERM(s, AT[b][j], t2[a][j]);
            s += shift;
            if (oy < OH && ox < OW) plane[oy * OW + ox] = s;
        }
    }
}

// dw[k][c][ky][kx] += (G^T dU(c, k) G)[ky][kx], dU(c, k)[xi] = dU[(xi*C + c)*ldu + k]: the
// weight gradient from the gradient of the transformed filters. One work-item per (k, c).
__kernel void winograd_filter_gradient(__global const float* restrict dU, const int K, const int C, const int ldu,
                                       __global float* restrict dw) {
    const int i = get_global_id(0);
    if (i >= K * C) return;
    const int c = i % C, k = i / C;
    float u[WA][WA];
    #pragma unroll
    for (int a = 0; a < WA; a++) {
        #pragma unroll
        for (int b = 0; b < WA; b++) u[a][b] = dU[((size_t)(a * WA + b) * C + c) * ldu + k];
    }
    float t[3][WA];
    #pragma unroll
    for (int a = 0; a < 3; a++) {
        #pragma unroll
        for (int b = 0; b < WA; b++) {
            float s = 0.0f;
            #pragma unroll
            for (int j = 0; j < WA; j++) s += G[j][a] * u[j][b];
            t[a][b] = s;
        }
    }
    __global float* out = dw + (size_t)i * 9;
    #pragma unroll
    for (int a = 0; a < 3; a++) {
        #pragma unroll
        for (int b = 0; b < 3; b++) {
            float s = 0.0f;
            #pragma unroll
            for (int j = 0; j < WA; j++) s += t[a][j] * G[j][b];
            out[a * 3 + b] += s;
        }
    }
}
