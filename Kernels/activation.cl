// Element-wise activations over any tensor: one work-item per ACT_WIDTH (64) consecutive values,
// read and written as float16s (the work-item past the last full 64 finishes the tail one value
// at a time), so CPU devices get whole SIMD registers without relying on PoCL's work-group
// vectoriser; 64 rather than 16 a work-item measured ~10% faster on PoCL (fewer work-groups).
// The host launches CEIL_DIV(total, ACT_WIDTH) work-items.
//
// GELU is the tanh approximation, PyTorch's GELU(approximate="tanh"):
//   gelu(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
// computed as x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3), since 0.5 (1 + tanh(u)) =
// 1 / (1 + exp(-2u)): exp vectorises where PoCL's scalar tanh is a libm call per value, and the
// sigmoid form does not cancel for very negative x where 1 + tanh(u) would.

#define ACT_WIDTH 64
#define GELU_SQRT_2_OVER_PI 0.7978845608028654f
#define GELU_CUBIC 0.044715f
// |2u| past this saturates the sigmoid (exp(80) is finite in float, exp(89) is not).
#define GELU_EXP_LIMIT 80.0f

// The activations for one scalar type T (float, float16): the built-ins are overloaded.
// gelu: x s with s = 1 / (1 + e), e = exp(-2u).
// gelu': 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2), t = tanh(u); with
// 1 + t = 2 s and 1 - t = 2 e s that is s (1 + 2 sqrt(2/pi) x e s (1 + 3 * 0.044715 x^2)).
#define DEFINE_ACTIVATIONS(T)                                                                       \
    inline T relu_forward_##T(T v) { return fmax(v, (T)(0.0f)); }                                  \
    inline T relu_backward_##T(T v, T g) { return select((T)(0.0f), g, v > (T)(0.0f)); }           \
    inline T gelu_exp_##T(T v) {                                                                   \
        const T v2 = v * v;                                                                        \
        const T minus2u = v * fma(v2, (T)(-2.0f * GELU_SQRT_2_OVER_PI * GELU_CUBIC),               \
                                  (T)(-2.0f * GELU_SQRT_2_OVER_PI));                               \
        return exp(fmin(minus2u, (T)(GELU_EXP_LIMIT)));                                            \
    }                                                                                              \
    inline T gelu_forward_##T(T v) { return v / ((T)(1.0f) + gelu_exp_##T(v)); }                   \
    inline T gelu_backward_##T(T v, T g) {                                                         \
        const T e = gelu_exp_##T(v);                                                               \
        const T s = (T)(1.0f) / ((T)(1.0f) + e);                                                   \
        const T es = e * s; /* 1 - s, at most 1: v e alone overflows for very negative v */        \
        const T inner = fma(v * v, (T)(3.0f * GELU_CUBIC), (T)(1.0f));                             \
        const T slope = s * fma((T)(2.0f * GELU_SQRT_2_OVER_PI) * v * es, inner, (T)(1.0f));       \
        return g * slope;                                                                          \
    }

DEFINE_ACTIVATIONS(float)
DEFINE_ACTIVATIONS(float16)

// y = f(x), ACT_WIDTH values per work-item.
#define ACTIVATION_FORWARD(name)                                                                   \
    __kernel void name##_forward(__global const float* x, __global float* y,     \
                                 const int total) {                                                \
        const int base = get_global_id(0) * ACT_WIDTH;                                             \
        if (base + ACT_WIDTH <= total) {                                                           \
            for (int v = base; v < base + ACT_WIDTH; v += 16)                                      \
                vstore16(name##_forward_float16(vload16(0, x + v)), 0, y + v);                     \
        } else {                                                                                   \
            for (int i = base; i < total; ++i) y[i] = name##_forward_float(x[i]);                  \
        }                                                                                          \
    }

// dx = dy f'(x), ACT_WIDTH values per work-item.
#define ACTIVATION_BACKWARD(name)                                                                  \
    __kernel void name##_backward(__global const float* x, __global const float* dy, \
                                  __global float* dx, const int total) {                           \
        const int base = get_global_id(0) * ACT_WIDTH;                                             \
        if (base + ACT_WIDTH <= total) {                                                           \
            for (int v = base; v < base + ACT_WIDTH; v += 16)                                      \
                vstore16(name##_backward_float16(vload16(0, x + v), vload16(0, dy + v)), 0, dx + v); \
        } else {                                                                                   \
            for (int i = base; i < total; ++i) dx[i] = name##_backward_float(x[i], dy[i]);         \
        }                                                                                          \
    }

// ReLU: dx = dy where x > 0, else 0 (the subgradient at 0 is 0, as in PyTorch).
ACTIVATION_FORWARD(relu)
ACTIVATION_BACKWARD(relu)
ACTIVATION_FORWARD(gelu)
ACTIVATION_BACKWARD(gelu)
