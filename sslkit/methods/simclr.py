"""SimCLR (Chen et al. 2020, https://arxiv.org/abs/2002.05709).

Two random views of each image go through the same backbone (h) and projection head (z);
NT-Xent pulls the two views of an image together and pushes them away from every other
view in the batch (gathered across GPUs under DDP). The probe reads h, not z.
``negatives=n`` keeps n of those negatives per view (drawn each step): the number of negatives
at a fixed batch and compute (notebook 04).

Optimizer: SGD with momentum 0.9, linear warmup and cosine decay, lr = 0.06 × batch / 256,
weight decay 5e-4 — lightly's CIFAR-10 recipe. The paper's LARS pays off at batch sizes in
the thousands; at the CIFAR batches used here (≤ 512) SGD reaches the same accuracy with
one fewer moving part.
"""

from __future__ import annotations


from sslkit.methods.base import Method, Step, check_positive
from sslkit.parts.augment import Augment, simclr_augment
from sslkit.parts.data import Batch
from sslkit.parts.heads import ProjectionHead
from sslkit.parts.losses import nt_xent


class SimCLR(Method):
    base_lr = 0.06

    def __init__(self, temperature: float = 0.5, proj_hidden: int = 2048, proj_dim: int = 128,
                 head_norm: str = "bn", augment: Augment | None = None, negatives: int | None = None, **kwargs):
        check_positive("SimCLR", temperature=temperature, proj_hidden=proj_hidden, proj_dim=proj_dim)
        if negatives is not None:
            check_positive("SimCLR", negatives=negatives)
        super().__init__(**kwargs)
        self.augment = augment or simclr_augment()
        self.projector = ProjectionHead(self.backbone.feature_dim, proj_hidden, proj_dim, norm=head_norm)

    def step(self, batch: Batch) -> Step:
        x = batch.x
        x1, x2 = self.prepare(self.augment(x)), self.prepare(self.augment(x))  # (B, 3, S, S) each
        h1, h2 = self.backbone(x1), self.backbone(x2)  # (B, D)
        z1, z2 = self.projector(h1), self.projector(h2)  # (B, proj_dim)
        return Step(nt_xent(z1, z2, self.hparams.temperature, negatives=self.hparams.negatives), h=h1, z=z1)
