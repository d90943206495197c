"""BYOL, Bootstrap Your Own Latent (Grill et al. 2020, https://arxiv.org/abs/2006.07733).

Two networks see two views of each image. The **online** network (backbone → projector z →
predictor p) is trained; the **target** network (backbone → projector) is an exponential
moving average of the online one and gets no gradient. The online prediction of one view
regresses the target projection of the other view (:func:`sslkit.parts.losses.byol_loss`). There
are no negatives, so a batch of any size gives the full loss.

Why it does not collapse to a constant: only the online network is optimized, and it chases
a target that moves slowly (τ from ``tau_base`` to 1, :func:`sslkit.parts.ema.cosine_tau`); the
predictor lets the online output differ from the target's. The switches show it:

- ``predictor=False``: z itself regresses the target (no predictor);
- ``tau_base=0``: the target *is* the online network under stop-gradient (no EMA; no copy
  is kept), as in SimSiam;
- ``norm="gn"``: GroupNorm + weight-standardized backbone and GroupNorm heads, so no
  statistic is shared between the images of a batch (Richemond et al. 2020);
  ``head_norm`` ("bn" | "gn" | "none") sets the heads' normalization apart from the backbone's.

Optimizer: SGD, momentum 0.9, warmup + cosine, wd 5e-4 (the paper's LARS pays off at batch
4096), lr = 0.2 × batch / 256, the base lr chosen on a validation split of CIFAR-10 *train*,
never on test (the trial and its numbers: ``docs/decisions.md``). At batch 512 (gpu profile)
linear scaling gives lr 0.4, an extrapolation from batch 128 until a GPU run checks it. Heads
4096 wide, output 256, as in the paper.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from sslkit.methods.base import Method, Step, check_positive
from sslkit.parts.augment import Augment, simclr_augment
from sslkit.parts.data import Batch
from sslkit.parts.ema import cosine_tau, ema_update, make_target
from sslkit.parts.heads import PredictionHead, ProjectionHead
from sslkit.parts.losses import byol_loss


class BYOL(Method):
    base_lr = 0.2  # chosen on a validation split of train: see the module docstring

    def __init__(self, tau_base: float = 0.99, predictor: bool = True, proj_hidden: int = 4096, proj_dim: int = 256,
                 head_norm: str | None = None, augment: Augment | None = None, **kwargs):
        check_positive("BYOL", proj_hidden=proj_hidden, proj_dim=proj_dim)
        super().__init__(**kwargs)
        if not 0.0 <= tau_base <= 1.0:
            raise ValueError(f"tau_base must be in [0, 1] (0 = no EMA, target = online), got {tau_base}.")
        self.augment = augment or simclr_augment()
        head_norm = head_norm or self.hparams.norm  # by default the heads follow the backbone: "bn" or "gn"
        self.projector = ProjectionHead(self.backbone.feature_dim, proj_hidden, proj_dim, norm=head_norm)
        self.predictor = PredictionHead(proj_dim, proj_hidden, norm=head_norm) if predictor else nn.Identity()
        # the target: an EMA copy of backbone + projector, or (tau_base=0) the online network itself
        self.target = make_target(self.online_encoder()) if tau_base > 0 else None

    def online_encoder(self) -> nn.Module:
        """backbone → projector of the online network (the part the target mirrors)."""
        return nn.Sequential(self.backbone, self.projector)

    def on_weights_loaded(self) -> None:
        """The target starts as a copy of the (newly loaded) online network, as at step 0."""
        if self.target is not None:
            self.target = make_target(self.online_encoder())

    def step(self, batch: Batch) -> Step:
        x = batch.x
        x1, x2 = self.prepare(self.augment(x)), self.prepare(self.augment(x))  # (B, 3, S, S) each
        h1, h2 = self.backbone(x1), self.backbone(x2)  # (B, D)
        z1, z2 = self.projector(h1), self.projector(h2)  # (B, proj_dim)
        p1, p2 = self.predictor(z1), self.predictor(z2)  # (B, proj_dim)
        if self.target is None:  # no EMA: the target is the online z itself (detached by the loss)
            t1, t2 = z1, z2
        else:
            with torch.no_grad():
                t1, t2 = self.target(x1), self.target(x2)  # (B, proj_dim)
        return Step(byol_loss(p1, p2, t1, t2), h=h1, z=z1)

    def on_train_batch_end(self, outputs, batch, batch_idx):
        """After each optimizer step: τ from the cosine schedule, then the EMA update."""
        if self.target is None:
            return
        tau = cosine_tau(self.global_step, int(self.trainer.estimated_stepping_batches), self.hparams.tau_base)
        ema_update(self.target, self.online_encoder(), tau)
        self.log("train/tau", tau, on_step=False, on_epoch=True)
