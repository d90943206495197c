"""The two reference points of every table: the floor and the supervised baseline.

- **floor**: a randomly initialized backbone, frozen, through the evaluation protocol. Any
  method that does not beat it has learned nothing useful.
- **supervised**: the same backbone trained with all the labels, then evaluated the same
  way (kNN and linear probe of its frozen features), plus its own classifier's accuracy.
"""

from __future__ import annotations

from pathlib import Path

import torch

from sslkit.methods.supervised import Supervised
from sslkit.parts.backbones import build_backbone
from sslkit.parts.data import ImageSet
from sslkit.parts.profiles import Profile, channels_last_safe, get_profile
from sslkit.records.policy import Mode, load_or_pretrain
from sslkit.training.evaluate import evaluate, evaluate_classifier
from sslkit.training.train import pretrain


def random_floor(train: ImageSet, test: ImageSet, profile: Profile | None = None, seed: int = 0):
    """(backbone, {"knn", "linear"}) of a random-init backbone of the profile's size."""
    p = get_profile(profile)
    torch.manual_seed(seed)
    net = build_backbone(p.arch, p.width).to(p.device)
    if p.channels_last and channels_last_safe(net, p.device):  # the layout the profile trains in: features extract faster
        net = net.to(memory_format=torch.channels_last)
    return net, evaluate(net, train, test)


def supervised_settings(profile: Profile | None = None, epochs: int | None = None) -> dict:
    """The supervised baseline's training settings at ``profile``: its main-run epochs
    (:meth:`~sslkit.parts.profiles.Profile.main_run` of "supervised", or ``epochs``), SGD at the
    profile's learning rate, weight decay 5e-4, one warmup epoch when it trains more than five."""
    p = get_profile(profile).main_profile()
    settings = {**p.main_run("supervised"), **({"epochs": epochs} if epochs else {})}
    return {"lr": p.scaled_lr(), "weight_decay": 5e-4, "warmup_epochs": 1 if settings["epochs"] > 5 else 0, **settings}


def supervised_baseline(
    train: ImageSet, test: ImageSet, *, mode: Mode, profile: Profile | None = None, run_dir: str | Path | None = None,
    epochs: int | None = None, progress: bool = True, verbose: bool = False,
):
    """(:class:`~sslkit.training.train.Trained` Supervised module and its report, metrics) — the
    profile's reference run ``supervised`` when ``mode`` allows and there is one (:func:`sslkit.records.policy.load_or_pretrain`), else trained
    (or reloaded) in ``runs/<profile>/supervised``; with ``run_dir``, always trained there.

    metrics: kNN and linear probe of the frozen trained backbone, the accuracy of its own
    classifier, and the training wall time in seconds.
    """
    p = get_profile(profile).main_profile()  # the baseline every main run is read against: the main runs' sizes
    kwargs = dict(profile=p, progress=progress, **supervised_settings(p, epochs))
    if run_dir is None:  # the notebooks' baseline: its reference run when there is one
        trained = load_or_pretrain(Supervised, train, test, "supervised", mode=mode, name="supervised", verbose=verbose,
                                   **kwargs)
    else:
        trained = pretrain(Supervised, train, test, run_dir, **kwargs)
    metrics = evaluate(trained.module, train, test)
    metrics["classifier"] = evaluate_classifier(trained.module, test)
    metrics["wall_s"] = trained.report.seconds
    return trained, metrics
