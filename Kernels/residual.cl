// The sums of a residual block (He et al. 2016): forward y = a + b (body plus shortcut), backward
// a += b (the input's gradient through the body plus the one through the shortcut).
// RES_WIDTH consecutive values a work-item as float16s, the tail one value at a time, so CPU
// devices get whole SIMD registers without PoCL's work-group vectoriser (as activation.cl).
// The host launches CEIL_DIV(total, RES_WIDTH) work-items.

#define RES_WIDTH 64

__kernel void residual_add(__global const float* a, __global const float* b, __global float* y, const int total) {
    const int base = get_global_id(0) * RES_WIDTH;
    if (base + RES_WIDTH <= total) {
        for (int v = base; v < base + RES_WIDTH; v += 16)
            vstore16(vload16(0, a + v) + vload16(0, b + v), 0, y + v);
    } else {
        for (int i = base; i < total; ++i) y[i] = a[i] + b[i];
    }
}

__kernel void residual_accumulate(__global float* a, __global const float* b, const int total) {
    const int base = get_global_id(0) * RES_WIDTH;
    if (base + RES_WIDTH <= total) {
        for (int v = base; v < base + RES_WIDTH; v += 16)
            vstore16(vload16(0, a + v) + vload16(0, b + v), 0, a + v);
    } else {
        for (int i = base; i < total; ++i) a[i] += b[i];
    }
}
