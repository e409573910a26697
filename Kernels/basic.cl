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

// PyTorch's 'reflect' index into 0..n-1 (no repeated edge: -1 -> 1, n -> n - 2), periodic beyond.
inline int reflect_index(int i, int n) {
    if (n <= 1) return 0;
    int period = 2 * (n - 1);
    int m = i % period;
    if (m < 0) m += period;
    return m < n ? m : period - m;
}

// Translates each H x W plane of an NCHW batch by (dy, dx), content moving down and right for
// positive values, with 'reflect' padding, then mirrors left-right when mirror != 0 (test-time
// augmentation with translations): y[p][r][c] = x[p][reflect(r - dy)][reflect(c' - dx)],
// c' = W - 1 - c when mirrored, else c. planes = N * C; one work-item per output element.
__kernel void shift_reflect_f32(__global const float* x, __global float* y, const int planes, const int height,
                                const int width, const int dy, const int dx, const int mirror) {
    int i = get_global_id(0);
    if (i >= planes * height * width) return;
    int column = i % width;
    int rest = i / width;
    int row = rest % height, plane = rest / height;
    int source_column = reflect_index((mirror ? width - 1 - column : column) - dx, width);
    int source_row = reflect_index(row - dy, height);
    y[i] = x[(plane * height + source_row) * width + source_column];
}
