"""Sizes of encoders and of training runs: parameters and FLOPs, counted by torch, not by hand.

- :func:`count_params` — trainable parameters of a module;
- :func:`forward_flops` — FLOPs of one forward pass per image, counted by
  ``torch.utils.flop_counter.FlopCounterMode`` (matrix multiplies and convolutions, 2 FLOPs per
  multiply-add; normalization, activations and pooling are not counted, as is usual);
- :func:`step_flops` — FLOPs of one training step of a method (its ``step`` — every view, the
  heads and the loss — and the backward pass), per image of the batch: what a run costs is this
  times the images it sees (:func:`training_flops`).

    net = build_backbone("resnet18", width=0.25)
    count_params(net), forward_flops(net)        # 700,176 parameters, 70.1 MFLOPs per 32-px image
"""

from __future__ import annotations

import torch
import torch.nn as nn
from torch.utils.flop_counter import FlopCounterMode

from .profiles import Profile


def count_params(module: nn.Module, trainable_only: bool = True) -> int:
    """Number of parameters (those with ``requires_grad`` when ``trainable_only``)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def forward_flops(module: nn.Module, image_size: int = 32, batch: int = 2) -> int:
    """FLOPs of one forward pass of ``module`` per (3, image_size, image_size) image, in eval
    mode and float32 on the CPU (the count does not depend on the device or precision)."""
    was_training = module.training
    module.eval()
    x = torch.rand(batch, 3, image_size, image_size, device=next(module.parameters()).device)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        module(x)
    module.train(was_training)
    return counter.get_total_flops() // batch


def step_flops(method: nn.Module, batch: int = 8, image_size: int = 32) -> int:
    """FLOPs of one training step of an sslkit method (forward of every view and head, the loss,
    and backward) per image of the batch; the augmentations are not counted."""
    from .estimate import synthetic_batch

    b = synthetic_batch(method, batch, next(method.parameters()).device, image_size)
    method.train()
    method.log = lambda *a, **k: None  # no Trainer attached
    with FlopCounterMode(display=False) as counter:
        method.step(b).loss.backward()
    method.zero_grad(set_to_none=True)
    return counter.get_total_flops() // batch


def training_flops(method: nn.Module, images_seen: int, **kwargs) -> int:
    """FLOPs of a run that sees ``images_seen`` images (epochs × training images)."""
    return step_flops(method, **kwargs) * images_seen


def main_size(profile: Profile) -> Profile:
    """``profile`` whose experiment ("sweep") runs have its main runs' size: all its training
    images, its width and its pretraining epochs — so a size sweep varies only what it names."""
    from dataclasses import replace

    return replace(profile, sweep_per_class=profile.train_per_class, sweep_width=profile.width,
                   sweep_epochs=profile.pretrain_epochs)


def size_sweep(method_cls, train, test, stem: str, sizes: list[dict], seeds=(0, 1, 2), profile=None,
               measures=None, **kwargs) -> list[dict]:
    """One row per (size, seed): the size's settings (``arch``, ``width``, ``depth``), the
    encoder's parameters and forward FLOPs per image, and the run's results (kNN and any
    ``measures``), for ``method_cls`` trained on ``train`` at the profile's main size otherwise.

    Each run is a :func:`sslkit.experiments.sweep_run`: its reference is loaded when there is
    one, and a finished run folder is reloaded, so a sweep interrupted after some runs
    continues with the missing ones only."""
    from .backbones import build_backbone
    from .experiments import sweep_run
    from .profiles import get_profile

    p = main_size(profile or get_profile())
    rows = []
    for size in sizes:
        unknown = set(size) - {"arch", "width", "depth"}
        if unknown:
            raise ValueError(f"a size sets arch, width and depth only; got {sorted(unknown)}.")
        net = build_backbone(size.get("arch", p.arch), size.get("width", p.width), size.get("depth", 1.0))
        counts = {"params": count_params(net), "flops": forward_flops(net)}
        for s in seeds:
            run = sweep_run(method_cls, train, test, stem, profile=p, measures=measures, seed=s, **size, **kwargs)
            rows.append({**size, "seed": s, **counts, **run.results})
    return rows
