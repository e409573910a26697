// The patch-whitening layer (Layers' Whitening): a frozen P x P convolution, stride 1, with bias.
//
// x (N, C, in_h, in_w), weight (K, C, P, P), bias (K), y (N, K, out_h, out_w). Output pixel
// (oh, ow) reads the window whose top-left input pixel is (oh, ow); pixels past the bottom or
// right edge read 0 (only `same: true` has such windows: out_h = in_h there, in_h - P + 1
// otherwise). The layer is tiny (K = 2 C P P, P = 2 in airbench), so every kernel is one
// work-item per element, deterministic and without atomics. No weight gradient: the filters
// are frozen.

#define WHITEN_GEOMETRY const int channels, const int in_h, const int in_w, const int filters, \
                        const int out_h, const int out_w, const int size

// y = conv(x, weight) + bias, one work-item per output element.
__kernel void whiten_forward(__global const float* restrict x, __global const float* restrict weight,
                             __global const float* restrict bias, __global float* restrict y,
                             const int total, WHITEN_GEOMETRY) {
    const int index = get_global_id(0);
    if (index >= total) return;
    const int ow = index % out_w;
    const int oh = (index / out_w) % out_h;
    const int k = (index / (out_w * out_h)) % filters;
    const int n = index / (out_w * out_h * filters);
    const int rows = min(size, in_h - oh), cols = min(size, in_w - ow);
    float sum = bias[k];
    for (int c = 0; c < channels; ++c) {
        __global const float* plane = x + ((size_t)n * channels + c) * in_h * in_w;
        __global const float* w = weight + ((size_t)k * channels + c) * size * size;
        for (int i = 0; i < rows; ++i) {
            for (int j = 0; j < cols; ++j) sum += w[i * size + j] * plane[(oh + i) * in_w + ow + j];
        }
    }
    y[index] = sum;
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
