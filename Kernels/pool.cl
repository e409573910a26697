// Pooling over NCHW float32 batches: max, average (count_include_pad) and global average.
//
// Max and average pooling come in two styles (Layers' KernelStyle), both deterministic and
// without atomics:
// - per element (GPUs): one work-item per output in forward; in backward one work-item per
//   input pixel gathers from every window that contains it;
// - per plane (CPUs, the *_planes kernels): one work-item per (n, c) plane walks its outputs in
//   order; backward zeroes the plane's input gradient and scatters each output's gradient into
//   its window. PoCL runs the per-element kernels' data-dependent loops one pixel at a time
//   with divisions per pixel; per plane is 10-30x faster there (3x3/2 max pooling backward of
//   100x32x32x32: 24 ms per pixel, 0.8 ms per plane).
// Global average pooling reduces each (n, c) plane in a work-group through local memory.

#ifndef POOL_GLOBAL_GROUP
// Work-items that reduce one (n, c) plane in global_avg_pool_forward; a power of two.
#define POOL_GLOBAL_GROUP 64
#endif

// The geometry every windowed kernel shares, as arguments in this order.
#define POOL_GEOMETRY const int channels, const int in_h, const int in_w, const int out_h, const int out_w, \
                      const int size, const int stride, const int padding

// Output rows (or columns) whose window [o*stride - padding, o*stride - padding + size) holds i.
inline int pool_first_window(int i, int size, int stride, int padding) {
    int reach = i + padding - size + 1;   // the smallest window start that still covers i
    return reach <= 0 ? 0 : CEIL_DIV(reach, stride);
}
inline int pool_last_window(int i, int stride, int padding, int out) {
    return min((i + padding) / stride, out - 1);
}

// y (N, C, out_h, out_w) = max over each window of x (N, C, in_h, in_w); padded cells are -inf.
// argmax (N, C, out_h, out_w) = the winner's index h * in_w + w within its plane, the first in
// row-major order on ties, or -1 when a window holds no input pixel.
__kernel void max_pool_forward(__global const float* x, __global float* y, __global int* argmax,
                               const int total, POOL_GEOMETRY) {
    int index = get_global_id(0);
    if (index >= total) return;
    int ow = index % out_w;
    int oh = (index / out_w) % out_h;
    int plane = index / (out_w * out_h);          // n * channels + c
    __global const float* source = x + (size_t)plane * in_h * in_w;
    int h0 = oh * stride - padding, w0 = ow * stride - padding;
    int h1 = min(h0 + size, in_h), w1 = min(w0 + size, in_w);
    float best = -INFINITY;
    int winner = -1;
    for (int h = max(h0, 0); h < h1; ++h) {
        for (int w = max(w0, 0); w < w1; ++w) {
            float value = source[h * in_w + w];
            if (value > best || winner < 0) { best = value; winner = h * in_w + w; }
        }
    }
    y[index] = best;
    argmax[index] = winner;
}

// dx (N, C, in_h, in_w) = sum of dy over the windows whose arg-max is this pixel.
__kernel void max_pool_backward(__global const float* dy, __global const int* argmax, __global float* dx,
                                const int total, POOL_GEOMETRY) {
    int index = get_global_id(0);
    if (index >= total) return;
    int w = index % in_w;
    int h = (index / in_w) % in_h;
    int plane = index / (in_w * in_h);
    int self = h * in_w + w;
    size_t base = (size_t)plane * out_h * out_w;
    int oh0 = pool_first_window(h, size, stride, padding), oh1 = pool_last_window(h, stride, padding, out_h);
    int ow0 = pool_first_window(w, size, stride, padding), ow1 = pool_last_window(w, stride, padding, out_w);
    float sum = 0.0f;
    for (int oh = oh0; oh <= oh1; ++oh) {
        for (int ow = ow0; ow <= ow1; ++ow) {
            size_t o = base + oh * out_w + ow;
            if (argmax[o] == self) sum += dy[o];
        }
    }
    dx[index] = sum;
}

// The divisor of one average window, counting padding cells (PyTorch's count_include_pad=True):
// the window clipped to the padded input, so ceil-mode windows that run past it count less.
inline int avg_pool_divisor(int o, int in, int size, int stride, int padding) {
    int start = o * stride - padding;
    return min(start + size, in + padding) - start;
}

// max_pool_forward per plane (see the top of the file). Global size: [planes].
__kernel void max_pool_forward_planes(__global const float* x, __global float* y, __global int* argmax,
                                      const int planes, POOL_GEOMETRY) {
    const int plane = get_global_id(0);
    if (plane >= planes) return;
    __global const float* source = x + (size_t)plane * in_h * in_w;
    const size_t base = (size_t)plane * out_h * out_w;
    for (int oh = 0; oh < out_h; oh++) {
        const int h0 = oh * stride - padding;
        const int hs = max(h0, 0), he = min(h0 + size, in_h);
        for (int ow = 0; ow < out_w; ow++) {
            const int w0 = ow * stride - padding;
            const int ws = max(w0, 0), we = min(w0 + size, in_w);
            // Branch-free: start from the window's first pixel and take strictly larger values
            // with selects (random data made the compare branch mispredict half the time).
            const bool empty = hs >= he || ws >= we;   // a window wholly in the padding
            int winner = empty ? -1 : hs * in_w + ws;
            float best = empty ? -INFINITY : source[winner];
            for (int h = hs; h < he; h++) {
                for (int w = ws; w < we; w++) {
                    const float value = source[h * in_w + w];
                    const bool larger = value > best;
                    best = larger ? value : best;
                    winner = larger ? h * in_w + w : winner;
                }
            }
            y[base + oh * out_w + ow] = best;
            argmax[base + oh * out_w + ow] = winner;
        }
    }
}

// max_pool_backward as a scatter per plane (see the top of the file). Global size: [planes].
__kernel void max_pool_backward_planes(__global const float* dy, __global const int* argmax, __global float* dx,
                                       const int planes, POOL_GEOMETRY) {
    const int plane = get_global_id(0);
    if (plane >= planes) return;
    __global float* target = dx + (size_t)plane * in_h * in_w;
    for (int i = 0; i < in_h * in_w; i++) target[i] = 0.0f;
    const size_t base = (size_t)plane * out_h * out_w;
    for (int o = 0; o < out_h * out_w; o++) {
        const int winner = argmax[base + o];
        if (winner >= 0) target[winner] += dy[base + o];
    }
}

// y (N, C, out_h, out_w) = sum of each window of x / its divisor.
__kernel void avg_pool_forward(__global const float* x, __global float* y, const int total, POOL_GEOMETRY) {
    int index = get_global_id(0);
    if (index >= total) return;
    int ow = index % out_w;
    int oh = (index / out_w) % out_h;
    int plane = index / (out_w * out_h);
    __global const float* source = x + (size_t)plane * in_h * in_w;
    int h0 = oh * stride - padding, w0 = ow * stride - padding;
    int h1 = min(h0 + size, in_h), w1 = min(w0 + size, in_w);
    float sum = 0.0f;
    for (int h = max(h0, 0); h < h1; ++h)
        for (int w = max(w0, 0); w < w1; ++w) sum += source[h * in_w + w];
    int divisor = avg_pool_divisor(oh, in_h, size, stride, padding) * avg_pool_divisor(ow, in_w, size, stride, padding);
    y[index] = sum / (float)divisor;
}

// dx (N, C, in_h, in_w) = sum over the windows holding the pixel of dy / divisor.
__kernel void avg_pool_backward(__global const float* dy, __global float* dx, const int total, POOL_GEOMETRY) {
    int index = get_global_id(0);
    if (index >= total) return;
    int w = index % in_w;
    int h = (index / in_w) % in_h;
    int plane = index / (in_w * in_h);
    size_t base = (size_t)plane * out_h * out_w;
    int oh0 = pool_first_window(h, size, stride, padding), oh1 = pool_last_window(h, stride, padding, out_h);
    int ow0 = pool_first_window(w, size, stride, padding), ow1 = pool_last_window(w, stride, padding, out_w);
    float sum = 0.0f;
    for (int oh = oh0; oh <= oh1; ++oh) {
        int rows = avg_pool_divisor(oh, in_h, size, stride, padding);
        for (int ow = ow0; ow <= ow1; ++ow) {
            int divisor = rows * avg_pool_divisor(ow, in_w, size, stride, padding);
            sum += dy[base + oh * out_w + ow] / (float)divisor;
        }
    }
    dx[index] = sum;
}

// avg_pool_forward per plane (see the top of the file). Global size: [planes].
__kernel void avg_pool_forward_planes(__global const float* x, __global float* y, const int planes, POOL_GEOMETRY) {
    const int plane = get_global_id(0);
    if (plane >= planes) return;
    __global const float* source = x + (size_t)plane * in_h * in_w;
    __global float* target = y + (size_t)plane * out_h * out_w;
    for (int oh = 0; oh < out_h; oh++) {
        const int h0 = oh * stride - padding;
        const int hs = max(h0, 0), he = min(h0 + size, in_h);
        const int rows = avg_pool_divisor(oh, in_h, size, stride, padding);
        for (int ow = 0; ow < out_w; ow++) {
            const int w0 = ow * stride - padding;
            const int ws = max(w0, 0), we = min(w0 + size, in_w);
            float sum = 0.0f;
            for (int h = hs; h < he; h++)
                for (int w = ws; w < we; w++) sum += source[h * in_w + w];
            target[oh * out_w + ow] = sum / (float)(rows * avg_pool_divisor(ow, in_w, size, stride, padding));
        }
    }
}

// avg_pool_backward as a scatter per plane (see the top of the file). Global size: [planes].
__kernel void avg_pool_backward_planes(__global const float* dy, __global float* dx, const int planes, POOL_GEOMETRY) {
    const int plane = get_global_id(0);
    if (plane >= planes) return;
    __global float* target = dx + (size_t)plane * in_h * in_w;
    for (int i = 0; i < in_h * in_w; i++) target[i] = 0.0f;
    __global const float* gradient = dy + (size_t)plane * out_h * out_w;
    for (int oh = 0; oh < out_h; oh++) {
        const int h0 = oh * stride - padding;
        const int hs = max(h0, 0), he = min(h0 + size, in_h);
        const int rows = avg_pool_divisor(oh, in_h, size, stride, padding);
        for (int ow = 0; ow < out_w; ow++) {
            const int w0 = ow * stride - padding;
            const int ws = max(w0, 0), we = min(w0 + size, in_w);
            const float share = gradient[oh * out_w + ow] / (float)(rows * avg_pool_divisor(ow, in_w, size, stride, padding));
            for (int h = hs; h < he; h++)
                for (int w = ws; w < we; w++) target[h * in_w + w] += share;
        }
    }
}

// y (N, C) = mean of each plane of x (N, C, plane_size); one work-group of POOL_GLOBAL_GROUP per plane.
__kernel void global_avg_pool_forward(__global const float* x, __global float* y, const int plane_size,
                                      __local float* partial) {
    int plane = get_group_id(0);
    int lid = get_local_id(0);
    __global const float* source = x + (size_t)plane * plane_size;
    float sum = 0.0f;
    for (int i = lid; i < plane_size; i += POOL_GLOBAL_GROUP) sum += source[i];
    partial[lid] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = POOL_GLOBAL_GROUP / 2; span > 0; span /= 2) {
        if (lid < span) partial[lid] += partial[lid + span];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) y[plane] = partial[0] / (float)plane_size;
}

// dx (N, C, plane_size) = dy (N, C) / plane_size.
__kernel void global_avg_pool_backward(__global const float* dy, __global float* dx, const int total,
                                       const int plane_size) {
    int index = get_global_id(0);
    if (index >= total) return;
    dx[index] = dy[index / plane_size] / (float)plane_size;
}
