// Convolution helpers around gemm.cl: im2col, col2im, layout moves with the bias, bias gradient.
//
// Cross-correlation as in PyTorch's Conv2d. A chunk of B images is unfolded into
// col[C*F*F][B*H2*W2] (row = c*F*F + ky*F + kx, column = b*H2*W2 + oy*W2 + ox), so that with
// groups each group's rows are one contiguous block and one GEMM per group covers the chunk.
// The GEMM writes rows[K][B*H2*W2]; `rows_to_nchw` moves them into the NCHW output.

#ifndef REDUCE_GROUP
#define REDUCE_GROUP 64  // work-items per bias-gradient reduction (a power of two)
#endif

// Launch shapes put the output x coordinate in dimension 0 and keep every division on values
// that are the same across it, so CPUs vectorise over x and no lane divides.

// x: [B, C, H, W] (chunk start already added through offX); col as above.
// Global size: [W2, H2, B*C*F*F].
__kernel void im2col(__global const float* restrict x, const int offX,
                     const int C, const int H, const int W, const int F,
                     const int stride, const int pad, const int dilation,
                     const int H2, const int W2, const int B,
                     __global float* restrict col) {
    const int ox = get_global_id(0), oy = get_global_id(1), plane = get_global_id(2);
    if (ox >= W2 || oy >= H2 || plane >= B * C * F * F) return;
    const int row = plane % (C * F * F), b = plane / (C * F * F);   // row = c*F*F + ky*F + kx
    const int kx = row % F, ky = (row / F) % F, c = row / (F * F);
    const int iy = oy * stride - pad + ky * dilation;
    const int ix = ox * stride - pad + kx * dilation;
    float value = 0.0f;
    if (iy >= 0 && iy < H && ix >= 0 && ix < W) value = x[offX + ((b * C + c) * H + iy) * W + ix];
    col[row * (B * H2 * W2) + (b * H2 + oy) * W2 + ox] = value;
}

// The adjoint of im2col as a gather: each input pixel sums the columns that read it, so no
// two work-items write the same address and no atomics are needed. dx is overwritten.
// Global size: [W, H, B*C].
__kernel void col2im(__global const float* restrict col,
                     const int C, const int H, const int W, const int F,
                     const int stride, const int pad, const int dilation,
                     const int H2, const int W2, const int B,
                     __global float* restrict dx, const int offX) {
    const int ix = get_global_id(0), iy = get_global_id(1), plane = get_global_id(2);
    if (ix >= W || iy >= H || plane >= B * C) return;
    const int c = plane % C, b = plane / C;
    const int cols = B * H2 * W2;
    float sum = 0.0f;
    for (int ky = 0; ky < F; ky++) {
        const int ty = iy + pad - ky * dilation;   // = oy * stride
        if (ty < 0 || ty % stride != 0) continue;
        const int oy = ty / stride;
        if (oy >= H2) continue;
        for (int kx = 0; kx < F; kx++) {
            const int tx = ix + pad - kx * dilation;
            if (tx < 0 || tx % stride != 0) continue;
            const int ox = tx / stride;
            if (ox >= W2) continue;
            sum += col[((c * F + ky) * F + kx) * cols + (b * H2 + oy) * W2 + ox];
        }
    }
    dx[offX + (plane * H + iy) * W + ix] = sum;
}

// y[b][k][p] = rows[k][b*P + p] + bias[k] for a chunk of B images with P = H2*W2 pixels.
// hasBias = 0 skips the bias (the bias argument may then be any buffer). Global size: [P, K, B].
__kernel void rows_to_nchw(__global const float* restrict rows, const int K, const int P, const int B,
                           __global const float* restrict bias, const int hasBias,
                           __global float* restrict y, const int offY) {
    const int p = get_global_id(0), k = get_global_id(1), b = get_global_id(2);
    if (p >= P || k >= K || b >= B) return;
    y[offY + (b * K + k) * P + p] = rows[k * (B * P) + b * P + p] + (hasBias ? bias[k] : 0.0f);
}

// rows[k][b*P + p] = dy[b][k][p]: the output gradient of a chunk in the GEMM's layout.
// Global size: [P, K, B].
__kernel void nchw_to_rows(__global const float* restrict dy, const int offY, const int K, const int P, const int B,
                           __global float* restrict rows) {
    const int p = get_global_id(0), k = get_global_id(1), b = get_global_id(2);
    if (p >= P || k >= K || b >= B) return;
    rows[k * (B * P) + b * P + p] = dy[offY + (b * K + k) * P + p];
}

// db[k] += sum over b, p of dy[b][k][p]; one work-group per k (dy is [B, K, P]).
__kernel __attribute__((reqd_work_group_size(REDUCE_GROUP, 1, 1)))
void bias_gradient(__global const float* restrict dy, const int K, const int P, const int B,
                   __global float* db) {
    __local float partial[REDUCE_GROUP];
    const int k = get_group_id(0);
    const int t = get_local_id(0);
    float sum = 0.0f;
    for (int i = t; i < B * P; i += REDUCE_GROUP) {
        const int b = i / P, p = i % P;
        sum += dy[(b * K + k) * P + p];
    }
    partial[t] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = REDUCE_GROUP / 2; span > 0; span /= 2) {
        if (t < span) partial[t] += partial[t + span];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (t == 0) db[k] += partial[0];
}
