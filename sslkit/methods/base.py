"""What every sslkit method shares, and nothing more.

- a backbone built from plain settings (so checkpoints reload with ``load_from_checkpoint``);
- an **online linear probe**: a linear classifier trained on *detached* backbone features
  next to the method's own loss, so every training curve shows accuracy as the
  representation learns, at no cost to the method (no gradient reaches the backbone);
- SGD with momentum, linear warmup and per-step cosine decay (:meth:`Method.make_optimizer`
  is the one place a method picks another optimizer, e.g. Adam or LARS).

The contract a method fills in:

- ``step(batch) -> Step``: ``batch`` is a :class:`~sslkit.parts.data.Batch` ``(x, y, index)`` with
  ``x`` the raw uint8 images on the device (augment them there), ``y`` labels (for the probe
  and supervised baselines only) and ``index`` each image's position in the training set
  (for pseudo-labels or memory banks). :class:`Step` names what comes back: the loss, ``h``
  for the online probe, ``z`` for the collapse monitor, and extra values to log.
- ``features(x) -> (B, D)``: the representation that kNN, the linear probe, the online probe's
  validation, embeddings and transfer all read. By default the pooled backbone output of the
  whole image; a method whose representation is something else (CPC: pooled patch codes)
  overrides it, and every evaluation follows.
- ``on_weights_loaded()``: rebuild state derived from the weights (BYOL's EMA target) after
  :meth:`Method.from_backbone` loads a backbone.

``training_step`` returns ``{"loss", "h", "z"}`` (detached h, z), so callbacks such as
:class:`sslkit.parts.monitor.CollapseMonitor` can watch the representations. Features the online
probe needs beyond the method's own forward are computed with :func:`probe_forward`, which
leaves BatchNorm running statistics untouched.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field

import lightning as L
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from sslkit.parts.augment import to_float
from sslkit.parts.backbones import build_backbone
from sslkit.parts.data import Batch
from sslkit.parts.profiles import in_channels_last


@dataclass
class Step:
    """What one training step of a method produces.

    loss: scalar the method minimizes; h: (B, D) features of the batch's images for the online
    probe (aligned with ``batch.y``), or None; z: (B, d) the output the loss sees, for the
    collapse monitor, or None; logs: extra scalars logged per epoch as ``train/<name>``.
    """

    loss: Tensor
    h: Tensor | None = None
    z: Tensor | None = None
    logs: dict[str, Tensor | float] = field(default_factory=dict)


def check_setting(owner: str, name: str, value, ok, allowed: str) -> None:
    """Refuse a numeric setting that is not a finite number for which ``ok(value)`` holds, naming
    the owner, the setting, the value and the ``allowed`` range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not ok(value):
        raise ValueError(f"{owner}: {name} must be {allowed}, got {value!r}.")


def check_positive(owner: str, **values) -> None:
    """:func:`check_setting` for settings that must be > 0 (a temperature, ε, a learning rate …)."""
    for name, v in values.items():
        check_setting(owner, name, v, lambda x: x > 0, "a finite number > 0")


@contextlib.contextmanager
def frozen_norm_stats(module: nn.Module):
    """Run ``module`` in train mode (batch statistics) without moving its BatchNorm running
    statistics: the buffers are restored on exit."""
    saved = [(b, b.clone()) for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
             for b in m.buffers()]
    try:
        yield
    finally:
        with torch.no_grad():
            for b, copy in saved:
                b.copy_(copy)


class Method(L.LightningModule):
    base_lr = 0.1  # SGD learning rate at batch 256; sslkit.training.train.pretrain scales it linearly
    decay_lr = True  # cosine decay to 0 after the warmup; False: constant after the warmup

    def __init__(
        self, arch: str = "resnet18", width: float = 1.0, depth: float = 1.0, norm: str = "bn",
        num_classes: int = 10, lr: float = 0.1, weight_decay: float = 5e-4, momentum: float = 0.9,
        warmup_epochs: float = 0.0, probe_lr: float = 0.1, online_probe: bool = True,
    ):
        super().__init__()
        name = type(self).__name__
        check_positive(name, lr=lr, probe_lr=probe_lr)
        check_setting(name, "weight_decay", weight_decay, lambda v: v >= 0, "≥ 0")
        check_setting(name, "momentum", momentum, lambda v: 0 <= v < 1, "in [0, 1)")
        check_setting(name, "warmup_epochs", warmup_epochs, lambda v: v >= 0, "≥ 0")
        self.save_hyperparameters(ignore=["augment"])  # also records the subclass's arguments
        self.backbone = build_backbone(arch, width, depth, norm)
        self.probe = nn.Linear(self.backbone.feature_dim, num_classes) if online_probe else None

    # -- what a method defines
    def step(self, batch: Batch) -> Step:
        """batch: (x (B, 3, H, W) uint8, y (B,), index (B,)) → :class:`Step`."""
        raise NotImplementedError

    def features(self, x: Tensor) -> Tensor:
        """The representation every evaluation reads: x (B, 3, H, W) uint8 or float → (B, D)."""
        return self.backbone(self.prepare(x))

    def probe_forward(self, x: Tensor) -> Tensor:
        """:meth:`features` of un-augmented images for the online probe, without gradient and
        without moving BatchNorm running statistics (the method's own statistics stay its own).
        Call it before the method's own forward: the statistics are restored in place."""
        with torch.no_grad(), frozen_norm_stats(self):
            return self.features(x)

    def on_weights_loaded(self) -> None:
        """Rebuild state derived from the weights; called after :meth:`from_backbone` loads them."""

    def make_optimizer(self, param_groups: list[dict]) -> torch.optim.Optimizer:
        """The optimizer over ``param_groups`` (the method's parameters, then the probe's, each
        with its lr and weight decay). SGD with momentum by default; override for Adam or LARS."""
        return torch.optim.SGD(param_groups, lr=self.hparams.lr, momentum=self.hparams.momentum)

    def classify(self, h: Tensor) -> Tensor:
        """Logits (B, num_classes) from backbone features; the online probe by default."""
        if self.probe is None:
            raise RuntimeError("This module was built with online_probe=False and has no classifier.")
        return self.probe(h)

    # -- shared machinery
    @property
    def channels_last(self) -> bool:
        """True when the backbone's weights are in channels_last layout (the profile trains in it):
        read from the weights themselves, so it follows ``module.to(memory_format=…)``."""
        return in_channels_last(self.backbone)

    def log(self, *args, **kwargs) -> None:
        """Lightning's ``log`` inside a Trainer; nothing outside one (a step called by hand: a
        test, a FLOP count, a throughput estimate)."""
        if self._trainer is not None:
            super().log(*args, **kwargs)

    def prepare(self, x: Tensor) -> Tensor:
        """Float [0, 1], in channels_last memory layout when the module trains in it. x: uint8
        (B, 3, H, W) or float in [0, 1]; the backbone checks what reaches it (the range in eval mode)."""
        x = to_float(x)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def training_step(self, batch, batch_idx):
        batch = Batch(*batch)
        out = self.step(batch)
        if not isinstance(out, Step):
            raise TypeError(f"{type(self).__name__}.step must return sslkit.methods.Step(loss, h, z, logs), "
                            f"got {type(out).__name__}: build it as Step(loss, h, z, logs).")
        loss, h, z, y = out.loss, out.h, out.z, batch.y
        # a NaN check syncs the GPU: every step on CPU (free there), every 50th step on GPU
        if (not loss.is_cuda or batch_idx % 50 == 0) and not torch.isfinite(loss):
            raise FloatingPointError(
                f"{type(self).__name__}: loss became {loss.item()} at step {self.global_step}. "
                "Lower the learning rate or check the inputs."
            )
        self.log("train/loss", loss, prog_bar=True, on_step=True, on_epoch=True, sync_dist=True)
        for name, value in out.logs.items():
            self.log(f"train/{name}", value, prog_bar=name.endswith("acc"), on_step=False, on_epoch=True, sync_dist=True)
        if self.probe is not None and h is not None:
            logits = self.probe(h.detach())
            probe_loss = F.cross_entropy(logits.float(), y)
            self.log("train/acc", (logits.argmax(1) == y).float().mean(), prog_bar=True, on_step=False, on_epoch=True,
                     sync_dist=True)
            loss = loss + probe_loss
        return {"loss": loss, **{k: v.detach() for k, v in (("h", h), ("z", z)) if v is not None}}

    def validation_step(self, batch, batch_idx):
        x, y = batch[0], batch[1]
        logits = self.classify(self.features(x))
        self.log("val/acc", (logits.argmax(1) == y).float().mean(), prog_bar=True, on_epoch=True, sync_dist=True)

    def configure_optimizers(self):
        hp = self.hparams
        probe = list(self.probe.parameters()) if self.probe is not None else []
        probe_ids = {id(p) for p in probe}
        params = [p for p in self.parameters() if id(p) not in probe_ids and p.requires_grad]  # no EMA targets
        groups = [{"params": params, "lr": hp.lr, "weight_decay": hp.weight_decay}]
        if probe:
            groups.append({"params": probe, "lr": hp.probe_lr, "weight_decay": 0.0})
        opt = self.make_optimizer(groups)
        total = max(1, int(self.trainer.estimated_stepping_batches))
        warmup = int(hp.warmup_epochs * total / max(1, self.trainer.max_epochs))
        shape = warmup_cosine if self.decay_lr else warmup_constant
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: shape(s, total, warmup))
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    @classmethod
    def from_backbone(cls, backbone: nn.Module, num_classes: int = 10, **kwargs):
        """A new module of this class whose backbone starts from ``backbone``'s weights (and
        whose derived state, such as an EMA target, is rebuilt from them)."""
        module = cls(num_classes=num_classes, **_backbone_settings(backbone), **kwargs)
        module.backbone.load_state_dict(backbone.state_dict())
        module.on_weights_loaded()
        return module


def warmup_cosine(step: int, total: int, warmup: int = 0) -> float:
    """LR multiplier: linear from 0 to 1 over ``warmup`` steps, then cosine from 1 to 0."""
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def warmup_constant(step: int, total: int, warmup: int = 0) -> float:
    """LR multiplier: linear from 0 to 1 over ``warmup`` steps, then 1 (``total`` is unused: the
    same signature as :func:`warmup_cosine`)."""
    return (step + 1) / warmup if step < warmup else 1.0


def _backbone_settings(backbone: nn.Module) -> dict:
    settings = getattr(backbone, "settings", None)
    if settings is None:
        raise ValueError("from_backbone needs an sslkit backbone (built by sslkit.parts.backbones.build_backbone).")
    return dict(settings)
