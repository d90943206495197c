"""What every sslkit method shares, and nothing more.

- a backbone built from plain settings (so checkpoints reload with ``load_from_checkpoint``);
- an **online linear probe**: a linear classifier trained on *detached* backbone features
  next to the method's own loss, so every training curve shows accuracy as the
  representation learns, at no cost to the method (no gradient reaches the backbone);
- SGD with momentum, linear warmup and per-step cosine decay.

A method subclasses :class:`Method` and implements ``step(x, y) -> (loss, h)`` or
``(loss, h, z)``: ``x`` is the raw uint8 batch on the device (augment it there), ``h`` the
backbone features (B, D) of one view, which the probe learns from, ``z`` optionally the
output the loss sees (a projection). ``y`` is for the probe and supervised baselines only.
``training_step`` returns ``{"loss", "h", "z"}`` (detached h, z), so callbacks such as
:class:`sslkit.monitor.CollapseMonitor` can watch the representations.
"""

from __future__ import annotations

import math

import lightning as L
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from ..augment import to_float
from ..backbones import build_backbone


class Method(L.LightningModule):
    base_lr = 0.1  # SGD learning rate at batch 256; sslkit.train.pretrain scales it linearly

    def __init__(
        self, arch: str = "resnet18", width: float = 1.0, depth: float = 1.0, norm: str = "bn",
        num_classes: int = 10, lr: float = 0.1, weight_decay: float = 5e-4, momentum: float = 0.9,
        warmup_epochs: float = 0.0, probe_lr: float = 0.1, online_probe: bool = True,
    ):
        super().__init__()
        self.save_hyperparameters(ignore=["augment"])  # also records the subclass's arguments
        self.backbone = build_backbone(arch, width, depth, norm)
        self.probe = nn.Linear(self.backbone.feature_dim, num_classes) if online_probe else None
        self.channels_last = False  # set by sslkit.train.fit on GPU

    # -- what a method defines
    def step(self, x: Tensor, y: Tensor) -> tuple[Tensor, ...]:
        """x: (B, 3, H, W) uint8, y: (B,) → (loss, h (B, D) backbone features[, z (B, d)])."""
        raise NotImplementedError

    def classify(self, h: Tensor) -> Tensor:
        """Logits (B, num_classes) from backbone features; the online probe by default."""
        if self.probe is None:
            raise RuntimeError("This module was built with online_probe=False and has no classifier.")
        return self.probe(h)

    # -- shared machinery
    def prepare(self, x: Tensor) -> Tensor:
        """Float [0, 1] and, on GPU, channels_last memory layout."""
        x = to_float(x)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss, h, *z = self.step(x, y)
        # a NaN check syncs the GPU: every step on CPU (free there), every 50th step on GPU
        if (not loss.is_cuda or batch_idx % 50 == 0) and not torch.isfinite(loss):
            raise FloatingPointError(
                f"{type(self).__name__}: loss became {loss.item()} at step {self.global_step}. "
                "Lower the learning rate or check the inputs."
            )
        self.log("train/loss", loss, prog_bar=True, on_step=True, on_epoch=True)
        if self.probe is not None:
            logits = self.probe(h.detach())
            probe_loss = F.cross_entropy(logits.float(), y)
            self.log("train/acc", (logits.argmax(1) == y).float().mean(), prog_bar=True, on_step=False, on_epoch=True)
            loss = loss + probe_loss
        return {"loss": loss, "h": h.detach(), **({"z": z[0].detach()} if z else {})}

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self.classify(self.backbone(self.prepare(x)))
        self.log("val/acc", (logits.argmax(1) == y).float().mean(), prog_bar=True, on_epoch=True)

    def configure_optimizers(self):
        hp = self.hparams
        probe = list(self.probe.parameters()) if self.probe is not None else []
        probe_ids = {id(p) for p in probe}
        params = [p for p in self.parameters() if id(p) not in probe_ids and p.requires_grad]  # no EMA targets
        groups = [{"params": params, "lr": hp.lr, "weight_decay": hp.weight_decay}]
        if probe:
            groups.append({"params": probe, "lr": hp.probe_lr, "weight_decay": 0.0})
        opt = torch.optim.SGD(groups, lr=hp.lr, momentum=hp.momentum)
        total = max(1, int(self.trainer.estimated_stepping_batches))
        warmup = int(hp.warmup_epochs * total / max(1, self.trainer.max_epochs))
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: warmup_cosine(s, total, warmup))
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    @classmethod
    def from_backbone(cls, backbone: nn.Module, num_classes: int = 10, **kwargs):
        """A new module of this class whose backbone starts from ``backbone``'s weights."""
        module = cls(num_classes=num_classes, **_backbone_settings(backbone), **kwargs)
        module.backbone.load_state_dict(backbone.state_dict())
        return module


def warmup_cosine(step: int, total: int, warmup: int = 0) -> float:
    """LR multiplier: linear from 0 to 1 over ``warmup`` steps, then cosine from 1 to 0."""
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def _backbone_settings(backbone: nn.Module) -> dict:
    settings = getattr(backbone, "settings", None)
    if settings is None:
        raise ValueError("from_backbone needs an sslkit backbone (built by sslkit.backbones.build_backbone).")
    return dict(settings)
