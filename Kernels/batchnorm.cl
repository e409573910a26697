// Batch normalisation over the channels of NCHW float32 batches.
//
// Per-channel statistics and gradient sums are reduced by one work-group per channel through
// local memory (each work-item strides over the channel's N*H*W values, then a tree sum). On
// CPUs the host sets BN_GROUP 1: one work-item per channel walks its planes in order, with no
// barrier and no division per value, and the *_planes kernels apply per (n, c) plane.
// `saved` holds 4 x C floats: mean, 1/sqrt(var + eps), sum(dy), sum(dy * xhat), the last two
// written by the backward reduction for the backward apply.

#ifndef BN_GROUP
// Work-items reducing one channel; a power of two. 256 covers CIFAR's N*H*W well on GPUs.
#define BN_GROUP 256
#endif

#ifndef BN_AFFINE
// 1 when the layer has gamma and beta, 0 when it normalises only (gamma = 1, beta = 0).
#define BN_AFFINE 1
#endif

// `for (at ...)` over the offsets of channel c's values that this work-item handles: flat and
// strided over the work-group (coalesced on GPUs), or plane by plane with one work-item.
#if BN_GROUP == 1
#define BN_FOR_CHANNEL(at) \
    for (int n_ = 0; n_ < batch; n_++) \
        for (size_t at = ((size_t)n_ * channels + c) * plane, end_ = at + plane; at < end_; at++)
#else
#define BN_FOR_CHANNEL(at) \
    for (int i_ = get_local_id(0); i_ < batch * plane; i_ += BN_GROUP) \
        for (size_t at = ((size_t)(i_ / plane) * channels + c) * plane + i_ % plane, once_ = 0; once_ < 1; once_++)
#endif

// BN_FOR_CHANNEL with the values in float16s where one work-item walks whole planes (BN_GROUP
// 1, CPUs): `vector` runs at the offset `at` of each 16 values of a plane, `scalar` at each of
// the plane % 16 values after them. PoCL does not vectorise the scalar loops (the sums would
// have to be reordered, and x and y may alias), so this is the SIMD. With work-groups (GPUs)
// every value goes through `scalar`, as before, and the float16 accumulators stay 0.
#define BN_LANES 16
#if BN_GROUP == 1
#define BN_FOR_CHANNEL_VECTORS(at, vector, scalar) \
    for (int n_ = 0; n_ < batch; n_++) { \
        size_t at = ((size_t)n_ * channels + c) * plane; \
        const size_t end_ = at + plane; \
        for (; at + BN_LANES <= end_; at += BN_LANES) { vector } \
        for (; at < end_; at++) { scalar } \
    }
#else
#define BN_FOR_CHANNEL_VECTORS(at, vector, scalar) BN_FOR_CHANNEL(at) { scalar }
#endif

// The sum of a float16's lanes.
inline float bn_lanes_sum(float16 v) {
    float8 a = v.lo + v.hi;
    float4 b = a.lo + a.hi;
    float2 d = b.lo + b.hi;
    return d.x + d.y;
}

// Sums `value` over the work-group; every work-item gets the result.
inline float bn_group_sum(float value, __local float* scratch) {
    int lid = get_local_id(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = BN_GROUP / 2; span > 0; span /= 2) {
        if (lid < span) scratch[lid] += scratch[lid + span];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float total = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);   // scratch is reused by the next sum
    return total;
}

// Training statistics of channel get_group_id(0) over x (N, C, HW): mean and 1/sqrt(var + eps)
// with the biased variance into saved; running mean and the unbiased variance blended in with
// `momentum` (PyTorch: running = (1 - momentum) * running + momentum * batch).
__kernel void bn_statistics(__global const float* x, __global float* saved,
                            __global float* running_mean, __global float* running_var,
                            const int batch, const int channels, const int plane,
                            const float momentum, const float epsilon, __local float* scratch) {
    int c = get_group_id(0);
    int lid = get_local_id(0);
    int count = batch * plane;
    float sum = 0.0f;
    float16 sums = (float16)(0.0f);
    BN_FOR_CHANNEL_VECTORS(at, sums += vload16(0, x + at);, sum += x[at];)
    float mean = bn_group_sum(sum + bn_lanes_sum(sums), scratch) / (float)count;
    // A second pass over centred values: no cancellation when |mean| >> std.
    float squares = 0.0f;
    float16 squares16 = (float16)(0.0f);
    BN_FOR_CHANNEL_VECTORS(at, {
        const float16 d = vload16(0, x + at) - mean;
        squares16 = fma(d, d, squares16);
    }, {
        float d = x[at] - mean;
        squares += d * d;
    })
    float variance = bn_group_sum(squares + bn_lanes_sum(squares16), scratch) / (float)count;
    if (lid == 0) {
        saved[c] = mean;
        saved[channels + c] = rsqrt(variance + epsilon);
        float unbiased = variance * (float)count / (float)(count - 1);
        running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mean;
        running_var[c] = (1.0f - momentum) * running_var[c] + momentum * unbiased;
    }
}

// Synchronised batch norm: this process's share of channel get_group_id(0)'s sum of x
// (centred 0), or of (x - mean)^2 with the global mean already in saved[c] (centred 1). The host
// adds the shares of all processes, so the statistics are those of the global batch.
__kernel void bn_channel_sums(__global const float* x, __global const float* saved, __global float* sums,
                              const int batch, const int channels, const int plane, const int centred,
                              __local float* scratch) {
    int c = get_group_id(0);
    float mean = centred ? saved[c] : 0.0f;
    float total = 0.0f;
    BN_FOR_CHANNEL(at) {
        float d = x[at] - mean;
        total += centred ? d * d : d;
    }
    total = bn_group_sum(total, scratch);
    if (get_local_id(0) == 0) sums[c] = total;
}

// Evaluation: saved mean and 1/sqrt(var + eps) from the running statistics; one work-item per channel.
__kernel void bn_running_statistics(__global float* saved, __global const float* running_mean,
                                    __global const float* running_var, const int channels, const float epsilon) {
    int c = get_global_id(0);
    if (c >= channels) return;
    saved[c] = running_mean[c];
    saved[channels + c] = rsqrt(running_var[c] + epsilon);
}

// y = (x - mean) * invstd * gamma + beta, one work-item per value of (N, C, HW).
__kernel void bn_forward_apply(__global const float* x, __global float* y, __global const float* saved,
                               __global const float* gamma, __global const float* beta,
                               const int total, const int channels, const int plane) {
    int i = get_global_id(0);
    if (i >= total) return;
    int c = (i / plane) % channels;
    float normalised = (x[i] - saved[c]) * saved[channels + c];
#if BN_AFFINE
    y[i] = normalised * gamma[c] + beta[c];
#else
    y[i] = normalised;
#endif
}

// bn_forward_apply with one work-item per (n, c) plane (CPUs), 16 values at a time. Global size: [batch * channels].
__kernel void bn_forward_apply_planes(__global const float* x, __global float* y, __global const float* saved,
                                      __global const float* gamma, __global const float* beta,
                                      const int planes, const int channels, const int plane) {
    int index = get_global_id(0);
    if (index >= planes) return;
    int c = index % channels;
    float mean = saved[c], invstd = saved[channels + c];
#if BN_AFFINE
    float scale = gamma[c], shift = beta[c];
#else
    float scale = 1.0f, shift = 0.0f;
#endif
    size_t base = (size_t)index * plane;
    int p = 0;
    for (; p + BN_LANES <= plane; p += BN_LANES) {
        vstore16((vload16(0, x + base + p) - mean) * invstd * scale + shift, 0, y + base + p);
    }
    for (; p < plane; p++) y[base + p] = (x[base + p] - mean) * invstd * scale + shift;
}

// Per channel: sum(dy) and sum(dy * xhat) into saved; gamma_grad += sum(dy * xhat) and
// beta_grad += sum(dy) (gradients accumulate). One work-group per channel.
__kernel void bn_backward_reduce(__global const float* x, __global const float* dy, __global float* saved,
                                 __global float* gamma_grad, __global float* beta_grad,
                                 const int batch, const int channels, const int plane, __local float* scratch) {
    int c = get_group_id(0);
    int lid = get_local_id(0);
    int count = batch * plane;
    float mean = saved[c], invstd = saved[channels + c];
    float sum_dy = 0.0f, sum_dy_xhat = 0.0f;
    // The vectors sum dy (x - mean), times invstd once at the end.
    float16 sums_dy = (float16)(0.0f), sums_dy_centred = (float16)(0.0f);
    BN_FOR_CHANNEL_VECTORS(at, {
        const float16 g = vload16(0, dy + at);
        sums_dy += g;
        sums_dy_centred = fma(g, vload16(0, x + at) - mean, sums_dy_centred);
    }, {
        float g = dy[at];
        sum_dy += g;
        sum_dy_xhat += g * (x[at] - mean) * invstd;
    })
    sum_dy = bn_group_sum(sum_dy + bn_lanes_sum(sums_dy), scratch);
    sum_dy_xhat = bn_group_sum(sum_dy_xhat + bn_lanes_sum(sums_dy_centred) * invstd, scratch);
    if (lid == 0) {
        saved[2 * channels + c] = sum_dy;
        saved[3 * channels + c] = sum_dy_xhat;
#if BN_AFFINE
        gamma_grad[c] += sum_dy_xhat;
        beta_grad[c] += sum_dy;
#endif
    }
}

// dx, one work-item per value. Training (statistics from the batch):
//   dx = gamma * invstd * (dy - sum(dy)/m - xhat * sum(dy * xhat)/m), m = N*HW;
// evaluation (fixed running statistics): dx = gamma * invstd * dy.
__kernel void bn_backward_apply(__global const float* x, __global const float* dy, __global float* dx,
                                __global const float* saved, __global const float* gamma,
                                const int total, const int channels, const int plane, const int training) {
    int i = get_global_id(0);
    if (i >= total) return;
    int c = (i / plane) % channels;
    float invstd = saved[channels + c];
#if BN_AFFINE
    float scale = gamma[c] * invstd;
#else
    float scale = invstd;
#endif
    if (training) {
        float m = (float)(total / channels);
        float xhat = (x[i] - saved[c]) * invstd;
        dx[i] = scale * (dy[i] - saved[2 * channels + c] / m - xhat * saved[3 * channels + c] / m);
    } else {
        dx[i] = scale * dy[i];
    }
}

// bn_backward_apply with one work-item per (n, c) plane (CPUs), 16 values at a time. Global size: [batch * channels].
__kernel void bn_backward_apply_planes(__global const float* x, __global const float* dy, __global float* dx,
                                       __global const float* saved, __global const float* gamma,
                                       const int planes, const int channels, const int plane, const int training) {
    int index = get_global_id(0);
    if (index >= planes) return;
    int c = index % channels;
    float mean = saved[c], invstd = saved[channels + c];
#if BN_AFFINE
    float scale = gamma[c] * invstd;
#else
    float scale = invstd;
#endif
    size_t base = (size_t)index * plane;
    if (training) {
        float m = (float)(planes / channels * plane);
        float meanDy = saved[2 * channels + c] / m, meanDyXhat = saved[3 * channels + c] / m;
        int p = 0;
        for (; p + BN_LANES <= plane; p += BN_LANES) {
            const float16 xhat = (vload16(0, x + base + p) - mean) * invstd;
            vstore16(scale * (vload16(0, dy + base + p) - meanDy - xhat * meanDyXhat), 0, dx + base + p);
        }
        for (; p < plane; p++) {
            float xhat = (x[base + p] - mean) * invstd;
            dx[base + p] = scale * (dy[base + p] - meanDy - xhat * meanDyXhat);
        }
    } else {
        int p = 0;
        for (; p + BN_LANES <= plane; p += BN_LANES) vstore16(scale * vload16(0, dy + base + p), 0, dx + base + p);
        for (; p < plane; p++) dx[base + p] = scale * dy[base + p];
    }
}
