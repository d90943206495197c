"""Features of images from an sslkit method or any encoder: the one forward pass that
evaluation (:mod:`sslkit.training.evaluate`) and DeepCluster's clustering both use."""

from __future__ import annotations

import contextlib

import torch
import torch.nn as nn
from torch import Tensor

from sslkit.methods.base import Method
from sslkit.parts.augment import to_float
from sslkit.parts.data import ImageSet
from sslkit.parts.profiles import fast_settings, in_channels_last


_AUTOCAST = {"bf16-mixed": torch.bfloat16, "16-mixed": torch.float16}


def feature_dtype(device: torch.device) -> torch.dtype | None:
    """The autocast dtype for feature extraction on ``device``: on a GPU, the training precision
    that :func:`sslkit.parts.profiles.fast_settings` picks there (``SSLKIT_PRECISION`` respected);
    on every CPU None, float32.

    A CPU with native bf16 extracts bf16 features faster, but then a number depends on which CPU
    computed it: the same frozen encoder scores 0.1-0.2 points apart on a CPU with native bf16
    and one without (``docs/decisions.md``). Float32 everywhere gives every CPU the same kNN
    accuracy from the same weights."""
    if device.type != "cuda":
        return None
    return _AUTOCAST.get(fast_settings("cuda")["precision"])


def extract_features(
    model: nn.Module, images: ImageSet | Tensor, batch_size: int = 512, device: str | torch.device | None = None,
    dtype: torch.dtype | None | str = "auto",
) -> Tensor:
    """Features of every image, un-augmented, in eval mode: (N, D) float32.

    ``model`` is an sslkit method (its :meth:`~sslkit.methods.base.Method.features` is used: the
    representation the method defines) or any module mapping images to features (``model(x)``,
    e.g. a bare backbone). images: an ImageSet or a (N, 3, H, W) uint8/float tensor. The
    model's train/eval mode is restored afterwards. Features stay on ``device`` (default: the
    model's device).

    Fast path: inference mode, the model's memory layout (channels_last inputs when its
    weights are), and autocast in ``dtype`` — by default the GPU's training precision and
    float32 on every CPU (:func:`feature_dtype`); ``dtype=None`` for float32 anywhere.
    """
    forward = model.features if isinstance(model, Method) else model
    x_all = images.images if isinstance(images, ImageSet) else images
    device = torch.device(device) if device is not None else next(model.parameters()).device
    dtype = feature_dtype(device) if dtype == "auto" else dtype
    layout = torch.channels_last if in_channels_last(model) else torch.contiguous_format
    was_training = model.training
    model.eval()
    out = []
    try:
        amp = torch.autocast(device.type, dtype=dtype) if dtype is not None else contextlib.nullcontext()
        with torch.inference_mode(), amp:
            for x in x_all.split(batch_size):
                x = to_float(x.to(device, non_blocking=True)).contiguous(memory_format=layout)
                out.append(forward(x).float())
    finally:
        model.train(was_training)
    return torch.cat(out)  # outside inference mode: an ordinary tensor autograd may save
