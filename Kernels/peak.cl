// A multiply-add loop in the manner of clpeak: measures the device's FP32 arithmetic peak.
// Eight independent vector accumulators per work-item hide the multiply-add latency; the
// result is stored so the compiler cannot drop the work. PEAK_WIDTH is the vector width:
// 4 suits GPUs; CPUs need their full SIMD width written out (16 for AVX-512), since PoCL
// does not widen this loop across work-items (float4: 68 GFLOP/s on 2 AVX-512 cores).
// fma, not mad: PoCL compiles mad(a, b, c) as a multiply and an add (no -cl-mad-enable), which
// halves the peak of an FMA unit (2-core Xeon model 207: 129 GFLOP/s with mad, 291 with fma,
// 294 on paper). Every product kernel uses fma for the same reason.

#ifndef PEAK_ITERATIONS
#define PEAK_ITERATIONS 256   // loop trips; each does 32 vector multiply-adds
#endif
#ifndef PEAK_WIDTH
#define PEAK_WIDTH 4
#endif
#define PCAT(a, b) a##b
#define PVEC(n) PCAT(float, n)
#define VEC PVEC(PEAK_WIDTH)

#define MAD8 \
    a0 = fma(a0, m, k); a1 = fma(a1, m, k); a2 = fma(a2, m, k); a3 = fma(a3, m, k); \
    a4 = fma(a4, m, k); a5 = fma(a5, m, k); a6 = fma(a6, m, k); a7 = fma(a7, m, k);

__kernel void peak_mad_f32(__global float* out, const float seed) {
    VEC m = (VEC)(0.999f);
    VEC k = (VEC)(seed);
    VEC a0 = (VEC)(get_global_id(0) * 1e-7f), a1 = a0 + 0.1f, a2 = a0 + 0.2f, a3 = a0 + 0.3f;
    VEC a4 = a0 + 0.4f, a5 = a0 + 0.5f, a6 = a0 + 0.6f, a7 = a0 + 0.7f;
    for (int i = 0; i < PEAK_ITERATIONS; i++) {
        MAD8 MAD8 MAD8 MAD8
    }
    VEC s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
    float total = 0.0f;
    for (int i = 0; i < PEAK_WIDTH; i++) total += ((float*)&s)[i];
    out[get_global_id(0)] = total;
}
