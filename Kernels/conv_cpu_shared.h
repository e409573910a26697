// What the CPU convolution products (conv_cpu.cl, conv_implicit.cl, conv_channels.cl) share:
// the register-blocked multiply-adds of their inner loops, and the two helper kernels every
// one of them launches (pad_planes, bias_gradient_rows), so that each file's program holds
// all it needs. Each of them includes this header (the host pastes it in place).
#ifndef CONVEYOR_CONV_CPU_SHARED_H
#define CONVEYOR_CONV_CPU_SHARED_H

// acc[i][j] = 0 for i < ROWS, j < COLS: a block of float16 accumulators.
#define ZERO_BLOCK(acc, ROWS, COLS)                                                    \
    _Pragma("unroll") for (int zero_i = 0; zero_i < (ROWS); zero_i++) {               \
        _Pragma("unroll") for (int zero_j = 0; zero_j < (COLS); zero_j++)             \
            (acc)[zero_i][zero_j] = (float16)(0.0f);                                   \
    }

// row[j] = fma(a, b[j], row[j]) for j < COLS: one float16 (a broadcast value or a vector)
// times a row of COLS vectors, added to a row of accumulators in registers. One fma per
// accumulator and step, so a product's sums keep their order whatever the blocking.
#define FMA_ROW(row, a, b, COLS)                                                       \
    _Pragma("unroll") for (int fma_j = 0; fma_j < (COLS); fma_j++)                    \
        (row)[fma_j] = fma((a), (b)[fma_j], (row)[fma_j]);

// dst[plane][pad + y][pad + x] = src[plane][y][x] with zeros around: [planes][Hp][Wp], where
// Hp >= H + 2pad and Wp >= W + 2pad (the rows kernels want wider rows; the extra columns and
// rows, right and below, are zeros too). One work-item per plane. Global size: [planes].
__kernel void pad_planes(__global const float* restrict src, const int offSrc, const int planes,
                         const int H, const int W, const int pad, const int Hp, const int Wp, __global float* restrict dst) {
    const int plane = get_global_id(0);
    if (plane >= planes) return;
    __global const float* in = src + offSrc + (size_t)plane * H * W;
    __global float* out = dst + (size_t)plane * Hp * Wp;
    for (int i = 0; i < pad * Wp; i++) out[i] = 0.0f;
    for (int y = 0; y < H; y++) {
        __global float* row = out + (pad + y) * Wp;
        for (int x = 0; x < pad; x++) row[x] = 0.0f;
        for (int x = 0; x < W; x++) row[pad + x] = in[y * W + x];
        for (int x = pad + W; x < Wp; x++) row[x] = 0.0f;
    }
    for (int i = (pad + H) * Wp; i < Hp * Wp; i++) out[i] = 0.0f;
}

// db[k] += sum over b, p of dy[b][k][p]: one work-item per filter reading its rows in order
// (the local-memory reduction of conv.cl divides per element and pays for barriers on CPUs).
// Global size: [K].
__kernel void bias_gradient_rows(__global const float* restrict dy, const int K, const int P, const int B,
                                 __global float* db) {
    const int k = get_global_id(0);
    if (k >= K) return;
    // Sixteen partial sums: one chain of dependent additions would wait on each add's latency.
    float16 partial = (float16)(0.0f);
    float sum = 0.0f;
    for (int b = 0; b < B; b++) {
        __global const float* row = dy + ((size_t)b * K + k) * P;
        int p = 0;
        for (; p + 16 <= P; p += 16) partial += vload16(0, row + p);
        for (; p < P; p++) sum += row[p];
    }
    const float8 half8 = partial.lo + partial.hi;
    const float4 half4 = half8.lo + half8.hi;
    db[k] += sum + (half4.x + half4.y + half4.z + half4.w);
}

#endif
