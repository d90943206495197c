"""RotNet (Gidaris, Singh, Komodakis 2018, https://arxiv.org/abs/1803.07728).

Pretext task: rotate every image by 0°, 90°, 180° and 270° and predict which rotation was
applied. Recognizing that a car is upside down needs a notion of what cars look like; the
four rotated copies of each image go through the network in the same batch, as in the
paper, which found that better than one random rotation per image. The classifier is a
linear layer on the pooled backbone features; the images get a light crop and flip first.
"""

from __future__ import annotations

import torch.nn as nn
import torch.nn.functional as F

from sslkit.methods.base import Method, Step
from sslkit.parts.augment import Augment, rotations, supervised_augment
from sslkit.parts.data import Batch


class RotNet(Method):
    base_lr = 0.1

    def __init__(self, augment: Augment | None = None, **kwargs):
        super().__init__(**kwargs)
        self.augment = augment or supervised_augment()
        self.rotation_head = nn.Linear(self.backbone.feature_dim, 4)

    def step(self, batch: Batch) -> Step:
        xr, yr = rotations(self.augment(batch.x))  # (4B, 3, H, W), (4B,)
        h = self.backbone(self.prepare(xr))  # (4B, D)
        logits = self.rotation_head(h)  # (4B, 4)
        return Step(F.cross_entropy(logits, yr), h=h[: len(batch.x)],  # probe on the upright copies
                    logs={"pretext_acc": (logits.argmax(1) == yr).float().mean()})
