"""Losses as pure functions. Shapes: B = local batch, D = embedding dim, W = world size.

All are computed in float32 even under bf16/fp16 autocast (:func:`float32`: inputs cast up,
autocast switched off inside): a temperature of 0.05 turns bf16's 3 significant digits of
cosine similarity into logits that are off by whole units.
"""

from __future__ import annotations

import functools

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor


def float32(loss_fn):
    """Run ``loss_fn`` in float32: tensor arguments are cast up and autocast is off inside, so a
    bf16 or fp16 autocast region around the training step never reaches the loss's matmuls."""

    @functools.wraps(loss_fn)
    def wrapper(*args, **kwargs):
        device = next((a.device.type for a in args if isinstance(a, Tensor)), "cpu")
        args = [a.float() if isinstance(a, Tensor) and a.is_floating_point() else a for a in args]
        with torch.autocast(device, enabled=False):
            return loss_fn(*args, **kwargs)

    return wrapper


@float32
def info_nce(anchors: Tensor, candidates: Tensor, positives: Tensor, temperature: float = 0.1,
             exclude: Tensor | None = None) -> Tensor:
    """InfoNCE (van den Oord et al. 2018, https://arxiv.org/abs/1807.03748): classify each
    anchor's positive among all candidates by cosine similarity / temperature.

    anchors: (N, D), candidates: (M, D), positives: (N,) index of each anchor's positive in
    candidates, exclude: optional (N, M) bool of pairs that are neither positive nor negative
    (e.g. an anchor and itself). Returns the mean cross-entropy over anchors, a scalar.
    """
    a = F.normalize(anchors.float(), dim=1)
    c = F.normalize(candidates.float(), dim=1)
    logits = a @ c.T / temperature  # (N, M)
    if exclude is not None:
        logits = logits.masked_fill(exclude, float("-inf"))
    return F.cross_entropy(logits, positives)


def gather_with_grad(x: Tensor) -> Tensor:
    """Concatenate ``x`` (B, D) from every process in rank order → (W·B, D), keeping the
    gradient path back to each process's own slice. Identity outside distributed runs."""
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return x
    from torch.distributed.nn.functional import all_gather

    return torch.cat(all_gather(x), dim=0)


def _distributed() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


@float32
def nt_xent(z1: Tensor, z2: Tensor, temperature: float = 0.5, gather: bool | None = None) -> Tensor:
    """NT-Xent, SimCLR's loss (Chen et al. 2020, https://arxiv.org/abs/2002.05709).

    z1, z2: (B, D) projections of two views of the same B images. Each of the 2B views is an
    anchor; its positive is the other view of its image; every other view in the batch — the
    2B-2 others, or 2·W·B-2 with ``gather`` — is a negative. Returns the mean over anchors.

    ``gather`` (default: on whenever the world size is > 1) takes the negatives from every
    process, gathered with gradients, so a DDP run computes exactly the loss of one process
    on the global batch. Without it each GPU would only contrast against its own slice.
    """
    if z1.shape != z2.shape or z1.ndim != 2:
        raise ValueError(f"nt_xent needs two (B, D) tensors of one shape; got {tuple(z1.shape)} and {tuple(z2.shape)}.")
    gather = _distributed() if gather is None else gather
    B = len(z1)
    Z1, Z2 = (gather_with_grad(z1), gather_with_grad(z2)) if gather else (z1, z2)
    total = len(Z1)  # W·B
    offset = dist.get_rank() * B if gather and _distributed() else 0
    idx = torch.arange(B, device=z1.device) + offset  # global index of each local image
    candidates = torch.cat([Z1, Z2])  # (2WB, D): all first views, then all second views
    anchors = torch.cat([z1, z2])  # (2B, D)
    self_idx = torch.cat([idx, idx + total])
    pos_idx = torch.cat([idx + total, idx])
    exclude = F.one_hot(self_idx, 2 * total).bool()  # (2B, 2WB) an anchor is not its own negative
    return info_nce(anchors, candidates, pos_idx, temperature, exclude)


@float32
def regression_loss(p: Tensor, z: Tensor) -> Tensor:
    """BYOL's one-directional loss: mean over the batch of ‖p̂ − ẑ‖² = 2 − 2·cos(p, z), where
    p̂, ẑ are the L2-normalized prediction and target (Grill et al. 2020, eq. 2).

    p, z: (B, D). ``z`` is a target: it is detached here, so no gradient ever reaches the
    network that produced it (the stop-gradient is part of the objective, not an option).
    Ranges from 0 (same direction) to 4 (opposite).
    """
    if p.shape != z.shape or p.ndim != 2:
        raise ValueError(f"regression_loss needs two (B, D) tensors of one shape; got {tuple(p.shape)} and {tuple(z.shape)}.")
    cos = F.cosine_similarity(p.float(), z.detach().float(), dim=1)  # (B,)
    return (2 - 2 * cos).mean()


@float32
def byol_loss(p1: Tensor, p2: Tensor, z1: Tensor, z2: Tensor) -> Tensor:
    """BYOL's symmetrized loss (Grill et al. 2020, https://arxiv.org/abs/2006.07733).

    p1, p2: (B, D) online predictions of views 1 and 2; z1, z2: (B, D) target projections of
    the same views. The prediction of each view regresses the target of the *other* view:
    ½ (regression_loss(p1, z2) + regression_loss(p2, z1)). The paper sums the two terms
    (range 0–8); we average them (range 0–4) so the value reads like one term; the gradient
    is halved, which the learning rate absorbs. Targets are detached.
    """
    return 0.5 * (regression_loss(p1, z2) + regression_loss(p2, z1))
