"""SwAV, Swapping Assignments between Views (Caron et al. 2020, https://arxiv.org/abs/2006.09882).

Every view of an image goes through the backbone (h) and a projection head; the projection,
L2-normalized (z), is scored against K learned unit-norm **prototypes** (cosines, (B, K)).
Per batch, Sinkhorn-Knopp turns the scores of each full-size view into soft *codes* that use
every prototype equally often over the batch (:func:`sslkit.parts.losses.sinkhorn`); each view must
then predict the codes of the *other* views (:func:`sslkit.parts.losses.swav_loss`). Clustering is
online — a few matrix rescalings per batch instead of k-means over the whole data set, the
cost DeepCluster pays every epoch — and the equipartition constraint is what rules out the
trivial solution of one prototype for every image.

Defaults for CIFAR-10 at batch 128, and why:

- ``n_prototypes=100``: K ≫ 10 classes (as DeepCluster's k-means); the paper's ImageNet run
  has about 1.4 samples per prototype per batch (4,096 / 3,000) and we keep that ratio
  (128 / 100 ≈ 1.3) instead of adding a queue. ``queue_size`` (off) allows a larger K.
- ``eps=0.05``, ``n_iters=3``, ``temperature=0.1``: the paper's values (its CIFAR-scale
  re-implementations in lightly and solo-learn keep them).
- Prototypes frozen for the first epoch (``freeze_prototypes_epochs=1``), as the paper: early
  on the codes are nearly random and the prototypes would chase them; L2-normalized after
  every optimizer step, so scores stay cosines (unnormalized prototypes are the usual NaN).
- Multi-crop: 2 views at 32 px (crop scale 0.14–1) plus ``n_local=4`` views at 16 px (crop
  scale 0.1–0.4). At 32 px the paper's small-crop scale (0.05–0.14 of the image) keeps only
  7–12 pixels a side, mostly texture; 0.1–0.4 keeps 10–20, a recognizable part. Four 16-px
  views cost about one 32-px view (a quarter of the pixels each): 1.5× SimCLR's step.
- Projector 2048 → 128 with BatchNorm, SGD with momentum, warmup and cosine, weight decay
  5e-4 (the SimCLR recipe of this package), but lr **0.6** × batch / 256, ten times SimCLR's:
  chosen on a validation split of the training images: val kNN 32.2% at 0.06, 33.4% at 0.2,
  39.6% at 0.6 (random init 27.3%; ``docs/decisions.md``).
  With SimCLR's rate the loss stayed near log K (the authors' "stuck at log K" symptom). The
  paper's LARS rate (4.8 at batch 4,096) is also far above SimCLR's.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from sslkit.methods.base import Method, Step, check_positive
from sslkit.parts.augment import Augment, simclr_augment
from sslkit.parts.data import Batch
from sslkit.parts.heads import ProjectionHead
from sslkit.parts.losses import swav_loss


def swav_crops(n_local: int = 4, size_local: int = 16, local_scale=(0.1, 0.4), strength: float = 0.5) -> list[Augment]:
    """SwAV's views for 32×32 images: two at 32 px (crop scale 0.14–1) and ``n_local`` small
    ones at ``size_local`` px (crop scale ``local_scale``); see the module docstring."""
    base = simclr_augment(32, strength)
    return [base.replace(crop_scale=(0.14, 1.0))] * 2 + [base.replace(size=size_local, crop_scale=tuple(local_scale))] * n_local


class SwAV(Method):
    base_lr = 0.6  # validation-split choice, see the module docstring

    def __init__(self, n_prototypes: int = 100, temperature: float = 0.1, eps: float = 0.05, n_iters: int = 3,
                 proj_hidden: int = 2048, proj_dim: int = 128, n_local: int = 4, size_local: int = 16,
                 local_scale: tuple[float, float] = (0.1, 0.4), equipartition: bool = True,
                 freeze_prototypes_epochs: int = 1, queue_size: int = 0, queue_start_epoch: int = 0, **kwargs):
        check_positive("SwAV", temperature=temperature, eps=eps, n_iters=n_iters, proj_hidden=proj_hidden,
                       proj_dim=proj_dim)
        super().__init__(**kwargs)
        if n_prototypes < 2:
            raise ValueError(f"n_prototypes must be at least 2, got {n_prototypes}.")
        if queue_size < 0:
            raise ValueError(f"queue_size must be ≥ 0 (0 = no queue), got {queue_size}.")
        self.augments = swav_crops(n_local, size_local, local_scale)
        self.projector = ProjectionHead(self.backbone.feature_dim, proj_hidden, proj_dim)
        self.prototypes = nn.Linear(proj_dim, n_prototypes, bias=False)  # rows: unit-norm prototypes
        self.normalize_prototypes()
        # past projections of the two full-size views: (2, queue_size, proj_dim), newest first
        self.register_buffer("queue", torch.zeros(2, queue_size, proj_dim), persistent=False)
        self.queue_filled = 0

    @torch.no_grad()
    def normalize_prototypes(self) -> None:
        """Scale every prototype (a row of the weight, (K, d)) to unit length."""
        self.prototypes.weight.copy_(F.normalize(self.prototypes.weight, dim=1))

    def scores(self, x) -> tuple[list[torch.Tensor], torch.Tensor, torch.Tensor]:
        """(scores per view [(B, K)], h (B, D) of the first view, z (V·B, d) all views)."""
        B = len(x)
        views = [self.prepare(a(x)) for a in self.augments]
        h_all, z_all = [], []
        for size in dict.fromkeys(v.shape[-1] for v in views):  # one forward per resolution
            same = torch.cat([v for v in views if v.shape[-1] == size])
            h = self.backbone(same)
            h_all.append(h)
            z_all.append(F.normalize(self.projector(h), dim=1))
        z = torch.cat(z_all)
        return list(self.score(z).split(B)), h_all[0][:B], z

    def score(self, z: torch.Tensor) -> torch.Tensor:
        """Cosines (N, K) of unit-norm projections z (N, d) to the prototypes, in float32 even
        under autocast: Sinkhorn divides them by ε = 0.05, which would turn bf16's three
        significant digits into codes that are off by whole units of the exponent."""
        with torch.autocast(z.device.type, enabled=False):
            return F.linear(z.float(), self.prototypes.weight.float())

    @torch.no_grad()
    def assign(self, images: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
        """The prototype each image is closest to, (N,) ids: un-augmented images (N, 3, H, W),
        eval mode (BatchNorm's running statistics). How the learned clusters split a data set."""
        was_training = self.training
        self.eval()
        try:
            out = [self.score(F.normalize(self.projector(self.features(x.to(self.device))), dim=1)).argmax(1).cpu()
                   for x in images.split(batch_size)]
        finally:
            self.train(was_training)
        return torch.cat(out)

    def step(self, batch: Batch) -> Step:
        hp = self.hparams
        B = len(batch.x)
        scores, h, z = self.scores(batch.x)
        queue = None
        if hp.queue_size > 0 and self.current_epoch >= hp.queue_start_epoch:
            if self.queue_filled >= hp.queue_size:  # used only once full: a half-empty queue of zeros would skew codes
                with torch.no_grad():
                    queue = [self.score(self.queue[i]) for i in range(2)]
            self._push(z[:2 * B].detach().view(2, B, -1))
        loss = swav_loss(scores, 2, hp.temperature, hp.eps, hp.n_iters, hp.equipartition, queue)
        # prototype usage of the first view's choices (argmax): how many, and how evenly —
        # entropy over its maximum log min(B, K): 1 = spread evenly, 0 = one prototype for all
        with torch.no_grad():
            counts = torch.bincount(scores[0].argmax(1), minlength=hp.n_prototypes).float()
            p = counts / counts.sum()
            entropy = -(p[p > 0] * p[p > 0].log()).sum()
        return Step(loss, h=h, z=z[:B], logs={"prototypes_used": (counts > 0).sum().float(),
                                               "usage_entropy": entropy / math.log(min(B, hp.n_prototypes))})

    @torch.no_grad()
    def _push(self, z: torch.Tensor) -> None:
        """Put the two full-size views' projections (2, B, d) at the front of the queue."""
        size = self.queue.shape[1]
        n = min(z.shape[1], size)
        self.queue.copy_(torch.cat([z[:, :n].to(self.queue.dtype), self.queue[:, :size - n]], dim=1))
        self.queue_filled = min(size, self.queue_filled + n)

    def on_before_optimizer_step(self, optimizer) -> None:
        # frozen prototypes get no update at all (no weight decay, no momentum), as in the paper
        if self.current_epoch < self.hparams.freeze_prototypes_epochs:
            self.prototypes.weight.grad = None

    def on_train_batch_end(self, outputs, batch, batch_idx) -> None:
        self.normalize_prototypes()

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        # the queue is no weight (not in state_dict, so references and load_backbone never see
        # it) but a resumed run needs it to continue exactly as an uninterrupted one
        if self.hparams.queue_size > 0:
            checkpoint["swav_queue"] = {"queue": self.queue.detach().cpu().clone(), "filled": self.queue_filled}

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        saved = checkpoint.get("swav_queue")
        if saved is not None and saved["queue"].shape == self.queue.shape:
            self.queue.copy_(saved["queue"].to(self.queue.device))
            self.queue_filled = int(saved["filled"])

    def on_train_epoch_start(self) -> None:
        if self.hparams.queue_size > 0 and self.current_epoch == self.hparams.queue_start_epoch:
            self.queue_filled = 0  # fill from scratch with projections of the current network
