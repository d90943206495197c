"""Transfer: one protocol for every encoder — label efficiency by linear probe and fine-tuning,
and frozen ImageNet ResNet-50 features of CIFAR images at a chosen resolution.

Label fractions. :func:`label_subset` draws the labelled images of a fraction of the training
set, class-balanced, at least ``min_per_class`` per class; for one ``draw`` the subsets are
nested (the 1% set lies inside the 10% set: each class's images are taken from one
permutation, in order), so a curve over fractions adds labels and changes nothing else.

Fine-tuning (:func:`fine_tune_seeds`) trains the encoder and a new linear head end to end on
the labelled subset with the supervised augmentation, at the supervised baseline's learning
rate, for the profile's supervised epochs — and at least ``min_steps`` optimizer steps, so a
1% subset (one batch per epoch) is not trained for a handful of steps. Each fine-tune is a
reference run like an experiment's (results stored, no weights), loaded when it exists.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from sslkit.methods.supervised import Supervised
from sslkit.parts.data import ImageSet, class_balanced_subset
from sslkit.parts.profiles import Profile, get_profile
from sslkit.records.policy import Mode, obtain
from sslkit.training import runs
from sslkit.training.evaluate import evaluate_classifier, linear_probe
from sslkit.training.train import Trained, fit, loaders, resolved, run_report

FRACTIONS = (0.01, 0.1, 1.0)
DRAWS = (0, 1, 2)  # label draws per fraction (the 100% set has one)


def label_subset(labels: Tensor, fraction: float, draw: int = 0, min_per_class: int = 2) -> Tensor:
    """Sorted indices of ``fraction`` of each class (rounded, at least ``min_per_class``), drawn
    with seed ``draw``; nested across fractions for one draw. ``fraction=1`` is everything."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}.")
    if fraction == 1:
        return torch.arange(len(labels))
    smallest = int(torch.bincount(labels).min())
    per_class = min(smallest, max(min_per_class, round(fraction * smallest)))
    return class_balanced_subset(labels, per_class=per_class, seed=draw)


def draws_for(fraction: float, draws=DRAWS) -> tuple[int, ...]:
    return tuple(draws) if fraction < 1 else (0,)


def probe_fractions(train_h: Tensor, train_y: Tensor, test_h: Tensor, test_y: Tensor, num_classes: int,
                    fractions=FRACTIONS, draws=DRAWS) -> dict[float, list]:
    """{fraction: [ProbeResult per draw]}: linear probes of frozen features trained on each label
    subset (L2 strength chosen on a validation split of that subset: a fifth of a partial draw, so
    that 1% of the labels leaves a few images per class to validate on), tested on all of test.
    All labels (fraction 1) use the evaluation protocol's own probe, :func:`linear_probe` with its
    defaults, so the number equals what every method notebook's evaluation prints for the encoder."""
    out = {}
    for f in fractions:
        out[f] = []
        for d in draws_for(f, draws):
            if f == 1:
                out[f].append(linear_probe(train_h, train_y, test_h, test_y, num_classes))
                continue
            idx = label_subset(train_y, f, d).to(train_h.device)
            out[f].append(linear_probe(train_h[idx], train_y[idx.cpu()], test_h, test_y, num_classes,
                                       val_fraction=0.2, seed=d))
    return out


def fine_tune_steps(n_labelled: int, profile: Profile, min_steps: int | None = None) -> tuple[int, int]:
    """(epochs, batch) of one fine-tune: the profile's supervised epochs, raised until the run
    takes at least ``min_steps`` optimizer steps (default: a quarter of the full set's run)."""
    batch = min(profile.batch_size, n_labelled)
    per_epoch = max(1, n_labelled // batch)
    if min_steps is None:
        full = profile.train_per_class * 10 if profile.train_per_class else 50_000
        min_steps = (full // profile.batch_size) * profile.supervised_epochs // 4
    return max(profile.supervised_epochs, math.ceil(min_steps / per_epoch)), batch


def fine_tune_seeds(backbone: nn.Module, stem: str, train: ImageSet, test: ImageSet, fraction: float, *, mode: Mode,
                    draws=DRAWS, profile: Profile | None = None) -> list[float]:
    """Test top-1 (0–1) of ``backbone`` fine-tuned on each label draw of ``fraction`` — run
    ``<stem>-<percent>pct-draw<d>``, loaded or trained by :func:`sslkit.records.policy.obtain` in
    ``mode`` (a finished run in ``runs/`` is reloaded). Unlike a pretraining run's, a fine-tune's
    starting weights are compared too: a retrained encoder makes its fine-tunes train again."""
    p = get_profile(profile)
    out = []
    for d in draws_for(fraction, draws):
        sub = train.subset(label_subset(train.labels, fraction, d))
        epochs, batch = fine_tune_steps(len(sub), p)
        name = f"{stem}-{fraction * 100:g}pct-draw{d}"
        torch.manual_seed(d)
        module = Supervised.from_backbone(backbone, train.num_classes, lr=p.scaled_lr(Supervised.base_lr),
                                          warmup_epochs=0.1 * epochs)
        pb = replace(p, batch_size=batch)
        settings = runs.run_settings(module, sub, epochs=epochs, batch_size=batch, seed=d, profile=resolved(pb))

        def train_here(run_dir: Path, module=module, sub=sub, pb=pb, d=d, epochs=epochs):
            train_loader, _ = loaders(sub, None, pb, seed=d)
            # no validation pass per epoch: a 1% subset takes one step per epoch, and scoring the
            # test set after each would cost ten times the training; it is scored once at the end
            trainer = fit(module.to(p.device), train_loader, run_dir, epochs, pb, progress=False)
            report = run_report(run_dir, trainer, len(sub), train_loader.batch_size)
            return Trained(module, report), {"top1": evaluate_classifier(module, test)}

        got = obtain(name, settings, p, mode, train_here, kind="sweep", wants=("top1",), same_init=True)
        out.append(got.results["top1"])
    return out


IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@torch.inference_mode()
def imagenet_features(net: nn.Module, images: ImageSet, resolution: int = 224, batch_size: int = 256,
                      device: str | torch.device | None = None) -> Tensor:
    """(N, D) float32 features of an ImageNet encoder (e.g. :func:`sslkit.records.pretrained.load_imagenet`)
    for CIFAR images resized to ``resolution`` (bilinear, antialiased) and normalized with
    ImageNet's statistics, as the encoder was trained; half precision on CUDA."""
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    net = net.eval().to(device)
    mean = torch.tensor(IMAGENET_MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=device).view(1, 3, 1, 1)
    out = []
    for i in range(0, len(images), batch_size):
        x = images.images[i:i + batch_size].to(device).float() / 255
        if x.shape[-1] != resolution:
            x = F.interpolate(x, size=(resolution, resolution), mode="bilinear", antialias=True, align_corners=False)
        with torch.autocast(device.type, dtype=torch.float16, enabled=device.type == "cuda"):
            out.append(net((x - mean) / std).float().cpu())
    return torch.cat(out)
