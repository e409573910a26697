// Element-wise helpers used across the trainer: fills, scaled additions, copies.

__kernel void fill_f32(__global float* x, const float value, const int n) {
    int i = get_global_id(0);
    if (i < n) x[i] = value;
}

// y = alpha * x + y
__kernel void axpy_f32(const int n, const float alpha, __global const float* x, __global float* y) {
    int i = get_global_id(0);
    if (i < n) y[i] += alpha * x[i];
}

// y = alpha * x
__kernel void scale_f32(const int n, const float alpha, __global const float* x, __global float* y) {
    int i = get_global_id(0);
    if (i < n) y[i] = alpha * x[i];
}

// Mirrors each row of an NCHW batch left to right (test-time augmentation with flips).
// rows = N * C * H; one work-item per element.
__kernel void flip_horizontal_f32(__global const float* x, __global float* y, const int rows, const int width) {
    int i = get_global_id(0);
    if (i >= rows * width) return;
    int row = i / width, column = i - row * width;
    y[i] = x[row * width + (width - 1 - column)];
}
