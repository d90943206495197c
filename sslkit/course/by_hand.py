"""A method's training step written out by hand in its notebook, checked against the package's.

Each method notebook writes one training step in a few lines (the views, the forward through
backbone and heads, the loss) and calls :func:`check_step`: both versions run on the same batch
from the same random state (so they draw the same crops, colours, rotations or permutations),
and their losses and their gradients with respect to every trained weight must agree. The
gradients are the stronger half of the check: a stop-gradient in the wrong place (BYOL's
target, SwAV's codes) leaves the loss unchanged and changes them.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from sslkit.methods.base import Method, frozen_norm_stats
from sslkit.parts.data import Batch


def _loss_and_grads(model: Method, run: Callable[[], Tensor], params: list, seed: int):
    with frozen_norm_stats(model):  # neither run moves BatchNorm's running statistics
        torch.manual_seed(seed)
        loss = run()
        if not isinstance(loss, Tensor) or loss.ndim != 0:
            raise TypeError(f"a training step must return a scalar loss tensor, got {type(loss).__name__} "
                            f"{tuple(getattr(loss, 'shape', ()))}.")
        grads = torch.autograd.grad(loss, params, allow_unused=True)
    return loss.detach(), [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]


def check_step(model: Method, step_by_hand: Callable[[Method, Tensor], Tensor], images: Tensor,
               labels: Tensor | None = None, index: Tensor | None = None, seed: int = 0,
               rtol: float = 1e-4, atol: float = 1e-5) -> None:
    """Run ``step_by_hand(model, images)`` and ``model.step(Batch(images, labels, index)).loss``
    in train mode from the same random seed; print both losses and the largest gradient
    difference; raise ``AssertionError`` when the losses or any weight's gradient differ.

    images: (B, 3, H, W) uint8, as a training batch holds them; labels and index default to
    zeros and 0 … B − 1 (only supervised heads and DeepCluster's pseudo-labels read them). The
    model's BatchNorm running statistics are left as they were; the online probe is not part of
    a method's step and is skipped. Returns None (the printed line is the result).
    """
    if images.dtype != torch.uint8 or images.ndim != 4:
        raise ValueError(f"check_step needs a uint8 batch (B, 3, H, W) as training sees it; got {images.dtype} "
                         f"{tuple(images.shape)} (take it from an ImageSet: train.images[:16]).")
    B = len(images)
    batch = Batch(images, torch.zeros(B, dtype=torch.long) if labels is None else labels,
                  torch.arange(B) if index is None else index)
    model.train()
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad and not n.startswith("probe.")]
    params = [p for _, p in named]
    ours, g_ours = _loss_and_grads(model, lambda: step_by_hand(model, images), params, seed)
    theirs, g_theirs = _loss_and_grads(model, lambda: model.step(batch).loss, params, seed)
    worst = max((float((a - b).abs().max()) for a, b in zip(g_ours, g_theirs)), default=0.0)
    print(f"{type(model).__name__} step by hand: loss {float(ours):.6f}, package's step: {float(theirs):.6f}; "
          f"gradients of {len(params)} weight tensors, largest difference {worst:.1e}")
    if not torch.allclose(ours, theirs, rtol=rtol, atol=atol):
        raise AssertionError(f"the losses differ: by hand {float(ours):.6f}, package {float(theirs):.6f}.")
    differ = [n for (n, _), a, b in zip(named, g_ours, g_theirs) if not torch.allclose(a, b, rtol=rtol, atol=atol)]
    if differ:
        raise AssertionError(f"the gradients of {', '.join(differ)} differ, by up to {worst:.2e} "
                             "(a stop-gradient or a term missing on one side?).")
