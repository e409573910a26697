// Convolution for CPU devices (PoCL): panel-packed im2col and a register-blocked matrix product
// without local memory or barriers.
//
// Why a second path: PoCL runs a work-group as loops on one core, so the GPU-style tiles of
// gemm.cl pay for local-memory copies and barrier bookkeeping and reach about half of what the
// cores can do. Here each work-item keeps RM x VW accumulators in vector registers and streams
// its operands straight from the caches. The unfolded input is stored in panels of VW columns,
// col[n / VW][row][n % VW], so the VW columns a work-item needs for one row are one contiguous
// vector and its whole strip is contiguous in memory (prefetch-friendly, no TLB walk per row).
//
// The product C = A * B is specialised with -D per use by addressing modes:
//   A(m, k), read as scalars:  A_ROWS  A[m*lda + k]          (weights: conv forward)
//                              A_TRANS A[k*lda + m]          (weights transposed: input gradient)
//                              A_PANEL col panels of APW columns with lda rows (weight gradient)
//   B(k, n..n+VW-1), vectors:  B_PANEL panels of VW columns with K rows
//                              B_NCHW  [b][k][p] with n = b*P + p (output gradient); P % VW == 0
//   C(m, n..n+VW-1):           C_NCHW  [b][m][p] plus bias[m]        (conv output)
//                              C_PANEL panels of VW columns with M rows (input-gradient columns)
//                              C_TRANS C[n*ldc + m], accumulated     (weight gradient, transposed)
// The host guarantees: panels are padded with zeros to a multiple of VW columns, so only
// C_TRANS stores need a column bound; rows past M are computed from row M-1 and not stored.

#include "conv_cpu_shared.h"

#define MODE_ROWS 0
#define MODE_TRANS 1
#define MODE_PANEL 2
#define MODE_NCHW 3

#ifndef VW
#define VW 16          // columns per work-item: 16 or 32 (one or two float16 vectors)
#endif
#ifndef RM
#define RM 8           // rows per work-item (register block height)
#endif
#ifndef APW
#define APW 16         // panel width of A in A_PANEL mode
#endif
#ifndef A_MODE
#define A_MODE MODE_ROWS
#endif
#ifndef B_MODE
#define B_MODE MODE_PANEL
#endif
#ifndef C_MODE
#define C_MODE MODE_NCHW
#endif
#define NV (VW / 16)

// Global size: [ceil(N / VW), ceil(M / RM)].
__kernel void gemm_cpu(const int M, const int N, const int K,
                       __global const float* restrict A, const int offA, const int lda,
                       __global const float* restrict B, const int offB, const int P,
                       __global float* restrict C, const int offC, const int ldc,
                       __global const float* restrict bias, const int hasBias) {
    const int n0 = get_global_id(0) * VW;
    const int m0 = get_global_id(1) * RM;
    if (n0 >= N || m0 >= M) return;
    A += offA;
    B += offB;
    C += offC;

    // Row offsets of A, clamped so rows past M read valid memory (their results are dropped).
    int aRow[RM];
    #pragma unroll
    for (int i = 0; i < RM; i++) {
        const int m = min(m0 + i, M - 1);
#if A_MODE == MODE_ROWS
        aRow[i] = m * lda;
#elif A_MODE == MODE_TRANS
        aRow[i] = m;
#else
        aRow[i] = m * APW;
#endif
    }
#if B_MODE == MODE_PANEL
    __global const float* b = B + (size_t)(n0 / VW) * K * VW;
    const int bStep = VW;
#else
    __global const float* b = B + (size_t)(n0 / P) * K * P + n0 % P;
    const int bStep = P;
#endif

    float16 acc[RM][NV];
    ZERO_BLOCK(acc, RM, NV)

    for (int k = 0; k < K; k++) {
        float16 bv[NV];
        #pragma unroll
        for (int j = 0; j < NV; j++) bv[j] = vload16(j, b);
        b += bStep;
#if A_MODE == MODE_ROWS
        __global const float* a = A + k;
#elif A_MODE == MODE_TRANS
        __global const float* a = A + (size_t)k * lda;
#else
        __global const float* a = A + (size_t)(k / APW) * lda * APW + k % APW;
#endif
        #pragma unroll
        for (int i = 0; i < RM; i++) {
            const float16 av = (float16)(a[aRow[i]]);
            FMA_ROW(acc[i], av, bv, NV)
        }
    }

    #pragma unroll
    for (int i = 0; i < RM; i++) {
        const int m = m0 + i;
        if (m >= M) break;
#if C_MODE == MODE_NCHW
        const float16 shift = (float16)(hasBias ? bias[m] : 0.0f);
        __global float* c = C + ((size_t)(n0 / P) * M + m) * P + n0 % P;
        #pragma unroll
        for (int j = 0; j < NV; j++) vstore16(acc[i][j] + shift, j, c);
#elif C_MODE == MODE_PANEL
        __global float* c = C + ((size_t)(n0 / VW) * M + m) * VW;
        #pragma unroll
        for (int j = 0; j < NV; j++) vstore16(acc[i][j], j, c);
#else
        float lanes[VW];
        #pragma unroll
        for (int j = 0; j < NV; j++) vstore16(acc[i][j], j, lanes);
        for (int t = 0; t < VW && n0 + t < N; t++) C[(size_t)(n0 + t) * ldc + m] += lanes[t];
#endif
    }
}

// x: [B, C, H, W] (chunk start added through offX) -> col panels [ceil(B*P / VW)][C*F*F][VW],
// column n = b*P + oy*W2 + ox, row = c*F*F + ky*F + kx; columns past B*P are never read.
// One work-item per input plane (b, c) writes that plane's F*F rows: it reads a plane that
// stays in cache, and its loops carry no divisions. Global size: [B*C].
inline size_t panel_index(int row, int n, int rows) {
    return ((size_t)(n / VW) * rows + row) * VW + n % VW;
}

__kernel void im2col_panels(__global const float* restrict x, const int offX,
                            const int C, const int H, const int W, const int F,
                            const int stride, const int pad, const int dilation,
                            const int H2, const int W2, const int B,
                            __global float* restrict col) {
    const int plane = get_global_id(0);
    if (plane >= B * C) return;
    const int b = plane / C, c = plane % C;
    const int rows = C * F * F, P = H2 * W2;
    const bool rowsInPanel = VW % W2 == 0;
    __global const float* source = x + offX + (size_t)plane * H * W;
    for (int ky = 0; ky < F; ky++) {
        for (int kx = 0; kx < F; kx++) {
            const int row = (c * F + ky) * F + kx;
            // Output columns ox in [lo, hi) read inside the row; the rest read padding.
            const int shift = kx * dilation - pad;
            const int lo = clamp(CEIL_DIV(-shift, stride), 0, W2);
            const int hi = clamp(CEIL_DIV(W - shift, stride), lo, W2);
            for (int oy = 0; oy < H2; oy++) {
                const int iy = oy * stride - pad + ky * dilation;
                const bool rowInside = iy >= 0 && iy < H;
                const int n0 = b * P + oy * W2;
                if (rowsInPanel) {
                    // The whole output row lies in one panel: a contiguous run of lanes.
                    __global float* out = col + panel_index(row, n0, rows);
                    if (!rowInside) { for (int ox = 0; ox < W2; ox++) out[ox] = 0.0f; continue; }
                    __global const float* in = source + iy * W + shift;
                    for (int ox = 0; ox < lo; ox++) out[ox] = 0.0f;
                    if (stride == 1) {   // a plain copy, which the compiler vectorises
                        for (int ox = lo; ox < hi; ox++) out[ox] = in[ox];
                    } else {
                        for (int ox = lo; ox < hi; ox++) out[ox] = in[ox * stride];
                    }
                    for (int ox = hi; ox < W2; ox++) out[ox] = 0.0f;
                    continue;
                }
                for (int ox = 0; ox < W2; ox++) {
                    const int ix = ox * stride + shift;
                    col[panel_index(row, n0 + ox, rows)] = rowInside && ix >= 0 && ix < W ? source[iy * W + ix] : 0.0f;
                }
            }
        }
    }
}

// The adjoint of im2col_panels: one work-item per input plane zeroes its gradient and adds
// every column entry that read it, in a fixed order (deterministic, no atomics).
// dx is overwritten. Global size: [B*C].
__kernel void col2im_panels(__global const float* restrict col,
                            const int C, const int H, const int W, const int F,
                            const int stride, const int pad, const int dilation,
                            const int H2, const int W2, const int B,
                            __global float* restrict dx, const int offX) {
    const int plane = get_global_id(0);
    if (plane >= B * C) return;
    const int b = plane / C, c = plane % C;
    const int rows = C * F * F, P = H2 * W2;
    const bool rowsInPanel = VW % W2 == 0;
    __global float* target = dx + offX + (size_t)plane * H * W;
    for (int i = 0; i < H * W; i++) target[i] = 0.0f;
    for (int ky = 0; ky < F; ky++) {
        for (int kx = 0; kx < F; kx++) {
            const int row = (c * F + ky) * F + kx;
            const int shift = kx * dilation - pad;
            const int lo = clamp(CEIL_DIV(-shift, stride), 0, W2);
            const int hi = clamp(CEIL_DIV(W - shift, stride), lo, W2);
            for (int oy = 0; oy < H2; oy++) {
                const int iy = oy * stride - pad + ky * dilation;
                if (iy < 0 || iy >= H) continue;
                const int n0 = b * P + oy * W2;
                __global float* out = target + iy * W + shift;
                if (rowsInPanel) {
                    __global const float* in = col + panel_index(row, n0, rows);
                    if (stride == 1) {
                        for (int ox = lo; ox < hi; ox++) out[ox] += in[ox];
                    } else {
                        for (int ox = lo; ox < hi; ox++) out[ox * stride] += in[ox];
                    }
                } else {
                    for (int ox = lo; ox < hi; ox++) out[ox * stride] += col[panel_index(row, n0 + ox, rows)];
                }
            }
        }
    }
}

// dy [B][K][P] -> panels [ceil(K / VW)][B*P][VW] of dy transposed (lane = channel), zeros
// for channels past K: the B operand of the weight gradient. One work-item per (image, panel)
// transposes a VW x P block, reading each channel's row in order (twice as fast on PoCL as
// writing in order for 1024-pixel planes). Global size: [B, ceil(K / VW)].
__kernel void nchw_to_channel_panels(__global const float* restrict dy, const int offY,
                                     const int K, const int P, const int B,
                                     __global float* restrict panels) {
    const int b = get_global_id(0), panel = get_global_id(1);
    if (b >= B) return;
    __global const float* source = dy + offY + ((size_t)b * K + panel * VW) * P;
    __global float* out = panels + ((size_t)panel * B * P + (size_t)b * P) * VW;
    const int lanes = min(VW, K - panel * VW);
    for (int t = 0; t < VW; t++) {
        if (t < lanes) {
            for (int p = 0; p < P; p++) out[p * VW + t] = source[t * P + p];
        } else {
            for (int p = 0; p < P; p++) out[p * VW + t] = 0.0f;
        }
    }
}
