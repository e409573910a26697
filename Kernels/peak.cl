// A multiply-add loop in the manner of clpeak: measures the device's FP32 arithmetic peak.
// Independent float4 chains keep every lane and pipeline busy; the result is stored so the
// compiler cannot drop the work.

#ifndef PEAK_ITERATIONS
#define PEAK_ITERATIONS 256   // loop trips; each does 16 float4 multiply-adds (128 flops)
#endif

#define MAD16(a, b) \
    a = mad(a, b, a); b = mad(b, a, b); a = mad(a, b, a); b = mad(b, a, b); \
    a = mad(a, b, a); b = mad(b, a, b); a = mad(a, b, a); b = mad(b, a, b); \
    a = mad(a, b, a); b = mad(b, a, b); a = mad(a, b, a); b = mad(b, a, b); \
    a = mad(a, b, a); b = mad(b, a, b); a = mad(a, b, a); b = mad(b, a, b);

__kernel void peak_mad_f32(__global float* out, const float seed) {
    float4 x = (float4)(seed, seed * 0.5f, seed * 0.25f, seed * 0.125f) + (float)get_global_id(0) * 1e-7f;
    float4 y = (float4)(-seed, seed * 0.75f, -seed * 0.25f, seed * 0.3f);
    float4 z = x * 0.5f, w = y * 0.5f;
    for (int i = 0; i < PEAK_ITERATIONS; i++) {
        MAD16(x, y)
        MAD16(z, w)
    }
    out[get_global_id(0)] = x.s0 + x.s1 + x.s2 + x.s3 + y.s0 + z.s1 + w.s2 + w.s3;
}
