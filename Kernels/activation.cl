// Element-wise activations over any tensor: one work-item per value.
//
// GELU is the tanh approximation, PyTorch's GELU(approximate="tanh"):
//   gelu(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))

#define GELU_SQRT_2_OVER_PI 0.7978845608028654f
#define GELU_CUBIC 0.044715f

__kernel void relu_forward(__global const float* x, __global float* y, const int total) {
    int i = get_global_id(0);
    if (i >= total) return;
    y[i] = fmax(x[i], 0.0f);
}

// dx = dy where x > 0, else 0 (the subgradient at 0 is 0, as in PyTorch).
__kernel void relu_backward(__global const float* x, __global const float* dy, __global float* dx, const int total) {
    int i = get_global_id(0);
    if (i >= total) return;
    dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}

__kernel void gelu_forward(__global const float* x, __global float* y, const int total) {
    int i = get_global_id(0);
    if (i >= total) return;
    float v = x[i];
    float t = tanh(GELU_SQRT_2_OVER_PI * (v + GELU_CUBIC * v * v * v));
    y[i] = 0.5f * v * (1.0f + t);
}

// d gelu / dx = 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2).
__kernel void gelu_backward(__global const float* x, __global const float* dy, __global float* dx, const int total) {
    int i = get_global_id(0);
    if (i >= total) return;
    float v = x[i];
    float t = tanh(GELU_SQRT_2_OVER_PI * (v + GELU_CUBIC * v * v * v));
    float slope = 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * GELU_SQRT_2_OVER_PI * (1.0f + 3.0f * GELU_CUBIC * v * v);
    dx[i] = dy[i] * slope;
}
