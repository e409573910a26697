// Classification losses over scores (N, K) and int labels (N): one work-group per sample, whose
// work-items stride over the K classes and combine through local memory.
//
// Outputs per sample: losses[n], correct[n] = 1 when the first arg-max of the scores is the
// label, and (when write_gradient) gradient[n, :] = d(mean loss over the batch)/d scores[n, :],
// so already divided by the batch (inv_batch = 1/N). A label outside 0..<K gives a NaN loss,
// correct 0 and a zero gradient, so a bad label shows in the loss instead of reading past a row.

#ifndef LOSS_GROUP
// Work-items per sample; a power of two. One warp covers CIFAR's 10 classes and strides over 100.
#define LOSS_GROUP 32
#endif

// Sums `value` over the work-group; every work-item gets the result.
inline float loss_group_sum(float value, __local float* scratch) {
    int lid = get_local_id(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = LOSS_GROUP / 2; span > 0; span /= 2) {
        if (lid < span) scratch[lid] += scratch[lid + span];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float total = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return total;
}

// The row's maximum and its first index, for every work-item of the group.
inline void loss_group_argmax(__global const float* row, int classes, __local float* values, __local int* indices,
                              float* best_value, int* best_index) {
    int lid = get_local_id(0);
    float best = -INFINITY;
    int index = -1;
    for (int j = lid; j < classes; j += LOSS_GROUP) {
        if (index < 0 || row[j] > best) { best = row[j]; index = j; }
    }
    values[lid] = best;
    indices[lid] = index;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = LOSS_GROUP / 2; span > 0; span /= 2) {
        if (lid < span) {
            float v = values[lid + span];
            int k = indices[lid + span];
            // Ties keep the lower class index; -1 marks a work-item that saw no class.
            if (k >= 0 && (indices[lid] < 0 || v > values[lid] || (v == values[lid] && k < indices[lid]))) {
                values[lid] = v;
                indices[lid] = k;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    *best_value = values[0];
    *best_index = indices[0];
    barrier(CLK_LOCAL_MEM_FENCE);
}

// What both losses start from: sample n's row of scores and label, whether the label is one of
// the classes, and the row's maximum and first arg-max (the same in every work-item).
typedef struct {
    __global const float* row;
    int label;
    int valid;   // 0 or 1 (bool members are not portable to every OpenCL compiler)
    float top;
    int winner;
} loss_sample;

inline loss_sample loss_sample_begin(__global const float* scores, __global const int* labels, int classes,
                                     __local float* values, __local int* indices) {
    loss_sample sample;
    int n = get_group_id(0);
    sample.row = scores + (size_t)n * classes;
    sample.label = labels[n];
    sample.valid = sample.label >= 0 && sample.label < classes;
    loss_group_argmax(sample.row, classes, values, indices, &sample.top, &sample.winner);
    return sample;
}

// Work-item 0 writes the sample's loss (NaN when the label is not a class; `loss` is then
// ignored) and whether its first arg-max is the label.
inline void loss_sample_finish(loss_sample sample, float loss, __global float* losses, __global int* correct) {
    if (get_local_id(0) == 0) {
        int n = get_group_id(0);
        losses[n] = sample.valid ? loss : NAN;
        correct[n] = sample.valid && sample.winner == sample.label ? 1 : 0;
    }
}

// Softmax cross-entropy with label smoothing eps (PyTorch): target = (1 - eps) onehot + eps/K,
// loss = -sum_j target_j log p_j = (1 - eps)(lse - s_y) + eps (lse - mean_j s_j),
// with lse = max + log sum_j exp(s_j - max) (the max keeps exp from overflowing).
// Gradient: (p_j - target_j) / N.
__kernel void softmax_cross_entropy(__global const float* scores, __global const int* labels,
                                    __global float* gradient, __global float* losses, __global int* correct,
                                    const int classes, const float inv_batch, const float smoothing,
                                    const int write_gradient) {
    __local float values[LOSS_GROUP];
    __local int indices[LOSS_GROUP];
    int lid = get_local_id(0);
    loss_sample sample = loss_sample_begin(scores, labels, classes, values, indices);
    __global const float* row = sample.row;
    int label = sample.label;

    float exps = 0.0f, sum = 0.0f;
    for (int j = lid; j < classes; j += LOSS_GROUP) {
        exps += exp(row[j] - sample.top);
        sum += row[j];
    }
    exps = loss_group_sum(exps, values);
    sum = loss_group_sum(sum, values);
    float lse = sample.top + log(exps);
    float loss = sample.valid ? (1.0f - smoothing) * (lse - row[label]) + smoothing * (lse - sum / (float)classes) : 0.0f;
    loss_sample_finish(sample, loss, losses, correct);
    if (write_gradient) {
        __global float* out = gradient + (size_t)get_group_id(0) * classes;
        float uniform = smoothing / (float)classes;
        for (int j = lid; j < classes; j += LOSS_GROUP) {
            float target = (j == label ? 1.0f - smoothing : 0.0f) + uniform;
            out[j] = sample.valid ? (exp(row[j] - lse) - target) * inv_batch : 0.0f;
        }
    }
}

// Multiclass SVM (CS231n hinge loss): loss = sum_{j != y} max(0, s_j - s_y + margin).
// Gradient: 1/N for every j != y with a positive margin, -(their count)/N for y
// (a margin of exactly 0 counts as inactive).
__kernel void multiclass_svm(__global const float* scores, __global const int* labels,
                             __global float* gradient, __global float* losses, __global int* correct,
                             const int classes, const float inv_batch, const float margin,
                             const int write_gradient) {
    __local float values[LOSS_GROUP];
    __local int indices[LOSS_GROUP];
    int lid = get_local_id(0);
    loss_sample sample = loss_sample_begin(scores, labels, classes, values, indices);
    __global const float* row = sample.row;
    int label = sample.label;

    float target = sample.valid ? row[label] : 0.0f;
    float hinge = 0.0f, active = 0.0f;
    for (int j = lid; j < classes; j += LOSS_GROUP) {
        float m = row[j] - target + margin;
        if (j != label && m > 0.0f) { hinge += m; active += 1.0f; }
    }
    hinge = loss_group_sum(hinge, values);
    active = loss_group_sum(active, values);
    loss_sample_finish(sample, hinge, losses, correct);
    if (write_gradient) {
        __global float* out = gradient + (size_t)get_group_id(0) * classes;
        for (int j = lid; j < classes; j += LOSS_GROUP) {
            float g = j == label ? -active : (row[j] - target + margin > 0.0f ? 1.0f : 0.0f);
            out[j] = sample.valid ? g * inv_batch : 0.0f;
        }
    }
}
