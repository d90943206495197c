"""Supervised baseline: the same backbone trained with labels.

The ceiling every SSL table is read against: cross-entropy on labelled, lightly augmented
images (random crop 0.5–1 and flip). It is also how a pretrained backbone is fine-tuned
(:meth:`Method.from_backbone`, :func:`sslkit.training.evaluate.fine_tune`).
"""

from __future__ import annotations

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from sslkit.methods.base import Method, Step
from sslkit.parts.augment import Augment, supervised_augment
from sslkit.parts.data import Batch


class Supervised(Method):
    def __init__(self, augment: Augment | None = None, **kwargs):
        kwargs.setdefault("online_probe", False)  # the classifier is trained directly
        super().__init__(**kwargs)
        self.augment = augment or supervised_augment()
        self.classifier = nn.Linear(self.backbone.feature_dim, self.hparams.num_classes)

    def classify(self, h: Tensor) -> Tensor:
        return self.classifier(h)

    def step(self, batch: Batch) -> Step:
        h = self.backbone(self.prepare(self.augment(batch.x)))  # (B, D)
        logits = self.classifier(h)  # (B, C)
        return Step(F.cross_entropy(logits, batch.y), h=h, logs={"acc": (logits.argmax(1) == batch.y).float().mean()})
