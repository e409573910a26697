#!/usr/bin/env python3
"""The peer of a full `conveyor train PIPELINE` run: the same network, data, augmentation, loss,
optimizer, schedule, lookahead and test-time augmentation in PyTorch on the CPU, timed per epoch.

    python3 scripts/pytorch_full_run.py pipelines/cifar10-fast.yaml [--data DIR] [--epochs N]
        [--threads 2] [--limit-train N] [--limit-val N] [--seed 0]

The layers come from scripts/pytorch_bench.py (`build_layers`); this file adds what a run needs
beyond a benchmark step: Conveyor's initialisation (He normal / Xavier uniform / dirac, biases 0),
the whitening filters measured from the data, the fc `scale`, and the training loop.

What it does, as Conveyor does (docs/pipelines.md):
- data: CIFAR-10 binary batches (`data.train`, `data.validation`; a number n is data_batch_n.bin,
  `test` is test_batch.bin) from `data.path` or --data; --limit-train/--limit-val keep the first
  N images of each split. The whole split is held as uint8; each batch is normalised (per-channel
  mean and std of the training images' pixels, `normalize: auto`, or the given ones, or none) and
  augmented when it is drawn, so that the cost of the input stage is inside the training time.
- augmentation: `translate` t: a shift (dx, dy) uniform in [-t, t]^2 per image and epoch, the
  border filled with the reflection (`translate_padding: reflect`) or 0 (= the mean after
  normalisation); `flip: true`: a fresh coin per image and epoch; `flip: alternate`: one coin per
  image drawn once, all images mirrored the other way in odd epochs; `cutout` s: a random s x s
  square set to 0. The random numbers come from torch's generator, not Conveyor's counter-based
  one, so the draws (and the shuffling order) differ from Conveyor's but follow the same laws.
- each epoch trains on a fresh shuffle in floor(train images / batch) steps: the last partial
  batch is DROPPED, as Conveyor does (`trainBatchesPerEpoch = trainCount / batch`).
- loss: softmax cross-entropy with `label_smoothing` (target (1 - s) one-hot + s / 10), mean over
  the batch; `svm`: the multiclass hinge sum_{j != y} max(0, s_j - s_y + margin), mean over the batch.
- optimizer: torch.optim.SGD (v = m v + g; w -= lr v, Nesterov w -= lr (g + m v): the same update
  as docs/pipelines.md), with three parameter groups: weights; biases (`bias`; the whitening bias
  is one); batch-norm shifts/scales (`norm`), each at lr x lr_multipliers[kind]. L2 weight decay
  (g += wd w) on the weights; on biases and batch-norm parameters only with `decay_biases: true`,
  then at wd x wd_multipliers[kind]. `decay: decoupled` is done by hand (w -= lr wd w before the
  step). Frozen parameters (batch-norm scale with `scale: false`, the whitening filters) are in no
  group. lr is scaled by batch / reference_batch when `train.reference_batch` is set.
- schedule: constant, step, multistep, cosine, piecewise (linear between `points`, flat outside),
  times the linear warm-up over `warmup_epochs`, evaluated before every step at
  e = completed steps / steps per epoch.
- lookahead: an average of every floating-point tensor of the model's state (parameters and
  batch-norm running mean and variance), started at the initial values; after every `every`
  steps, at the end of each epoch and after the last step: a = d a + (1 - d) w, w = a, with
  d = decay x (step / total steps)^power, and d = 1 after the last step (the weights become the
  average). This is Conveyor's rule exactly (Sources/Optimization/Lookahead.swift).
- whiten: the frozen filters are measured on the first 5,000 training images (normalised, not
  augmented), as Conveyor's `Trainer.dataInitializationSample`: the second moment about zero of
  every C x P x P patch where the window fits, its eigenvectors by descending eigenvalue (float64
  `torch.linalg.eigh`), each divided by sqrt(lambda + epsilon), then their negatives. The bias
  starts at 0 and trains for the first `bias_epochs` epochs only (then requires_grad is turned off,
  so it gets no update, no momentum and no decay).
- evaluation after every epoch (`eval_interval` respected, and always after the last), in eval
  mode without gradients, in batches of 1024 (the last partial batch KEPT); `tta` at the last
  epoch (every epoch with `tta_every_epoch: true`): `flip`: m(x) = (f(x) + f(mirror x)) / 2;
  `flip_translate`: 0.5 m(x) + 0.25 (m(t1 x) + m(t2 x)), t1/t2 one-pixel shifts down-right and
  up-left with reflect padding.

Output: one line per epoch (training seconds, evaluation seconds, train loss, validation loss and
accuracy), then one JSON line. "seconds_total" is the wall time from the start of data loading to
the end of the last evaluation (it includes "seconds_setup": reading the data, the normalisation
statistics, the whitening filters); "seconds_train" and "seconds_eval" are the sums over epochs;
"images_per_second_train" is the images trained (steps x batch x epochs) per training second.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_bench import build_layers, expand  # noqa: E402  (the same layers as the benchmark peer)

RECORD = 1 + 3 * 32 * 32
DATA_INIT_SAMPLE = 5000   # Conveyor's Trainer.dataInitializationSample
EVAL_BATCH = 1024


def fail(message):
    raise SystemExit(f"pytorch_full_run: {message}")


# ---------------------------------------------------------------- data

def batch_file(folder, item):
    if item == "test":
        return os.path.join(folder, "test_batch.bin")
    if isinstance(item, int) and 1 <= item <= 5:
        return os.path.join(folder, f"data_batch_{item}.bin")
    fail(f"data batch '{item}' is not 1-5 or 'test'")


def load_split(folder, items, limit=None):
    """(uint8 images [N, 3, 32, 32], int64 labels [N]) of the batches `items`, the first `limit`."""
    missing = [batch_file(folder, i) for i in items if not os.path.isfile(batch_file(folder, i))]
    if missing:
        fail(f"missing CIFAR-10 file(s): {', '.join(missing)} (fetch them with `conveyor data cifar10`, "
             f"or pass --data FOLDER)")
    images, labels = [], []
    for item in items:
        path = batch_file(folder, item)
        raw = np.fromfile(path, dtype=np.uint8)
        if raw.size == 0:
            fail(f"{path} is empty")
        if raw.size % RECORD:
            fail(f"{path} is truncated: {raw.size} bytes is not a whole number of {RECORD}-byte records "
                 f"(a CIFAR-10 batch is 10,000 records, {10000 * RECORD} bytes)")
        records = raw.reshape(-1, RECORD)
        bad = np.nonzero(records[:, 0] > 9)[0]
        if bad.size:
            fail(f"{path}: record {bad[0]} has label {records[bad[0], 0]}, outside 0-9 (not a CIFAR-10 binary batch?)")
        labels.append(torch.from_numpy(records[:, 0].astype(np.int64)))
        images.append(torch.from_numpy(records[:, 1:].copy()).view(-1, 3, 32, 32))
        if limit is not None and sum(len(l) for l in labels) >= limit:
            break
    x, y = torch.cat(images), torch.cat(labels)
    if limit is not None:
        x, y = x[:limit], y[:limit]
    return x, y


def channel_statistics(images, normalize):
    """(mean, std) per channel on the 0...1 scale, as Conveyor's ChannelStatistics."""
    if normalize in (None, "none", False):
        return torch.zeros(3), torch.ones(3)
    if isinstance(normalize, dict):
        return torch.tensor(normalize["mean"], dtype=torch.float32), torch.tensor(normalize["std"], dtype=torch.float32)
    # auto: over every pixel of the training split, exact integer sums
    x = images.permute(1, 0, 2, 3).reshape(3, -1).to(torch.int64)
    n = x.shape[1]
    mean = x.sum(1).double() / n
    var = ((x * x).sum(1).double() / n - mean * mean).clamp_min(1e-6)
    return (mean / 255).float(), (var.sqrt() / 255).float()


def normalise(images_u8, mean, std):
    return (images_u8.float() / 255 - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)


def translate(x, t, reflect, generator):
    """out[n, c, y, x] = in[n, c, y + dy_n, x + dx_n], (dx, dy) uniform in [-t, t]^2 per image."""
    n = x.shape[0]
    padded = F.pad(x, (t, t, t, t), mode="reflect" if reflect else "constant")
    dx = torch.randint(-t, t + 1, (n,), generator=generator)
    dy = torch.randint(-t, t + 1, (n,), generator=generator)
    out = torch.empty_like(x)
    for oy in range(-t, t + 1):
        for ox in range(-t, t + 1):
            index = ((dy == oy) & (dx == ox)).nonzero().squeeze(1)
            if index.numel():
                out[index] = padded[index, :, t + oy:t + oy + 32, t + ox:t + ox + 32]
    return out


def cutout(x, side, generator):
    n = x.shape[0]
    cx = torch.randint(0, 32, (n,), generator=generator) - side // 2
    cy = torch.randint(0, 32, (n,), generator=generator) - side // 2
    r = torch.arange(32)
    mask_x = (r.view(1, 32) >= cx.view(n, 1)) & (r.view(1, 32) < (cx + side).view(n, 1))
    mask_y = (r.view(1, 32) >= cy.view(n, 1)) & (r.view(1, 32) < (cy + side).view(n, 1))
    mask = mask_y.view(n, 1, 32, 1) & mask_x.view(n, 1, 1, 32)
    return x.masked_fill(mask, 0.0)


# ---------------------------------------------------------------- model

class Scale(nn.Module):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


def item_kind(item):
    kind, s = (item, {}) if isinstance(item, str) else next(iter(item.items()))
    return kind, (s or {})


def core(module, types):
    return next((m for m in module.modules() if isinstance(m, types)), None)


def initial_scheme(later):
    """He when a rectifier comes before the next conv or fc of `later` [(kind, settings)] (through
    pooling, batch norm, dropout or into a residual block's body), else Xavier: Conveyor's rule."""
    for kind, s in later:
        if kind in ("relu", "gelu"):
            return "he"
        if kind == "residual":
            return initial_scheme([item_kind(item) for item in expand(s["body"])])
        if kind not in ("maxpool", "avgpool", "global_avgpool", "batchnorm", "dropout", "whiten"):
            return "xavier"
    return "xavier"


def initialize(kinds, modules, after):
    """Conveyor's initialisation of `modules` (one per expanded item, kinds [(kind, settings)]);
    `after` is what follows the list (after a residual block's paths: the layers after the block).
    Returns the modules, an fc with a `scale` wrapped in it."""
    result = []
    for i, ((kind, s), module) in enumerate(zip(kinds, modules)):
        rest = kinds[i + 1:] + after
        if kind == "residual":
            initialize([item_kind(item) for item in expand(s["body"])], list(module.body), rest)
            initialize([item_kind(item) for item in expand(s.get("shortcut") or [])], list(module.shortcut), rest)
        elif kind in ("conv", "fc"):
            layer = core(module, (nn.Conv2d, nn.Linear))
            init = s.get("init") or initial_scheme(rest)
            with torch.no_grad():
                if init == "he":
                    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")   # std sqrt(2 / fan_in)
                elif init == "xavier":
                    nn.init.xavier_uniform_(layer.weight)
                elif init == "dirac":
                    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5))      # PyTorch's default, +-1/sqrt(fan_in)
                    k = min(layer.weight.shape[0], layer.weight.shape[1])
                    nn.init.dirac_(layer.weight[:k])
                else:
                    fail(f"init '{init}' is not known")
                if layer.bias is not None:
                    layer.bias.zero_()
            factor = s.get("scale", 1.0) if kind == "fc" else 1.0
            if factor != 1.0:
                probe = torch.randn(2, layer.in_features)
                with torch.no_grad():   # wrap only if pytorch_bench does not scale already
                    already = not torch.allclose(module(probe), layer(probe), atol=1e-6)
                if not already:
                    module = nn.Sequential(module, Scale(factor))
        elif kind == "batchnorm":
            if module.affine:
                with torch.no_grad():
                    module.weight.fill_(1.0)
                    module.bias.zero_()
        elif kind == "whiten":
            with torch.no_grad():
                core(module, nn.Conv2d).bias.zero_()
        result.append(module)
    return result


def build_network(model_spec):
    """pytorch_bench's layers, Conveyor's initialisation and the fc `scale`; residual blocks'
    repeats and activations are items of their own, as in Conveyor."""
    layers = build_layers(model_spec)
    kinds = [item_kind(item) for item in expand(model_spec)]
    return nn.Sequential(*initialize(kinds, [module for _, module in layers], [])), kinds


def measure_whitening(conv, images, epsilon):
    """Conveyor's whitening filters from normalised images [N, C, H, W] (see the module docstring)."""
    c, p = conv.in_channels, conv.kernel_size[0]
    patches = F.unfold(images.double(), p)                    # [N, C P P, L], C-major like the weight
    patches = patches.transpose(1, 2).reshape(-1, c * p * p)
    covariance = patches.T @ patches / patches.shape[0]       # second moment about zero
    values, vectors = torch.linalg.eigh(covariance)           # ascending
    values, vectors = values.flip(0), vectors.flip(1)
    filters = (vectors / (values + epsilon).sqrt()).T.reshape(c * p * p, c, p, p)
    with torch.no_grad():
        conv.weight.copy_(torch.cat([filters, -filters]).float())


# ---------------------------------------------------------------- schedule

def schedule_factor(schedule, e, epochs, lr):
    """The learning rate at fractional epoch e (docs/pipelines.md, schedule)."""
    kind = schedule.get("type", "constant")
    if kind == "constant":
        rate = lr
    elif kind == "step":
        rate = lr * schedule.get("gamma", 0.1) ** math.floor(e / schedule.get("step_epochs", 10))
    elif kind == "multistep":
        rate = lr * schedule.get("gamma", 0.1) ** sum(1 for m in schedule.get("milestones", []) if m <= e)
    elif kind == "cosine":
        low = schedule.get("min_lr", 0.0)
        rate = low + (lr - low) * (1 + math.cos(math.pi * min(e, epochs) / epochs)) / 2
    elif kind == "piecewise":
        points = schedule.get("points") or fail("schedule piecewise needs points")
        if e <= points[0][0]:
            m = points[0][1]
        elif e >= points[-1][0]:
            m = points[-1][1]
        else:
            for (e0, m0), (e1, m1) in zip(points, points[1:]):
                if e0 <= e <= e1:
                    m = m0 if e1 == e0 else m0 + (m1 - m0) * (e - e0) / (e1 - e0)
                    break
        rate = lr * m
    else:
        fail(f"schedule type '{kind}' is not known")
    warmup = schedule.get("warmup_epochs", 0)
    if warmup > 0 and e < warmup:
        rate *= e / warmup
    return rate


# ---------------------------------------------------------------- evaluation

def shift(x, dy, dx):
    """One-pixel shift with reflect padding: out[y][x] = in[y - dy][x - dx]."""
    padded = F.pad(x, (1, 1, 1, 1), mode="reflect")
    return padded[:, :, 1 - dy:33 - dy, 1 - dx:33 - dx]


def evaluate(net, images_u8, labels, mean, std, tta, criterion):
    net.eval()
    correct, loss_sum = 0, 0.0
    with torch.no_grad():
        for start in range(0, len(labels), EVAL_BATCH):
            x = normalise(images_u8[start:start + EVAL_BATCH], mean, std)
            y = labels[start:start + EVAL_BATCH]

            def mirrored(v):
                return (net(v) + net(v.flip(3))) / 2 if tta in ("flip", "flip_translate") else net(v)
            logits = mirrored(x)
            if tta == "flip_translate":
                logits = 0.5 * logits + 0.25 * (mirrored(shift(x, 1, 1)) + mirrored(shift(x, -1, -1)))
            loss_sum += criterion(logits, y).item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
    net.train()
    return loss_sum / len(labels), correct / len(labels)


# ---------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pipeline")
    parser.add_argument("--data", help="CIFAR-10 binary folder (default: the pipeline's data.path)")
    parser.add_argument("--epochs", type=int, help="default: the pipeline's train.epochs")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit-train", type=int, help="train on the first N training images only")
    parser.add_argument("--limit-val", type=int, help="validate on the first N validation images only")
    parser.add_argument("--seed", type=int, help="default: the pipeline's train.seed (0)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(args.threads)
    except RuntimeError:
        pass
    with open(args.pipeline) as f:
        config = yaml.safe_load(f)
    data_cfg = config.get("data") or {}
    if data_cfg.get("source", "synthetic") != "cifar10":
        fail(f"{args.pipeline}: data.source is '{data_cfg.get('source', 'synthetic')}'; this peer reads CIFAR-10 only")
    augment = config.get("augment") or {}
    opt = config.get("optimizer") or {}
    schedule = config.get("schedule") or {}
    train_cfg = config.get("train") or {}
    loss_cfg = config.get("loss") or {}
    epochs = args.epochs or train_cfg.get("epochs", 10)
    batch = train_cfg.get("batch", 100)
    if not isinstance(batch, int):
        fail(f"train.batch '{batch}' is not a number (batch: auto is Conveyor's own planning)")
    seed = train_cfg.get("seed", 0) if args.seed is None else args.seed
    tta = train_cfg.get("tta", "none") or "none"
    tta_every_epoch = train_cfg.get("tta_every_epoch", True)
    eval_interval = train_cfg.get("eval_interval", 1)
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed + 1)

    begin = time.perf_counter()
    folder = args.data or data_cfg.get("path", "data/cifar-10-batches-bin")
    train_x, train_y = load_split(folder, data_cfg.get("train", [1, 2, 3, 4]), args.limit_train)
    val_items = data_cfg.get("validation", [5])
    val_x, val_y = load_split(folder, val_items, args.limit_val) if val_items else (None, None)
    mean, std = channel_statistics(train_x, augment.get("normalize", "auto"))
    steps_per_epoch = len(train_y) // batch
    if steps_per_epoch == 0:
        fail(f"{len(train_y)} training images are fewer than one batch of {batch}")
    total_steps = steps_per_epoch * epochs

    net, kinds = build_network(config["model"])
    whiten = None
    if kinds and kinds[0][0] == "whiten":
        whiten = core(net[0], nn.Conv2d)
        sample = normalise(train_x[:DATA_INIT_SAMPLE], mean, std)
        measure_whitening(whiten, sample, kinds[0][1].get("epsilon", 5.0e-4))
    net.train()

    # parameter groups: weights, biases, batch-norm parameters (frozen ones in none)
    groups = {"weight": [], "bias": [], "norm": []}
    for module in net.modules():
        for name, p in module.named_parameters(recurse=False):
            if not p.requires_grad:
                continue
            kind = "norm" if isinstance(module, nn.modules.batchnorm._BatchNorm) else ("bias" if name == "bias" else "weight")
            groups[kind].append(p)
    lr = opt.get("lr", 0.01)
    if train_cfg.get("reference_batch"):
        lr *= batch / train_cfg["reference_batch"]
    wd, decoupled = opt.get("weight_decay", 0.0), opt.get("decay", "l2") == "decoupled"
    lr_mult = {"weight": 1.0, "bias": 1.0, "norm": 1.0, **(opt.get("lr_multipliers") or {})}
    wd_mult = {"weight": 1.0, "bias": 1.0, "norm": 1.0, **(opt.get("wd_multipliers") or {})}
    if not opt.get("decay_biases", False):
        wd_mult["bias"] = wd_mult["norm"] = 0.0
    param_groups = [{"params": ps, "kind": k, "lr": lr * lr_mult[k], "weight_decay": 0.0 if decoupled else wd * wd_mult[k]}
                    for k, ps in groups.items() if ps]
    optimizer = torch.optim.SGD(param_groups, lr=lr, momentum=opt.get("momentum", 0.9), nesterov=opt.get("nesterov", False))

    if loss_cfg.get("type", "softmax") == "svm":
        hinge = nn.MultiMarginLoss(margin=loss_cfg.get("margin", 1.0))   # divides by the class count

        def criterion(logits, y):
            return hinge(logits, y) * logits.shape[1]
    else:
        criterion = nn.CrossEntropyLoss(label_smoothing=loss_cfg.get("label_smoothing", 0.0))

    look = opt.get("lookahead")
    if look is not None:
        look = {"every": 5, "decay": 0.7738, "power": 3, **look}
        averaged = [t for t in net.state_dict().values() if t.is_floating_point()]
        averages = [t.detach().clone() for t in averaged]

    def lookahead_sync(step):
        d = 1.0 if step >= total_steps else look["decay"] * (step / total_steps) ** look["power"]
        with torch.no_grad():
            for t, a in zip(averaged, averages):
                a.add_(t - a, alpha=1 - d)
                t.copy_(a)

    flip = augment.get("flip", False)
    t = augment.get("translate", 0)
    reflect = augment.get("translate_padding", "mean") == "reflect"
    side = augment.get("cutout", 0)
    first_flips = torch.rand(len(train_y), generator=generator) < 0.5   # flip: alternate, drawn once
    bias_epochs = kinds[0][1].get("bias_epochs") if whiten is not None else None

    seconds_setup = time.perf_counter() - begin
    print(f"pytorch_full_run: {config.get('name', args.pipeline)}: {epochs} epochs of {steps_per_epoch} batches of {batch} "
          f"({len(train_y)} training images, last partial batch dropped), {0 if val_y is None else len(val_y)} validation "
          f"images, lr {lr:g}, {args.threads} threads, setup {seconds_setup:.2f} s", flush=True)
    step, seconds_train, seconds_eval = 0, 0.0, 0.0
    val_acc, val_loss = float("nan"), float("nan")
    for epoch in range(epochs):
        if whiten is not None and bias_epochs is not None and epoch >= bias_epochs and whiten.bias.requires_grad:
            whiten.bias.requires_grad_(False)
            whiten.bias.grad = None
        start = time.perf_counter()
        order = torch.randperm(len(train_y), generator=generator)
        if flip == "alternate":
            flips = first_flips ^ (epoch % 2 == 1)
        elif flip is True:
            flips = torch.rand(len(train_y), generator=generator) < 0.5
        else:
            flips = None
        loss_sum = 0.0
        for b in range(steps_per_epoch):
            index = order[b * batch:(b + 1) * batch]
            x = normalise(train_x[index], mean, std)
            y = train_y[index]
            if flips is not None:
                f = flips[index]
                x[f] = x[f].flip(3)
            if t > 0:
                x = translate(x, t, reflect, generator)
            if side > 0:
                x = cutout(x, side, generator)
            rate = schedule_factor(schedule, step / steps_per_epoch, epochs, lr)
            for group in optimizer.param_groups:
                group["lr"] = rate * lr_mult[group["kind"]]
            optimizer.zero_grad(set_to_none=True)
            loss = criterion(net(x), y)
            loss.backward()
            if decoupled and wd > 0:
                with torch.no_grad():
                    for group in optimizer.param_groups:
                        for p in group["params"]:
                            if p.grad is not None:
                                p.mul_(1 - group["lr"] * wd * wd_mult[group["kind"]])
            optimizer.step()
            step += 1
            if look is not None and (step % look["every"] == 0 or b + 1 == steps_per_epoch or step >= total_steps):
                lookahead_sync(step)
            loss_sum += loss.item() * len(y)
        train_seconds = time.perf_counter() - start
        seconds_train += train_seconds
        mode, eval_seconds = "-", 0.0
        if val_y is not None and ((epoch + 1) % eval_interval == 0 or epoch + 1 == epochs):
            mode = tta if tta_every_epoch or epoch + 1 == epochs else "none"
            start = time.perf_counter()
            val_loss, val_acc = evaluate(net, val_x, val_y, mean, std, mode, criterion)
            eval_seconds = time.perf_counter() - start
            seconds_eval += eval_seconds
        print(f"epoch {epoch + 1}/{epochs}  train {train_seconds:.1f} s  eval {eval_seconds:.1f} s  "
              f"train loss {loss_sum / (steps_per_epoch * batch):.4f}  val loss {val_loss:.4f}  "
              f"acc {val_acc * 100:.2f}% (tta {mode})  lr {schedule_factor(schedule, step / steps_per_epoch, epochs, lr):.4g}",
              flush=True)
    seconds_total = time.perf_counter() - begin
    print(json.dumps({"peer": f"PyTorch {torch.__version__}", "pipeline": args.pipeline, "threads": args.threads,
                      "epochs": epochs, "batch": batch, "train_images": len(train_y),
                      "val_images": 0 if val_y is None else len(val_y), "steps": step,
                      "seconds_total": seconds_total, "seconds_setup": seconds_setup, "seconds_train": seconds_train,
                      "seconds_eval": seconds_eval, "val_accuracy": val_acc, "val_loss": val_loss, "tta": tta,
                      "images_per_second_train": step * batch / max(seconds_train, 1e-9)}))


if __name__ == "__main__":
    main()
