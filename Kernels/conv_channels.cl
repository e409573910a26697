// Convolution products for CPU devices with the 16 lanes of a vector along the filters
// (stride 1, groups 1): the cpu-channels algorithm.
//
// Why: cpu-implicit puts 16 neighbouring outputs of one filter in a vector, so a plane of 8x8
// or 4x4 pixels fills a vector from 2 or 4 row segments and its weight gradient reduces lanes
// of 16-pixel rows. Here a vector holds one pixel's 16 filters: each step loads MB vectors of
// weights (contiguous, packed by pack_filter_vectors) and multiplies them with single input
// values broadcast to all lanes, for a block of PY x PX output pixels. Any plane shape works
// the same way, and small planes with many channels (cifar10-fast's 256 channels on 8x8 and
// 4x4) get full vectors. The lanes of a result are 16 filters of one pixel, so stores are
// strided (16 per vector), which is little next to the Cin*KS*KS multiply-adds behind each.
//
// Three uses, as in conv_implicit.cl (the host pads the input and the output gradient with
// pad_planes of conv_cpu_shared.h):
//   forward:          y  = conv(pad(x, padding), W)                           conv_channels_forward
//   input gradient:   dx = conv(pad(dy, dilation*(F-1) - padding), flip(W)^T)   conv_channels_forward
//   weight gradient:  dW += sum over outputs of dy (16 filters a vector) x pad(x)  conv_channels_weight_gradient
//
// Compile-time shape: KS (window), DIL (dilation), WP (row pitch of the padded planes read),
// OW and OH (the plane written), PX x PY (output pixels per work-item), MB (16-filter vectors
// per work-item), CB and KR (input channels and window rows per work-item of the weight gradient).

#ifndef KS
#define KS 3
#endif
#ifndef DIL
#define DIL 1
#endif
#ifndef WP
#define WP 10
#endif
#ifndef OW
#define OW 8
#endif
#ifndef OH
#define OH 8
#endif
#ifndef PX
#define PX 8
#endif
#ifndef PY
#define PY 1
#endif
#ifndef MB
#define MB 2
#endif
#ifndef CB
#define CB 1
#endif
#define KK (KS * KS)
#define PIXELS (PY * PX)

#include "conv_cpu_shared.h"

// out[((mb*C + c)*KK + k)*16 + l] = W(mb*16 + l, c, k), 0 for filters past M, where
// transposed = 0: W(m, c, k) = w[(m*C + c)*KK + k] (M filters of C channels: forward);
// transposed = 1: W(m, c, k) = w[(c*M + m)*KK + KK-1-k] (w holds C filters of M channels: the
// flipped, transposed weights of the input gradient). One work-item per packed float.
__kernel void pack_filter_vectors(__global const float* restrict w, const int M, const int C, const int transposed,
                                  const int total, __global float* restrict out) {
    const int i = get_global_id(0);
    if (i >= total) return;
    const int l = i % 16, k = (i / 16) % KK, c = (i / (16 * KK)) % C, mb = i / (16 * KK * C);
    const int m = mb * 16 + l;
    float v = 0.0f;
    if (m < M) v = transposed ? w[((size_t)c * M + m) * KK + KK - 1 - k] : w[((size_t)m * C + c) * KK + k];
    out[i] = v;
}

// y[b][m][oy][ox] = sum over (c, ky, kx) of W[m][c][ky][kx] * xp[b][c][oy + ky*DIL][ox + kx*DIL]
// (+ bias[m]) for a block of PY x PX pixels of one image and MB*16 filters. xp planes are
// `plane` floats apart, rows WP apart; a block past the plane's right or bottom edge computes
// from the following floats (the host leaves room after the last plane) and stores nothing there.
// Global size: [images * blocksPerImage, ceil(M / 16 / MB)], blocks of one image in row order.
__kernel void conv_channels_forward(const int M, const int Cin, const int plane, const int blocksX, const int blocksPerImage,
                                    __global const float* restrict wpk, __global const float* restrict xp,
                                    __global float* restrict y, const int offY,
                                    __global const float* restrict bias, const int hasBias) {
    const int block = get_global_id(0) % blocksPerImage, b = get_global_id(0) / blocksPerImage;
    const int vectors = (M + 15) / 16;
    const int v0 = get_global_id(1) * MB;
    if (v0 >= vectors) return;
    const int oy0 = block / blocksX * PY, ox0 = block % blocksX * PX;
    __global const float* xb = xp + (size_t)b * Cin * plane + oy0 * WP + ox0;
    __global const float* wv[MB];
    #pragma unroll
    for (int j = 0; j < MB; j++) wv[j] = wpk + (size_t)min(v0 + j, vectors - 1) * Cin * KK * 16;   // past M: computed, not stored

    float16 acc[PIXELS][MB];
    ZERO_BLOCK(acc, PIXELS, MB)
    for (int c = 0; c < Cin; c++) {
        __global const float* xc = xb + (size_t)c * plane;
        #pragma unroll
        for (int k = 0; k < KK; k++) {
            float16 w[MB];
            #pragma unroll
            for (int j = 0; j < MB; j++) w[j] = vload16(k, wv[j] + (size_t)c * KK * 16);
            const int at = (k / KS) * DIL * WP + (k % KS) * DIL;
            #pragma unroll
            for (int p = 0; p < PIXELS; p++) {
                const float16 x = (float16)(xc[at + (p / PX) * WP + p % PX]);
                FMA_ROW(acc[p], x, w, MB)
            }
        }
    }
    const int P = OH * OW;
    #pragma unroll
    for (int j = 0; j < MB; j++) {
        const int m0 = (v0 + j) * 16;
        if (m0 >= M) break;
        float shift[16];
        for (int l = 0; l < 16; l++) shift[l] = hasBias && m0 + l < M ? bias[m0 + l] : 0.0f;
        #pragma unroll
        for (int p = 0; p < PIXELS; p++) {
            const int oy = oy0 + p / PX, ox = ox0 + p % PX;
            if (oy >= OH || ox >= OW) continue;
            float lanes[16];
            vstore16(acc[p][j], 0, lanes);
            __global float* out = y + offY + ((size_t)b * M + m0) * P + oy * OW + ox;
            for (int l = 0; l < 16 && m0 + l < M; l++) out[(size_t)l * P] = lanes[l] + shift[l];
        }
    }
}

// dyt[v][n][l] = dy[b][v*16 + l][p] for the chunk's outputs n = b*P + p, 0 for filters past M:
// the output gradient as one contiguous stream of 16-filter vectors per filter vector, as the
// weight gradient reads it (each work-item streams MB of them). One work-item per (image, vector).
__kernel void filters_last(__global const float* restrict dy, const int offY, const int M, const int P, const int vectors,
                           const int images, __global float* restrict dyt) {
    const int i = get_global_id(0);
    if (i >= images * vectors) return;
    const int v = i % vectors, b = i / vectors;
    __global const float* src = dy + offY + ((size_t)b * M + v * 16) * P;
    __global float* dst = dyt + ((size_t)v * images + b) * P * 16;
    const int lanes = min(16, M - v * 16);
    for (int p = 0; p < P; p++) {
        for (int l = 0; l < 16; l++) dst[p * 16 + l] = l < lanes ? src[(size_t)l * P + p] : 0.0f;
    }
}

// dw[m][c][ky][kx] += sum over the chunk's images b and output pixels (oy, ox) of
// dyt[m / 16][(b, oy, ox)][m % 16] * xp[b][c][oy + ky*DIL][ox + kx*DIL], for MB*16 filters (the
// lanes), CB channels and KR rows of the window (all KS columns) per work-item, pixel after
// pixel (the same order for every blocking). Global size: [ceil(Cin / CB) * ceil(KS / KR),
// ceil(vectors / MB)], channel blocks first: PoCL runs consecutive work-groups on a core one
// after another, so they share one filter block's dyt.
#ifndef KR
#define KR KS
#endif
#define ROW_BLOCKS ((KS + KR - 1) / KR)
__kernel void conv_channels_weight_gradient(const int M, const int Cin, const int B, const int plane,
                                            __global const float* restrict xp, __global const float* restrict dyt,
                                            __global float* restrict dw) {
    const int c0 = get_global_id(0) / ROW_BLOCKS * CB, ky0 = get_global_id(0) % ROW_BLOCKS * KR;
    const int vectors = (M + 15) / 16;
    const int v0 = get_global_id(1) * MB;
    if (c0 >= Cin || v0 >= vectors) return;
    int xOff[CB][KR];   // past Cin or the window: computed, not stored
    #pragma unroll
    for (int i = 0; i < CB; i++) {
        #pragma unroll
        for (int r = 0; r < KR; r++) xOff[i][r] = min(c0 + i, Cin - 1) * plane + min(ky0 + r, KS - 1) * DIL * WP;
    }
    __global const float* dv[MB];   // the filter vectors' streams of B*OH*OW outputs
    #pragma unroll
    for (int j = 0; j < MB; j++) dv[j] = dyt + (size_t)min(v0 + j, vectors - 1) * B * OH * OW * 16;
    float16 acc[CB][KR][KS][MB];
    #pragma unroll
    for (int i = 0; i < CB; i++) {
        #pragma unroll
        for (int r = 0; r < KR; r++) {
            #pragma unroll
            for (int kx = 0; kx < KS; kx++) {
                #pragma unroll
                for (int j = 0; j < MB; j++) acc[i][r][kx][j] = (float16)(0.0f);
            }
        }
    }
    for (int b = 0, n = 0; b < B; b++) {
        __global const float* xb = xp + (size_t)b * Cin * plane;
        for (int oy = 0; oy < OH; oy++) {
            for (int ox = 0; ox < OW; ox++, n++) {
                float16 d[MB];
                #pragma unroll
                for (int j = 0; j < MB; j++) d[j] = vload16(n, dv[j]);
                __global const float* xo = xb + oy * WP + ox;
                #pragma unroll
                for (int i = 0; i < CB; i++) {
                    #pragma unroll
                    for (int r = 0; r < KR; r++) {
                        #pragma unroll
                        for (int kx = 0; kx < KS; kx++) {
                            const float16 x = (float16)(xo[xOff[i][r] + kx * DIL]);
                            FMA_ROW(acc[i][r][kx], x, d, MB)
                        }
                    }
                }
            }
        }
    }
    #pragma unroll
    for (int i = 0; i < CB; i++) {
        const int c = c0 + i;
        if (c >= Cin) break;
        #pragma unroll
        for (int r = 0; r < KR; r++) {
            if (ky0 + r >= KS) break;
            #pragma unroll
            for (int j = 0; j < MB; j++) {
                const int m0 = (v0 + j) * 16;
                if (m0 >= M) break;
                #pragma unroll
                for (int kx = 0; kx < KS; kx++) {
                    float lanes[16];
                    vstore16(acc[i][r][kx][j], 0, lanes);
                    const int k = (ky0 + r) * KS + kx;
                    for (int l = 0; l < 16 && m0 + l < M; l++) dw[((size_t)(m0 + l) * Cin + c) * KK + k] += lanes[l];
                }
            }
        }
    }
}
