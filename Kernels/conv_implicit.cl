// Implicit-GEMM convolution for CPU devices (stride 1): the products read their operands
// straight from a zero-padded copy of the input, so no unfolded columns are written or read.
//
// Why: im2col multiplies the data by F*F (25 for 5x5 windows). On PoCL the columns of
// cifar10-quick cost more memory traffic than the arithmetic (im2col and col2im were a quarter
// of a training step). A work-item of the forward product walks (c, ky, kx) and loads each
// 16-lane vector of outputs' inputs from one to four row segments of the padded plane, which
// stay in L1 while it works.
//
// Three uses of two kernels (the host computes the padded copies and the flipped weights):
//   forward:          y  = conv(pad(x, padding), W)                            conv_implicit_forward
//   input gradient:   dx = conv(pad(dy, dilation*(F-1) - padding), flip(W)^T)    conv_implicit_forward
//   weight gradient:  dW += dy * unfold(pad(x))^T, as dot products along the outputs  conv_implicit_weight_gradient
// where flip(W)^T[c][f][ky][kx] = W[f][c][F-1-ky][F-1-kx] (stride 1 makes the input gradient
// a convolution too).
//
// Compile-time shape: KS (window F), DIL (dilation), OUT_W (width of the plane the forward
// kernel writes: 4, 8 or a multiple of 16), VW (outputs per work-item: 16 or 32, dividing the
// plane), RM (rows per work-item). Each 16-lane vector covers 16/SEG row segments of SEG floats.
//
// Planes of any other width (31, 15, 7, 3: a 2x2 valid convolution ahead of 3x3 ones) run the
// "rows" kernels (*_rows), compiled with WC and OUT_H defined: they compute over rows of WC
// columns, WC = OUT_W rounded up to 4, 8 or a multiple of 16, from a padded copy whose row pitch
// leaves room for the extra columns, and store only the OUT_W valid ones. Rows are numbered
// across the chunk's images (r = b*OUT_H + oy), so a vector of rows narrower than 16 may span
// two images and no rows are padded. When WC is defined, SEG follows WC and the kernels above
// are not used (the host launches the *_rows ones).

#include "conv_cpu_shared.h"

#ifndef KS
#define KS 3
#endif
#ifndef DIL
#define DIL 1
#endif
#ifndef OUT_W
#define OUT_W 16
#endif
#ifndef VW
#define VW 32
#endif
#ifndef RM
#define RM 8
#endif
#ifndef OUT_H
#define OUT_H 16
#endif
#define NV (VW / 16)
#ifdef WC
#define SEG (WC < 16 ? WC : 16)
#else
#define SEG (OUT_W < 16 ? OUT_W : 16)
#endif
#define SEGS (16 / SEG)

#if SEGS == 1
#define LOAD_LANES(src, o) vload16(0, (src) + (o)[0])
#elif SEGS == 2
#define LOAD_LANES(src, o) (float16)(vload8(0, (src) + (o)[0]), vload8(0, (src) + (o)[1]))
#elif SEGS == 4
#define LOAD_LANES(src, o) (float16)(vload4(0, (src) + (o)[0]), vload4(0, (src) + (o)[1]), \
                                     vload4(0, (src) + (o)[2]), vload4(0, (src) + (o)[3]))
#else
#error "OUT_W must be 4, 8 or a multiple of 16"
#endif

// y[b][m][p] = sum over (c, ky, kx) of w[m][(c*KS + ky)*KS + kx] * xp[b][c][oy + ky*DIL][ox + kx*DIL]
// (+ bias[m]), p = oy*OUT_W + ox, for the N = B*P outputs of a chunk; xp is [B][Cin][Hp][Wp].
// Global size: [N / VW, ceil(M / RM)].
__kernel void conv_implicit_forward(const int M, const int N, const int P, const int Cin, const int Hp, const int Wp,
                                    __global const float* restrict w, __global const float* restrict xp,
                                    __global float* restrict y, const int offY,
                                    __global const float* restrict bias, const int hasBias) {
    const int n0 = get_global_id(0) * VW;
    const int m0 = get_global_id(1) * RM;
    if (n0 >= N || m0 >= M) return;
    const int b = n0 / P, p0 = n0 % P;
    const int oy0 = p0 / OUT_W, ox0 = p0 % OUT_W;
    __global const float* xb = xp + ((size_t)b * Cin * Hp + oy0) * Wp + ox0;
    // Offset of each row segment of each 16-lane vector from the work-item's first input.
    int off[NV][SEGS];
    #pragma unroll
    for (int j = 0; j < NV; j++) {
        #pragma unroll
        for (int s = 0; s < SEGS; s++) {
            const int p = p0 + 16 * j + s * SEG;
            off[j][s] = (p / OUT_W - oy0) * Wp + (p % OUT_W - ox0);
        }
    }
    const int K = Cin * KS * KS;
    int wRow[RM];
    #pragma unroll
    for (int i = 0; i < RM; i++) wRow[i] = min(m0 + i, M - 1) * K;   // rows past M: computed, not stored

    float16 acc[RM][NV];
    ZERO_BLOCK(acc, RM, NV)
    int k = 0;
    for (int c = 0; c < Cin; c++) {
        for (int ky = 0; ky < KS; ky++) {
            __global const float* row = xb + ((size_t)c * Hp + ky * DIL) * Wp;
            #pragma unroll
            for (int kx = 0; kx < KS; kx++, k++) {
                float16 bv[NV];
                #pragma unroll
                for (int j = 0; j < NV; j++) bv[j] = LOAD_LANES(row + kx * DIL, off[j]);
                #pragma unroll
                for (int i = 0; i < RM; i++) {
                    const float16 av = (float16)(w[wRow[i] + k]);
                    FMA_ROW(acc[i], av, bv, NV)
                }
            }
        }
    }
    #pragma unroll
    for (int i = 0; i < RM; i++) {
        const int m = m0 + i;
        if (m >= M) break;
        const float16 shift = (float16)(hasBias ? bias[m] : 0.0f);
        __global float* out = y + offY + ((size_t)b * M + m) * P + p0;
        #pragma unroll
        for (int j = 0; j < NV; j++) vstore16(acc[i][j] + shift, j, out);
    }
}

// dw[f][row] += sum over the chunk's outputs n = (b, p) of dy[b][f][p] * xp(row, n), with
// xp(row, n) = xp[b][c][oy + ky*DIL][ox + kx*DIL] and row = (c*KS + ky)*KS + kx. A work-item
// holds RF filters x RR rows of dot products whose 16 lanes are 16 consecutive outputs: per
// step it loads RF vectors of dy and RR of the padded input (both contiguous rows, no
// transposed copy of dy) and reduces the lanes once at the end. rows = Cin*KS*KS.
// Global size: [ceil(rows / RR), ceil(F / RF)], row blocks first: PoCL runs consecutive
// work-groups on a core one after another, so those of one filter block reuse its dy (B*P*RF
// floats, in L2) and read the small rows of x; filter blocks first made each work-group fetch
// another filter block's dy from L3 (2-core Xeon, 256x16x16 planes at batch 256: the weight
// gradient 2.4x faster). Same sums in the same order either way.
#ifndef RF
#define RF 4
#endif
#ifndef RR
#define RR 6
#endif
__kernel void conv_implicit_weight_gradient(const int rows, const int F, const int B, const int P,
                                            const int Cin, const int Hp, const int Wp,
                                            __global const float* restrict xp, __global const float* restrict dy, const int offY,
                                            __global float* restrict dw) {
    const int f0 = get_global_id(1) * RF;   // row blocks first: see the launch order above
    const int r0 = get_global_id(0) * RR;
    if (f0 >= F || r0 >= rows) return;
    int fRow[RF], xOff[RR];
    #pragma unroll
    for (int i = 0; i < RF; i++) fRow[i] = min(f0 + i, F - 1) * P;      // past F or rows: computed, not stored
    #pragma unroll
    for (int j = 0; j < RR; j++) {
        const int r = min(r0 + j, rows - 1);
        const int c = r / (KS * KS), ky = (r / KS) % KS, kx = r % KS;
        xOff[j] = (c * Hp + ky * DIL) * Wp + kx * DIL;
    }
    // Row segments of a 16-output vector: 16 outputs start a row when OUT_W <= 16.
    int off[SEGS];
    #pragma unroll
    for (int s = 0; s < SEGS; s++) off[s] = s * Wp;
    float16 acc[RF][RR];
    ZERO_BLOCK(acc, RF, RR)
    for (int b = 0; b < B; b++) {
        __global const float* dyb = dy + offY + (size_t)b * F * P;
        __global const float* xb = xp + (size_t)b * Cin * Hp * Wp;
        for (int p0 = 0, oy = 0, ox = 0; p0 < P; p0 += 16) {
            __global const float* src = xb + oy * Wp + ox;
            float16 d[RF];
            #pragma unroll
            for (int i = 0; i < RF; i++) d[i] = vload16(0, dyb + fRow[i] + p0);
            #pragma unroll
            for (int j = 0; j < RR; j++) {
                const float16 x = LOAD_LANES(src + xOff[j], off);
                #pragma unroll
                for (int i = 0; i < RF; i++) acc[i][j] = fma(d[i], x, acc[i][j]);
            }
            ox += 16;   // the next 16 outputs: along the row, or from the start of a later row
            if (ox >= OUT_W) { oy += ox / OUT_W; ox = 0; }
        }
    }
    #pragma unroll
    for (int i = 0; i < RF; i++) {
        if (f0 + i >= F) break;
        #pragma unroll
        for (int j = 0; j < RR; j++) {
            if (r0 + j >= rows) break;
            const float8 h8 = acc[i][j].lo + acc[i][j].hi;
            const float4 h4 = h8.lo + h8.hi;
            dw[(size_t)(f0 + i) * rows + r0 + j] += h4.x + h4.y + h4.z + h4.w;
        }
    }
}

#ifdef WC
// ---- Rows kernels: planes of any width (see the top of the file). ----
#define TAIL (OUT_W % SEG)   // valid floats of a row's last segment when it is partial

// Offset in a padded [B][C][Hp][Wp] copy of computed output n = r*WC + ox: image r / OUT_H,
// row r % OUT_H, column ox; rows past the chunk's last, R-1, are read from that row.
inline int rows_offset(const int n, const int R, const int C, const int Hp, const int Wp) {
    const int r = min(n / WC, R - 1), ox = n % WC;
    return ((r / OUT_H) * C * Hp + r % OUT_H) * Wp + ox;
}

// y[b][m][oy*OUT_W + ox] as conv_implicit_forward, for the R = B*OUT_H rows of WC computed
// outputs of a chunk; columns ox >= OUT_W and rows past R are computed, not stored.
// Global size: [ceil(R*WC / VW), ceil(M / RM)].
__kernel void conv_implicit_forward_rows(const int M, const int R, const int Cin, const int Hp, const int Wp,
                                         __global const float* restrict w, __global const float* restrict xp,
                                         __global float* restrict y, const int offY,
                                         __global const float* restrict bias, const int hasBias) {
    const int n0 = get_global_id(0) * VW;
    const int m0 = get_global_id(1) * RM;
    if (n0 >= R * WC || m0 >= M) return;
    const int P = OUT_H * OUT_W;
    const int base = rows_offset(n0, R, Cin, Hp, Wp);
    __global const float* xb = xp + base;
    // Per row segment: its input offset from xb, where it is stored (-1: nowhere), its valid floats.
    int off[NV][SEGS], dst[NV][SEGS], count[NV][SEGS];
    #pragma unroll
    for (int j = 0; j < NV; j++) {
        #pragma unroll
        for (int s = 0; s < SEGS; s++) {
            const int n = n0 + 16 * j + s * SEG, r = n / WC, ox = n % WC;
            off[j][s] = rows_offset(n, R, Cin, Hp, Wp) - base;
            dst[j][s] = r < R && ox < OUT_W ? (r / OUT_H) * M * P + (r % OUT_H) * OUT_W + ox : -1;
            count[j][s] = ox + SEG <= OUT_W ? SEG : TAIL;
        }
    }
    const int K = Cin * KS * KS;
    int wRow[RM];
    #pragma unroll
    for (int i = 0; i < RM; i++) wRow[i] = min(m0 + i, M - 1) * K;   // rows past M: computed, not stored

    float16 acc[RM][NV];
    ZERO_BLOCK(acc, RM, NV)
    int k = 0;
    for (int c = 0; c < Cin; c++) {
        for (int ky = 0; ky < KS; ky++) {
            __global const float* row = xb + ((size_t)c * Hp + ky * DIL) * Wp;
            #pragma unroll
            for (int kx = 0; kx < KS; kx++, k++) {
                float16 bv[NV];
                #pragma unroll
                for (int j = 0; j < NV; j++) bv[j] = LOAD_LANES(row + kx * DIL, off[j]);
                #pragma unroll
                for (int i = 0; i < RM; i++) {
                    const float16 av = (float16)(w[wRow[i] + k]);
                    FMA_ROW(acc[i], av, bv, NV)
                }
            }
        }
    }
    #pragma unroll
    for (int i = 0; i < RM; i++) {
        const int m = m0 + i;
        if (m >= M) break;
        const float shift = hasBias ? bias[m] : 0.0f;
        __global float* out = y + offY + (size_t)m * P;
        #pragma unroll
        for (int j = 0; j < NV; j++) {
            float lanes[16];
            vstore16(acc[i][j], 0, lanes);
            #pragma unroll
            for (int s = 0; s < SEGS; s++) {
                if (dst[j][s] < 0) continue;
                __global float* o = out + dst[j][s];
                #pragma unroll
                for (int l = 0; l < SEG; l++) {
                    if (l < count[j][s]) o[l] = lanes[s * SEG + l] + shift;
                }
            }
        }
    }
}

// dw[f][row] += sum over the chunk's outputs of dy * xp(row, output), as
// conv_implicit_weight_gradient, over the rows of WC computed outputs. dy is read from its
// padded copy dyp ([B][F][Hq][Wq], dy[b][f][oy][ox] at row g + oy, column g + ox), whose zeros
// at columns OUT_W..WC-1 of each row (Wq >= g + WC) cancel the computed columns past the plane;
// lanes past the chunk's last row are masked. Global size: [ceil(rows / RR), ceil(F / RF)].
__kernel void conv_implicit_weight_gradient_rows(const int rows, const int F, const int R,
                                                 const int Cin, const int Hp, const int Wp,
                                                 __global const float* restrict xp,
                                                 __global const float* restrict dyp, const int Hq, const int Wq, const int g,
                                                 __global float* restrict dw) {
    const int f0 = get_global_id(1) * RF;   // row blocks first: see the launch order above
    const int r0 = get_global_id(0) * RR;
    if (f0 >= F || r0 >= rows) return;
    int fOff[RF], xOff[RR];
    #pragma unroll
    for (int i = 0; i < RF; i++) fOff[i] = min(f0 + i, F - 1) * Hq * Wq + g * Wq + g;   // past F or rows: computed, not stored
    #pragma unroll
    for (int j = 0; j < RR; j++) {
        const int r = min(r0 + j, rows - 1);
        const int c = r / (KS * KS), ky = (r / KS) % KS, kx = r % KS;
        xOff[j] = (c * Hp + ky * DIL) * Wp + kx * DIL;
    }
    float16 acc[RF][RR];
    ZERO_BLOCK(acc, RF, RR)
    const int N = R * WC;
    for (int n = 0; n < N; n += 16) {
        int xo[SEGS], dO[SEGS];
        #pragma unroll
        for (int s = 0; s < SEGS; s++) {
            xo[s] = rows_offset(n + s * SEG, R, Cin, Hp, Wp);
            dO[s] = rows_offset(n + s * SEG, R, F, Hq, Wq);
        }
        float16 d[RF];
        #pragma unroll
        for (int i = 0; i < RF; i++) d[i] = LOAD_LANES(dyp + fOff[i], dO);
        if (n + 16 > N) {   // the last vector of rows, partly past the chunk: lanes of those rows count zero
            float keep[16];
            #pragma unroll
            for (int l = 0; l < 16; l++) keep[l] = n + l < N ? 1.0f : 0.0f;
            const float16 mask = vload16(0, keep);
            #pragma unroll
            for (int i = 0; i < RF; i++) d[i] *= mask;
        }
        #pragma unroll
        for (int j = 0; j < RR; j++) {
            const float16 x = LOAD_LANES(xp + xOff[j], xo);
            #pragma unroll
            for (int i = 0; i < RF; i++) acc[i][j] = fma(d[i], x, acc[i][j]);
        }
    }
    #pragma unroll
    for (int i = 0; i < RF; i++) {
        if (f0 + i >= F) break;
        #pragma unroll
        for (int j = 0; j < RR; j++) {
            if (r0 + j >= rows) break;
            const float8 h8 = acc[i][j].lo + acc[i][j].hi;
            const float4 h4 = h8.lo + h8.hi;
            dw[(size_t)(f0 + i) * rows + r0 + j] += h4.x + h4.y + h4.z + h4.w;
        }
    }
}
#endif

// wt[c][f][ky][kx] = w[f][c][KS-1-ky][KS-1-kx]: the weights of the input-gradient convolution.
// Global size: [F * C * KS * KS].
__kernel void flip_transpose_weights(__global const float* restrict w, const int F, const int C,
                                     __global float* restrict wt) {
    const int index = get_global_id(0);
    if (index >= F * C * KS * KS) return;
    const int kx = index % KS, ky = (index / KS) % KS, f = (index / (KS * KS)) % F, c = index / (KS * KS * F);
    wt[index] = w[((f * C + c) * KS + (KS - 1 - ky)) * KS + (KS - 1 - kx)];
}
