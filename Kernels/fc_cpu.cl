// Fully connected products for CPUs: one work-item per work-group, each walking contiguous
// rows of the weight and the activations with float16 vectors and no barriers.
//
// The layers this is for are skinny (cifar10-quick: 100x1024 by 1024x64, 100x64 by 64x10):
// gemm.cl's 64x64 work-group tiles leave one or two work-groups for the two cores, compute
// the rows and columns past the edge, and stage every value through local memory. Here the
// bias and the output scale are applied in the same pass (no scale kernel, no scaled copy of
// the output gradient) and the bias gradient rides along with the weight gradient, so forward
// is one launch and backward two.
//
// Layouts (row-major): X [B, I], W [O, I] (PyTorch's Linear), Y and dY [B, O], dX [B, I].

#ifndef FC_ROWS
#define FC_ROWS 4       // images (forward, input gradient) or outputs (weight gradient) per work-item
#endif
#ifndef FC_OUTS
#define FC_OUTS 4       // outputs per work-item in forward: 4x4 float16 accumulators
#endif
#ifndef FC_COLS
#define FC_COLS 32      // input features per work-item in the gradients: two float16 vectors
#endif

#if FC_COLS != 32
#error "the gradient kernels hold two float16 vectors of columns"
#endif

static inline float sum16(const float16 v) {
    const float8 a = v.lo + v.hi;
    const float4 b = a.lo + a.hi;
    const float2 c = b.lo + b.hi;
    return c.x + c.y;
}

// Y[b, o] = scale * (X[b, :] . W[o, :] + bias[o]); global size: ceil(B/FC_ROWS) * ceil(O/FC_OUTS).
// Rows and outputs past the edge read the last valid one (no branches in the loop) and are
// not stored.
__kernel void fc_forward(__global const float* restrict X, __global const float* restrict W,
                         __global const float* restrict bias, const int hasBias, const float scale,
                         __global float* restrict Y, const int B, const int I, const int O) {
    const int blocksO = (O + FC_OUTS - 1) / FC_OUTS;
    const int item = get_global_id(0);
    const int b0 = (item / blocksO) * FC_ROWS, o0 = (item % blocksO) * FC_OUTS;
    if (b0 >= B) return;
    __global const float* x[FC_ROWS];
    __global const float* w[FC_OUTS];
    #pragma unroll
    for (int r = 0; r < FC_ROWS; r++) x[r] = X + min(b0 + r, B - 1) * I;
    #pragma unroll
    for (int c = 0; c < FC_OUTS; c++) w[c] = W + min(o0 + c, O - 1) * I;

    float16 acc[FC_ROWS][FC_OUTS];
    #pragma unroll
    for (int r = 0; r < FC_ROWS; r++) {
        #pragma unroll
        for (int c = 0; c < FC_OUTS; c++) acc[r][c] = (float16)(0.0f);
    }
    int k = 0;
    for (; k + 16 <= I; k += 16) {
        float16 xv[FC_ROWS], wv[FC_OUTS];
        #pragma unroll
        for (int r = 0; r < FC_ROWS; r++) xv[r] = vload16(0, x[r] + k);
        #pragma unroll
        for (int c = 0; c < FC_OUTS; c++) wv[c] = vload16(0, w[c] + k);
        #pragma unroll
        for (int r = 0; r < FC_ROWS; r++) {
            #pragma unroll
            for (int c = 0; c < FC_OUTS; c++) acc[r][c] = fma(xv[r], wv[c], acc[r][c]);
        }
    }
    float sum[FC_ROWS][FC_OUTS];
    #pragma unroll
    for (int r = 0; r < FC_ROWS; r++) {
        #pragma unroll
        for (int c = 0; c < FC_OUTS; c++) sum[r][c] = sum16(acc[r][c]);
    }
    for (; k < I; k++) {
        #pragma unroll
        for (int r = 0; r < FC_ROWS; r++) {
            #pragma unroll
            for (int c = 0; c < FC_OUTS; c++) sum[r][c] = fma(x[r][k], w[c][k], sum[r][c]);
        }
    }
    #pragma unroll
    for (int r = 0; r < FC_ROWS; r++) {
        if (b0 + r >= B) break;
        #pragma unroll
        for (int c = 0; c < FC_OUTS; c++) {
            const int o = o0 + c;
            if (o >= O) break;
            Y[(b0 + r) * O + o] = scale * (sum[r][c] + (hasBias ? bias[o] : 0.0f));
        }
    }
}

// dX[b, i] = scale * sum_o dY[b, o] W[o, i]; global size: ceil(B/FC_ROWS) * ceil(I/FC_COLS).
// dY is only read.
__kernel void fc_input_gradient(__global const float* restrict dY, __global const float* restrict W, const float scale,
                                __global float* restrict dX, const int B, const int I, const int O) {
    const int blocksI = (I + FC_COLS - 1) / FC_COLS;
    const int item = get_global_id(0);
    const int b0 = (item / blocksI) * FC_ROWS, i0 = (item % blocksI) * FC_COLS;
    if (b0 >= B) return;
    int rows[FC_ROWS];
    #pragma unroll
    for (int r = 0; r < FC_ROWS; r++) rows[r] = min(b0 + r, B - 1);

    if (i0 + FC_COLS <= I) {
        float16 lo[FC_ROWS], hi[FC_ROWS];
        #pragma unroll
        for (int r = 0; r < FC_ROWS; r++) lo[r] = hi[r] = (float16)(0.0f);
        for (int o = 0; o < O; o++) {
            const float16 w0 = vload16(0, W + o * I + i0), w1 = vload16(0, W + o * I + i0 + 16);
            #pragma unroll
            for (int r = 0; r < FC_ROWS; r++) {
                const float16 d = (float16)(dY[rows[r] * O + o]);
                lo[r] = fma(d, w0, lo[r]);
                hi[r] = fma(d, w1, hi[r]);
            }
        }
        #pragma unroll
        for (int r = 0; r < FC_ROWS; r++) {
            if (b0 + r >= B) break;
            vstore16(scale * lo[r], 0, dX + (b0 + r) * I + i0);
            vstore16(scale * hi[r], 0, dX + (b0 + r) * I + i0 + 16);
        }
    } else {
        // The last, partial block of columns.
        for (int i = i0; i < I; i++) {
            for (int r = 0; r < FC_ROWS && b0 + r < B; r++) {
                float sum = 0.0f;
                for (int o = 0; o < O; o++) sum = fma(dY[rows[r] * O + o], W[o * I + i], sum);
                dX[(b0 + r) * I + i] = scale * sum;
            }
        }
    }
}

// dW[o, i] += scale * sum_b dY[b, o] X[b, i], and with a bias db[o] += scale * sum_b dY[b, o]
// (by the work-items of the first column block); global size: ceil(O/FC_ROWS) * ceil(I/FC_COLS).
__kernel void fc_weight_gradient(__global const float* restrict dY, __global const float* restrict X, const float scale,
                                 __global float* restrict dW, __global float* dBias, const int hasBias,
                                 const int B, const int I, const int O) {
    const int blocksI = (I + FC_COLS - 1) / FC_COLS;
    const int item = get_global_id(0);
    const int o0 = (item / blocksI) * FC_ROWS, i0 = (item % blocksI) * FC_COLS;
    if (o0 >= O) return;
    int outs[FC_ROWS];
    #pragma unroll
    for (int r = 0; r < FC_ROWS; r++) outs[r] = min(o0 + r, O - 1);

    if (i0 + FC_COLS <= I) {
        float16 lo[FC_ROWS], hi[FC_ROWS];
        #pragma unroll
        for (int r = 0; r < FC_ROWS; r++) lo[r] = hi[r] = (float16)(0.0f);
        for (int b = 0; b < B; b++) {
            const float16 x0 = vload16(0, X + b * I + i0), x1 = vload16(0, X + b * I + i0 + 16);
            #pragma unroll
            for (int r = 0; r < FC_ROWS; r++) {
                const float16 d = (float16)(dY[b * O + outs[r]]);
                lo[r] = fma(d, x0, lo[r]);
                hi[r] = fma(d, x1, hi[r]);
            }
        }
        #pragma unroll
        for (int r = 0; r < FC_ROWS; r++) {
            if (o0 + r >= O) break;
            __global float* row = dW + (o0 + r) * I + i0;
            vstore16(vload16(0, row) + scale * lo[r], 0, row);
            vstore16(vload16(0, row + 16) + scale * hi[r], 0, row + 16);
        }
    } else {
        for (int i = i0; i < I; i++) {
            for (int r = 0; r < FC_ROWS && o0 + r < O; r++) {
                float sum = 0.0f;
                for (int b = 0; b < B; b++) sum = fma(dY[b * O + outs[r]], X[b * I + i], sum);
                dW[(o0 + r) * I + i] += scale * sum;
            }
        }
    }
    if (hasBias && i0 == 0) {
        for (int r = 0; r < FC_ROWS && o0 + r < O; r++) {
            float sum = 0.0f;
            for (int b = 0; b < B; b++) sum += dY[b * O + o0 + r];
            dBias[o0 + r] += scale * sum;
        }
    }
}
