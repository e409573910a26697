// A multiply-add loop in the manner of clpeak: measures the device's FP32 arithmetic peak.
// Eight independent float4 accumulators per work-item hide the multiply-add latency on CPUs
// and GPUs alike; the result is stored so the compiler cannot drop the work.

#ifndef PEAK_ITERATIONS
#define PEAK_ITERATIONS 256   // loop trips; each does 32 float4 multiply-adds (256 flops)
#endif

#define MAD8 \
    a0 = mad(a0, m, k); a1 = mad(a1, m, k); a2 = mad(a2, m, k); a3 = mad(a3, m, k); \
    a4 = mad(a4, m, k); a5 = mad(a5, m, k); a6 = mad(a6, m, k); a7 = mad(a7, m, k);

__kernel void peak_mad_f32(__global float* out, const float seed) {
    float4 m = (float4)(0.999f, 0.998f, 0.997f, 0.996f);
    float4 k = (float4)(seed);
    float4 a0 = (float4)(get_global_id(0) * 1e-7f), a1 = a0 + 0.1f, a2 = a0 + 0.2f, a3 = a0 + 0.3f;
    float4 a4 = a0 + 0.4f, a5 = a0 + 0.5f, a6 = a0 + 0.6f, a7 = a0 + 0.7f;
    for (int i = 0; i < PEAK_ITERATIONS; i++) {
        MAD8 MAD8 MAD8 MAD8
    }
    float4 s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
    out[get_global_id(0)] = s.s0 + s.s1 + s.s2 + s.s3;
}
