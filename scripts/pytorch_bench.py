#!/usr/bin/env python3
"""The peer: trains the network of a Conveyor pipeline file in PyTorch and prints images/s.

Builds the same layers from the pipeline's `model` list (same shapes, same rounding), the same
loss and SGD settings, and times full training steps (forward, backward, update) on random
CIFAR-shaped batches after a warm-up. Prints one JSON line.

--layers also times each layer's forward and backward pass alone, as `conveyor bench --layers`
does (training mode, the best of --repetitions, the first layer computes no input gradient),
and adds them to the JSON line as "layers", one entry per item of the `model` list, in order.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import yaml


def build(model_spec, classes=10):
    """The network as an nn.Sequential whose i-th module is the i-th item of the expanded model list."""
    return nn.Sequential(*(module for _, module in build_layers(model_spec)))


class Residual(nn.Module):
    """body(x) + shortcut(x), the shortcut the identity when it has no layers (Conveyor's residual)."""

    def __init__(self, body, shortcut):
        super().__init__()
        self.body = body
        self.shortcut = shortcut

    def forward(self, x):
        return self.body(x) + self.shortcut(x)


def expand(model_spec):
    """The model list with each residual block's `repeat` copies and their `activation` as items
    of their own, as Conveyor's decoder expands them (res1, res1.relu, res2, ...)."""
    items = []
    for item in model_spec:
        kind, s = (item, {}) if isinstance(item, str) else next(iter(item.items()))
        if kind != "residual":
            items.append(item)
            continue
        block = {"body": s["body"], "shortcut": s.get("shortcut") or []}
        for _ in range(s.get("repeat", 1)):
            items.append({"residual": block})
            if s.get("activation"):
                items.append(s["activation"])
    return items


def build_layers(model_spec, shape=(3, 32, 32)):
    """(kind, module) for each item of the expanded model list; the first fc carries the flattening."""
    layers, shape = build_path(expand(model_spec), shape)
    return layers


def build_path(model_spec, shape):
    """(kind, module) for each item of an expanded list from `shape` on, and the shape it ends in."""
    layers = []
    flattened = False
    for item in model_spec:
        kind, s = (item, {}) if isinstance(item, str) else next(iter(item.items()))
        s = s or {}
        c, h, w = shape
        if kind == "residual":
            body, body_shape = build_path(expand(s["body"]), shape)
            shortcut, shortcut_shape = build_path(expand(s["shortcut"]), shape)
            if body_shape != shortcut_shape:
                raise SystemExit(f"pytorch_bench: a residual body ends in {body_shape} but its shortcut in {shortcut_shape}")
            layers.append((kind, Residual(nn.Sequential(*(m for _, m in body)), nn.Sequential(*(m for _, m in shortcut)))))
            shape = body_shape
        elif kind == "conv":
            pad, dil, size, stride = s.get("padding", 0), s.get("dilation", 1), s["size"], s.get("stride", 1)
            conv = nn.Conv2d(c, s["filters"], size, stride, pad, dil, s.get("groups", 1), s.get("bias", True))
            layers.append((kind, conv))
            eff = dil * (size - 1) + 1
            shape = (s["filters"], (h - eff + 2 * pad) // stride + 1, (w - eff + 2 * pad) // stride + 1)
        elif kind == "whiten":
            # airbench's frozen patch-whitening convolution: 2 x C x P x P filters, bias trained;
            # same: true keeps the plane size, the last row and column reading zeros past the edge.
            size = s.get("size", 2)
            conv = nn.Conv2d(c, 2 * c * size * size, size, bias=True)
            conv.weight.requires_grad_(False)
            module = nn.Sequential(nn.ZeroPad2d((0, size - 1, 0, size - 1)), conv) if s.get("same", False) else conv
            layers.append((kind, module))
            shape = (2 * c * size * size, h if s.get("same", False) else h - size + 1, w if s.get("same", False) else w - size + 1)
        elif kind in ("maxpool", "avgpool"):
            size, stride, pad = s["size"], s.get("stride", s["size"]), s.get("padding", 0)
            ceil = s.get("rounding", "exact") == "ceil"
            layer = (nn.MaxPool2d if kind == "maxpool" else nn.AvgPool2d)(size, stride, pad, ceil_mode=ceil)
            layers.append((kind, layer))
            with torch.no_grad():
                shape = tuple(layer(torch.zeros(1, *shape)).shape[1:])
        elif kind == "global_avgpool":
            layers.append((kind, nn.AdaptiveAvgPool2d(1)))
            shape = (c, 1, 1)
        elif kind == "batchnorm":
            norm = nn.BatchNorm2d(c, eps=s.get("epsilon", 1e-5), momentum=s.get("momentum", 0.1), affine=s.get("affine", True))
            if norm.affine and s.get("scale", True) is False:
                norm.weight.requires_grad_(False)   # scale: false, as airbench: only the shift trains
            layers.append((kind, norm))
        elif kind == "relu":
            layers.append((kind, nn.ReLU()))
        elif kind == "gelu":
            layers.append((kind, nn.GELU(approximate="tanh")))
        elif kind == "dropout":
            layers.append((kind, nn.Dropout(s.get("p", 0.5))))
        elif kind == "fc":
            linear = nn.Linear(c * h * w, s["outputs"], bias=s.get("bias", True))
            layers.append((kind, linear if flattened else nn.Sequential(nn.Flatten(), linear)))
            flattened = True
            shape = (s["outputs"], 1, 1)
        else:
            raise SystemExit(f"pytorch_bench: layer type '{kind}' is not known")
    return layers, shape


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("pipeline")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--layers", action="store_true", help="also time each layer's forward and backward alone")
    parser.add_argument("--repetitions", type=int, default=5, help="per-layer timings: the best of this many")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = yaml.safe_load(open(args.pipeline))
    device = torch.device(args.device)
    kinds_and_modules = build_layers(config["model"])
    net = nn.Sequential(*(module for _, module in kinds_and_modules)).to(device)
    opt = config.get("optimizer", {})
    optimizer = torch.optim.SGD(net.parameters(), lr=opt.get("lr", 0.01), momentum=opt.get("momentum", 0.9),
                                nesterov=opt.get("nesterov", False), weight_decay=opt.get("weight_decay", 0.0))
    loss_cfg = config.get("loss", {})
    criterion = (nn.MultiMarginLoss(margin=loss_cfg.get("margin", 1.0)) if loss_cfg.get("type") == "svm"
                 else nn.CrossEntropyLoss(label_smoothing=loss_cfg.get("label_smoothing", 0.0)))
    x = torch.randn(args.batch, 3, 32, 32, device=device)
    y = torch.randint(0, 10, (args.batch,), device=device)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = criterion(net(x), y)
        loss.backward()
        optimizer.step()
        return loss

    for _ in range(args.warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    loss.item()
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    result = {"peer": f"PyTorch {torch.__version__}", "device": str(device), "threads": args.threads,
              "batch": args.batch, "steps": args.steps, "images_per_second": args.batch * args.steps / seconds}
    if args.layers:
        result["layers"] = layer_timings(kinds_and_modules, x, device, args.repetitions)
    print(json.dumps(result))


def layer_timings(kinds_and_modules, x, device, repetitions):
    """Each layer's forward and backward pass alone, in training mode, the best of `repetitions`
    (host clock around a synchronised device): forward with autograd recording, as in training;
    backward as autograd.grad of the layer's output into its input (not for the first layer,
    as in Conveyor) and parameters, from a random output gradient."""
    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def best(body):
        fastest = float("inf")
        for _ in range(repetitions):
            sync()
            start = time.perf_counter()
            body()
            sync()
            fastest = min(fastest, time.perf_counter() - start)
        return fastest * 1000

    rows, h = [], x
    counts = {}
    for index, (kind, module) in enumerate(kinds_and_modules):
        counts[kind] = counts.get(kind, 0) + 1
        module.train()
        layer_input = h.detach().requires_grad_(index > 0)
        forward_ms = best(lambda: module(layer_input))
        out = module(layer_input)
        wrt = ([layer_input] if index > 0 else []) + [p for p in module.parameters() if p.requires_grad]
        backward_ms = 0.0
        if wrt:
            dy = torch.randn_like(out)
            backward_ms = best(lambda: torch.autograd.grad(out, wrt, grad_outputs=dy, retain_graph=True))
        rows.append({"index": index, "kind": kind, "output_shape": "x".join(str(d) for d in out.shape[1:]),
                     "forward_milliseconds": forward_ms, "backward_milliseconds": backward_ms})
        h = out.detach()
    return rows


if __name__ == "__main__":
    main()
