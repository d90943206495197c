"""Supervised baseline: the same backbone trained with labels.

The ceiling every SSL table is read against: cross-entropy on labelled, lightly augmented
images (random crop 0.5–1 and flip). It is also how a pretrained backbone is fine-tuned
(:meth:`Method.from_backbone`, :func:`sslkit.evaluate.fine_tune`).
"""

from __future__ import annotations

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from ..augment import Augment, supervised_augment
from .base import Method


class Supervised(Method):
    def __init__(self, augment: Augment | None = None, **kwargs):
        kwargs.setdefault("online_probe", False)  # the classifier is trained directly
        super().__init__(**kwargs)
        self.augment = augment or supervised_augment()
        self.classifier = nn.Linear(self.backbone.feature_dim, self.hparams.num_classes)

    def classify(self, h: Tensor) -> Tensor:
        return self.classifier(h)

    def step(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        h = self.backbone(self.prepare(self.augment(x)))  # (B, D)
        logits = self.classifier(h)  # (B, C)
        self.log("train/acc", (logits.argmax(1) == y).float().mean(), prog_bar=True, on_step=False, on_epoch=True)
        return F.cross_entropy(logits, y), h
