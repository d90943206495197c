"""Collapse monitors: is a representation still spreading images out, or has it collapsed?

A method without negatives (BYOL) can reach its loss minimum by mapping every image to the
same vector. Accuracy shows this late; two statistics of one batch show it at once:

- :func:`output_std`: the standard deviation over the batch of the L2-normalized outputs,
  averaged over dimensions (SimSiam, Chen & He 2021, section 4.1). Vectors spread uniformly
  on the unit sphere give ≈ 1/√d; a constant output gives 0. (Features after a ReLU, such as
  the backbone's h, are all non-negative and sit in one corner of the sphere: a healthy h
  stays well below 1/√d; watch its trend, not its level.)
- :func:`effective_rank`: exp of the entropy of the normalized singular values of the batch
  (B, d) (Roy & Vetterli 2007; RankMe, Garrido et al. 2023): how many directions the batch
  really uses, from 1 (every row the same direction) up to min(B, d).

:class:`CollapseMonitor` logs both for the tensors a method's ``training_step`` returns
(``h``, backbone features, and ``z``, the output the loss sees), every few steps.
"""

from __future__ import annotations

import lightning as L
import torch
import torch.nn.functional as F
from torch import Tensor


def output_std(z: Tensor) -> Tensor:
    """z: (B, d) → scalar: mean over dimensions of the std over the batch of z / ‖z‖."""
    if z.ndim != 2 or len(z) < 2:
        raise ValueError(f"output_std needs a (B, d) batch with B ≥ 2, got shape {tuple(z.shape)}.")
    return F.normalize(z.float(), dim=1).std(dim=0).mean()


def effective_rank(z: Tensor, eps: float = 1e-12) -> Tensor:
    """z: (B, d) → scalar in [1, min(B, d)]: exp(−Σ pᵢ log pᵢ) with pᵢ = σᵢ / Σσ over the
    singular values σ of z. A rank-one (constant) batch gives 1."""
    if z.ndim != 2:
        raise ValueError(f"effective_rank needs a (B, d) batch, got shape {tuple(z.shape)}.")
    s = torch.linalg.svdvals(z.float())
    p = s / s.sum().clamp_min(eps)
    return torch.exp(-(p * torch.log(p.clamp_min(eps))).sum())


class CollapseMonitor(L.Callback):
    """Logs ``collapse/<key>_std``, ``collapse/<key>_rank`` and ``collapse/<key>_dim`` (d,
    for the 1/√d reference) per epoch, averaged over every ``every_n_steps``-th batch, for
    each key in ``keys`` that the module's training_step returns."""

    def __init__(self, keys=("h", "z"), every_n_steps: int = 10):
        if every_n_steps < 1:
            raise ValueError(f"every_n_steps must be ≥ 1, got {every_n_steps}.")
        self.keys, self.every = tuple(keys), every_n_steps

    @torch.no_grad()
    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if batch_idx % self.every or not isinstance(outputs, dict):
            return
        for key in self.keys:
            v = outputs.get(key)
            if v is None or v.ndim != 2 or len(v) < 2:
                continue
            log = dict(on_step=False, on_epoch=True, batch_size=len(v), sync_dist=True)
            pl_module.log(f"collapse/{key}_std", output_std(v), **log)
            pl_module.log(f"collapse/{key}_rank", effective_rank(v), **log)
            pl_module.log(f"collapse/{key}_dim", float(v.shape[1]), **log)
