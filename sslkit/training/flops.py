"""Sizes of encoders and of training runs: parameters and FLOPs, counted by torch, not by hand.

- :func:`synthetic_batch` — random images and labels to time or count one step without data;
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

from sslkit.parts.data import Batch


def synthetic_batch(module, size: int, device, image_size: int = 32) -> Batch:
    """A seeded batch of random uint8 images and labels for timing or counting one step of
    ``module`` (no data needed). DeepCluster also gets pseudo-labels for it (its clustering is
    not part of a step)."""
    g = torch.Generator().manual_seed(0)
    if hasattr(module, "set_pseudo_labels"):
        module.set_pseudo_labels(torch.randint(0, module.hparams.n_clusters, (size,), generator=g))
    return Batch(torch.randint(0, 256, (size, 3, image_size, image_size), dtype=torch.uint8, generator=g).to(device),
                 torch.randint(0, 10, (size,), generator=g).to(device), torch.arange(size, device=device))


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
    b = synthetic_batch(method, batch, next(method.parameters()).device, image_size)
    method.train()
    with FlopCounterMode(display=False) as counter:
        method.step(b).loss.backward()
    method.zero_grad(set_to_none=True)
    return counter.get_total_flops() // batch


def training_flops(method: nn.Module, images_seen: int, **kwargs) -> int:
    """FLOPs of a run that sees ``images_seen`` images (epochs × training images)."""
    return step_flops(method, **kwargs) * images_seen
