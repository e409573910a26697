// The patch-whitening layer (Layers' Whitening): a frozen P x P convolution, stride 1, with bias.
//
// x (N, C, in_h, in_w), weight (K, C, P, P), bias (K), y (N, K, out_h, out_w). Output pixel
// (oh, ow) reads the window whose top-left input pixel is (oh, ow); pixels past the bottom or
// right edge read 0 (only `same: true` has such windows: out_h = in_h there, in_h - P + 1
// otherwise). The layer is tiny (K = 2 C P P, P = 2 in airbench); the gradient kernel is one
// work-item per element, deterministic and without atomics. No weight gradient: the filters
// are frozen.

#define WHITEN_GEOMETRY const int channels, const int in_h, const int in_w, const int filters, \
                        const int out_h, const int out_w, const int size

// The forward kernel's channels C and patch side P: compile-time, so the window loops unroll
// and the input vectors live in registers (the host passes the layer's with -D).
#ifndef WHITEN_CHANNELS
#define WHITEN_CHANNELS 3
#endif
#ifndef WHITEN_SIZE
#define WHITEN_SIZE 2
#endif
#define WHITEN_FILTERS (2 * WHITEN_CHANNELS * WHITEN_SIZE * WHITEN_SIZE)
// Output columns per work-item: one float16.
#define WHITEN_LANES 16

// Input row r's 16 values from column `start`: zeros past the right edge, and the whole vector
// past the bottom edge (the `same: true` windows there). Only edge vectors take the masked path.
inline float16 whiten_load16(__global const float* plane, const int r, const int start, const int in_h,
                             const int in_w) {
    if (r >= in_h) return (float16)(0.0f);
    __global const float* row = plane + r * in_w;
    if (start + WHITEN_LANES <= in_w) return vload16(0, row + start);
    float lanes[WHITEN_LANES];
    for (int l = 0; l < WHITEN_LANES; ++l) lanes[l] = start + l < in_w ? row[start + l] : 0.0f;
    return vload16(0, lanes);
}

// y = conv(x, weight) + bias: one work-item per (image, output row, 16 output columns), every
// filter. The C P P shifted input vectors are loaded once and reused by all 2 C P P filters, so
// the work is vector FMAs with a broadcast weight; no divisions or data-dependent loops per
// value (PoCL, 2 Xeon cores, 256 CIFAR images: 96 ms -> 3.7 ms). rows = N out_h work-item rows.
__kernel void whiten_forward(__global const float* restrict x, __global const float* restrict weight,
                             __global const float* restrict bias, __global float* restrict y,
                             const int rows, const int in_h, const int in_w, const int out_h, const int out_w) {
    const int blocks = CEIL_DIV(out_w, WHITEN_LANES);
    const int index = get_global_id(0);
    if (index >= rows * blocks) return;
    const int ow = (index % blocks) * WHITEN_LANES;
    const int oh = (index / blocks) % out_h;
    const int n = index / (blocks * out_h);
    // Fully unrolled, so the window array lives in registers (PoCL keeps loops of 2 or 3).
    float16 window[WHITEN_CHANNELS][WHITEN_SIZE][WHITEN_SIZE];
    __attribute__((opencl_unroll_hint))
    for (int c = 0; c < WHITEN_CHANNELS; ++c) {
        __global const float* plane = x + ((size_t)n * WHITEN_CHANNELS + c) * in_h * in_w;
        __attribute__((opencl_unroll_hint))
        for (int i = 0; i < WHITEN_SIZE; ++i) {
            __attribute__((opencl_unroll_hint))
            for (int j = 0; j < WHITEN_SIZE; ++j) window[c][i][j] = whiten_load16(plane, oh + i, ow + j, in_h, in_w);
        }
    }
    __global float* out = y + ((size_t)n * WHITEN_FILTERS * out_h + oh) * out_w + ow;
    const int lanes = min(WHITEN_LANES, out_w - ow);
    for (int k = 0; k < WHITEN_FILTERS; ++k) {
        __global const float* w = weight + k * WHITEN_CHANNELS * WHITEN_SIZE * WHITEN_SIZE;
        float16 sum = (float16)(bias[k]);
        __attribute__((opencl_unroll_hint))
        for (int c = 0; c < WHITEN_CHANNELS; ++c) {
            __attribute__((opencl_unroll_hint))
            for (int i = 0; i < WHITEN_SIZE; ++i) {
                __attribute__((opencl_unroll_hint))
                for (int j = 0; j < WHITEN_SIZE; ++j) {
                    sum = fma((float16)(w[(c * WHITEN_SIZE + i) * WHITEN_SIZE + j]), window[c][i][j], sum);
                }
            }
        }
        __global float* o = out + (size_t)k * out_h * out_w;
        if (lanes == WHITEN_LANES) {
            vstore16(sum, 0, o);
        } else {
            float values[WHITEN_LANES];
            vstore16(sum, 0, values);
            for (int l = 0; l < lanes; ++l) o[l] = values[l];
        }
    }
}

// dx (=) = the transposed correlation of dy with the filters: every output whose window
// holds input pixel (h, w), one work-item per input element.
__kernel void whiten_input_gradient(__global const float* restrict dy, __global const float* restrict weight,
                                    __global float* restrict dx, const int total, WHITEN_GEOMETRY) {
    const int index = get_global_id(0);
    if (index >= total) return;
    const int w = index % in_w;
    const int h = (index / in_w) % in_h;
    const int c = (index / (in_w * in_h)) % channels;
    const int n = index / (in_w * in_h * channels);
    // Window offsets (i, j) with output (h - i, w - j) inside the output.
    const int i0 = max(0, h - out_h + 1), i1 = min(size - 1, h);
    const int j0 = max(0, w - out_w + 1), j1 = min(size - 1, w);
    float sum = 0.0f;
    for (int k = 0; k < filters; ++k) {
        __global const float* g = dy + ((size_t)n * filters + k) * out_h * out_w;
        __global const float* f = weight + ((size_t)k * channels + c) * size * size;
        for (int i = i0; i <= i1; ++i) {
            for (int j = j0; j <= j1; ++j) sum += f[i * size + j] * g[(h - i) * out_w + (w - j)];
        }
    }
    dx[index] = sum;
}

// db[k] += the sum of dy[n][k] over the batch and the plane's out_h out_w pixels, one work-item
// per filter walking its planes in order, 16 values at a time (KernelStyle per-plane, CPUs).
// conv.cl's bias_gradient, a work-group of 64 with a division per value, takes ~20 ms for 256
// CIFAR images on PoCL; GPUs keep it.
__kernel void whiten_bias_gradient_planes(__global const float* restrict dy, __global float* restrict db,
                                          const int filters, const int plane, const int batch) {
    const int k = get_global_id(0);
    if (k >= filters) return;
    float16 sums = (float16)(0.0f);
    float sum = 0.0f;
    for (int n = 0; n < batch; ++n) {
        __global const float* g = dy + ((size_t)n * filters + k) * plane;
        int p = 0;
        for (; p + WHITEN_LANES <= plane; p += WHITEN_LANES) sums += vload16(0, g + p);
        for (; p < plane; ++p) sum += g[p];
    }
    const float8 a = sums.lo + sums.hi;
    const float4 b = a.lo + a.hi;
    db[k] += sum + (b.x + b.y) + (b.z + b.w);
}
