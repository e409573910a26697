#!/usr/bin/env python3
"""Conveyor's forward pass against PyTorch's on the same weights and images.

    conveyor activations CHECKPOINT --count 64 --out acts.h5
    python3 scripts/pytorch_forward_parity.py CHECKPOINT acts.h5

Builds the checkpoint's network in PyTorch from its stored pipeline (scripts/pytorch_bench.py:
the same layers, residual blocks included), copies every tensor of /model into it, runs the
dump's /input (the normalised images Conveyor's network saw) through it in evaluation mode and
compares the logits with the dump's last layer. The layers that own tensors are matched in
network order: the dump's `layers` attribute lists Conveyor's layers in that order, and
PyTorch's Conv2d, BatchNorm2d and Linear modules come in the same order (a block's body, then
its shortcut). Prints the largest relative error and exits 1 above --tolerance (the parity
tests' 1e-4 by default, relative to the largest logit).
"""
import argparse
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn as nn
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_bench import build  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("checkpoint")
    parser.add_argument("activations")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()
    torch.set_num_threads(2)
    checkpoint = h5py.File(args.checkpoint, "r")
    config = yaml.safe_load(checkpoint.attrs["config"])
    net = build(config["model"]).eval()
    dump = h5py.File(args.activations, "r")
    names = [n.decode() if isinstance(n, bytes) else n for n in dump["/activations"].attrs["layers"]]
    owners = [n for n in names if n in checkpoint["/model"] and len(checkpoint["/model"][n]) > 0]
    modules = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.BatchNorm2d, nn.Linear))]
    if len(owners) != len(modules):
        sys.exit(f"{len(owners)} layers with tensors in the checkpoint, {len(modules)} in the PyTorch network")
    with torch.no_grad():
        for name, module in zip(owners, modules):
            group = checkpoint["/model"][name]
            for key, tensor in [("weight", module.weight), ("bias", module.bias),
                                ("running_mean", getattr(module, "running_mean", None)),
                                ("running_var", getattr(module, "running_var", None))]:
                if tensor is None:
                    continue
                if key not in group:
                    sys.exit(f"{name}: no {key} in the checkpoint for PyTorch's {module}")
                values = torch.from_numpy(np.asarray(group[key], dtype=np.float32))
                if values.shape != tensor.shape:
                    sys.exit(f"{name}.{key}: checkpoint {tuple(values.shape)}, PyTorch {tuple(tensor.shape)}")
                tensor.copy_(values)
        images = torch.from_numpy(np.asarray(dump["/input"], dtype=np.float32))
        ours = np.asarray(dump["/activations"][names[-1]], dtype=np.float64).reshape(images.shape[0], -1)
        theirs = net(images).double().numpy().reshape(images.shape[0], -1)
    error = np.abs(ours - theirs).max() / max(np.abs(theirs).max(), 1e-12)
    print(f"{config['name']}: {images.shape[0]} images, {len(owners)} layers with tensors, logits of {names[-1]}: "
          f"largest relative error {error:.2e} (tolerance {args.tolerance:.0e})")
    sys.exit(0 if error <= args.tolerance else 1)


if __name__ == "__main__":
    main()
