// One SGD step over a parameter, in place, with torch.optim.SGD's semantics (dampening 0):
//   g' = g + wd * w                          (L2 weight decay; skipped when decoupled)
//   v  = mu * v + g'                         (v starts at 0, so the first step gives v = g')
//   w -= lr * (nesterov ? g' + mu * v : v)
// Decoupled weight decay first shrinks the weight, w *= 1 - lr * wd, and leaves g' = g.
// One work-item per value; with mu = 0 this is plain SGD (v = g').

__kernel void sgd_update(__global float* weight, __global const float* gradient, __global float* velocity,
                         const int total, const float step_size, const float momentum,
                         const float weight_decay, const int nesterov, const int decoupled) {
    int i = get_global_id(0);
    if (i >= total) return;
    float w = weight[i];
    float g = gradient[i];
    if (decoupled) {
        w *= 1.0f - step_size * weight_decay;
    } else {
        g += weight_decay * w;
    }
    float v = momentum * velocity[i] + g;
    velocity[i] = v;
    weight[i] = w - step_size * (nesterov ? g + momentum * v : v);
}

// One lookahead synchronisation, in place: the average moves toward the weights and the
// weights jump to it (torch: average.lerp_(weight, 1 - decay); weight.copy_(average)).
__kernel void lookahead_sync(__global float* weight, __global float* average, const int total, const float decay) {
    int i = get_global_id(0);
    if (i >= total) return;
    float a = average[i];
    a += (1.0f - decay) * (weight[i] - a);
    average[i] = a;
    weight[i] = a;
}
