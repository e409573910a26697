// Inverted dropout with a mask that is a pure function of (seed, step, element index).
//
// The host folds seed and step into a 32-bit `key` (DropoutMask.key in Swift); each element's
// 32 random bits are two rounds of MurmurHash3's 32-bit finaliser over (index, key). No mask is
// stored: backward recomputes it from the same key, so the scratch is zero and a resumed run
// draws the same masks. The CPU reference computes the same bits (DropoutMask.bits).

inline uint dropout_mix(uint x) {
    x ^= x >> 16;
    x *= 0x85ebca6bu;
    x ^= x >> 13;
    x *= 0xc2b2ae35u;
    x ^= x >> 16;
    return x;
}

// out = in * scale where the element is kept, else 0. An element is kept when the top 24 bits
// of its hash are >= threshold = ceil(p * 2^24), i.e. with probability 1 - p. The same kernel
// serves forward (in = x, out = y) and backward (in = dy, out = dx).
__kernel void dropout_apply(__global const float* in, __global float* out, const int total,
                            const uint key, const uint threshold, const float scale) {
    int i = get_global_id(0);
    if (i >= total) return;
    uint bits = dropout_mix(dropout_mix((uint)i ^ key) ^ key);
    out[i] = (bits >> 8) >= threshold ? in[i] * scale : 0.0f;
}
