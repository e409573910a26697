// One SGD step over a parameter, in place, with torch.optim.SGD's semantics (dampening 0):
//   g' = g + wd * w                          (L2 weight decay; skipped when decoupled)
//   v  = mu * v + g'                         (v starts at 0, so the first step gives v = g')
//   w -= lr * (nesterov ? g' + mu * v : v)
// Decoupled weight decay first shrinks the weight, w *= 1 - lr * wd, and leaves g' = g.
// One work-item per value; with mu = 0 this is plain SGD (v = g').

__kernel void sgd_update(__global float* weight, __global const float* gradient, __global float* velocity,
                         const int total, const float learning_rate, const float momentum,
                         const float weight_decay, const int nesterov, const int decoupled) {
    int i = get_global_id(0);
    if (i >= total) return;
    float w = weight[i];
    float g = gradient[i];
    if (decoupled) {
        w *= 1.0f - learning_rate * weight_decay;
    } else {
        g += weight_decay * w;
    }
    float v = momentum * velocity[i] + g;
    velocity[i] = v;
    weight[i] = w - learning_rate * (nesterov ? g + momentum * v : v);
}
