"""Small repeated runs for the notebooks' experiments ("sweeps"): one setting changed per run.

A sweep run keeps no weights: its reference (:mod:`sslkit.records.manifest`) is its kNN accuracy and
its training curves, which is all an experiment's plot needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import torch

from sslkit.experiments.baselines import random_floor
from sslkit.parts.data import ImageSet
from sslkit.parts.profiles import Profile, get_profile
from sslkit.records.policy import Mode, obtain
from sslkit.training import runs
from sslkit.training.evaluate import evaluate
from sslkit.training.train import planned_settings, pretrain


@dataclass
class SweepRun:
    """One sweep run: its name, kNN top-1 (0–1), the folder holding its curves (a run folder or
    a reference folder; :func:`sslkit.training.runs.read_metrics` reads either), whether it was loaded,
    ``results``: kNN and every number of the run's ``measures`` (see :func:`sweep_run`), and
    ``wall_s``: its training wall time in seconds (as recorded, for a loaded reference)."""

    name: str
    knn: float
    curves: Path
    loaded: bool
    results: dict = field(default_factory=dict)
    wall_s: float = 0.0


Measure = Callable[..., float]  # (trained module, train ImageSet, test ImageSet) -> a number


def sweep_run(method_cls, train: ImageSet, test: ImageSet, stem: str, *, mode: Mode, profile: Profile | None = None,
              size: str = "sweep", measures: dict[str, Measure] | None = None, **kwargs) -> SweepRun:
    """``method_cls`` pretrained on ``train`` at the profile's *sweep* size
    (:meth:`~sslkit.parts.profiles.Profile.sweep`: its sweep width and epochs), or with
    ``size="main"`` at the profile's own images, width and epochs (:func:`main_size`), and scored by kNN on
    ``test``.

    ``kwargs`` go to :func:`sslkit.training.train.pretrain` and the method. The run is named
    ``run_name(stem, method_cls, sweep profile, **kwargs)`` (the stem plus the settings that
    differ from the defaults); it is loaded or trained by :func:`sslkit.records.policy.obtain`
    in ``mode``, and the same call in another notebook reloads it instead of training again.

    ``measures`` — {name: fn(module, train, test) → float} — are further numbers taken from the
    trained model once, right after training (a probe of another layer, say), since a sweep run
    keeps no weights: they are stored in the run's reference beside kNN, returned in
    ``results``, and a reference that lacks one of them is not used (the run trains again)."""
    if size not in ("sweep", "main"):
        raise ValueError(f"size must be 'sweep' (the profile's experiment size) or 'main' (its own training size, "
                         f"sweeps.main_size), got {size!r}.")
    p = get_profile(profile)
    p = (main_size(p) if size == "main" else p).sweep()
    measures = measures or {}
    if "knn" in measures:
        raise ValueError("'knn' is measured on every sweep run; give the measure another name.")
    name = runs.run_name(stem, method_cls, p, **kwargs)

    def train_here(run_dir: Path):
        trained = pretrain(method_cls, train, None, run_dir, profile=p, progress=False, **kwargs)
        model = trained.module
        results = {"knn": evaluate(model, train, test, probe=False)["knn"]}
        results.update({k: float(fn(model, train, test)) for k, fn in measures.items()})
        return trained, results

    settings = {} if mode.trains_live(p) else planned_settings(method_cls, train, p, **kwargs)[1]
    got = obtain(name, settings, p, mode, train_here, kind="sweep", wants=("knn", *measures))
    return SweepRun(name, got.results["knn"], got.folder, loaded=got.loaded, results=got.results, wall_s=got.wall_s)


def main_size(profile: Profile) -> Profile:
    """``profile`` whose experiment ("sweep") runs have the profile's own size: all its training
    images, its width and its pretraining epochs — so a size sweep varies only what it names.
    Under cpu: 10,000 images, width 1/4, 16 epochs (the main runs have their own, larger size,
    :meth:`~sslkit.parts.profiles.Profile.main_profile`)."""
    return replace(profile, sweep_per_class=profile.train_per_class, sweep_width=profile.width,
                   sweep_epochs=profile.pretrain_epochs)


def experiment_seeds(profile: Profile | str | None = None) -> tuple[int, ...]:
    """The seeds every experiment setting is trained with: (0, 1, 2) — (0, 1) under smoke, which
    proves the code path, not the claim (:attr:`~sslkit.parts.profiles.Profile.seeds`)."""
    return tuple(range(get_profile(profile).seeds))


def sweep_seeds(method_cls, train: ImageSet, test: ImageSet, stem: str, *, mode: Mode, seeds=None,
                profile: Profile | None = None, size: str = "sweep", metric: str = "knn", **kwargs) -> list[float]:
    """``metric`` (kNN top-1 by default, or one of the ``measures``) of :func:`sweep_run` once
    per seed (default: the profile's, :func:`experiment_seeds`): the spread an experiment is judged against."""
    seeds = experiment_seeds(profile) if seeds is None else seeds
    return [sweep_run(method_cls, train, test, stem, mode=mode, profile=profile, size=size, seed=s, **kwargs).results[metric]
            for s in seeds]


def random_init_seeds(train: ImageSet, test: ImageSet, seeds=None, profile: Profile | None = None,
                      method_cls=None, measure=None, **kwargs) -> list[float]:
    """kNN top-1 of a random-init backbone of the profile's *sweep* size, once per seed: the
    floor with its own spread, for judging whether a method's sweep runs beat it.

    With ``method_cls`` (and its settings in ``kwargs``), the floor is that method's own
    representation at random init — e.g. CPC's pooled codes of a random patch encoder, whose
    architecture (GroupNorm, 8×8 patches) differs from the plain backbone's. ``measure`` — a sweep
    measure, fn(module, train, test) → float — replaces kNN (e.g. a mechanism measure at init)."""
    p = get_profile(profile).sweep()
    seeds = experiment_seeds(p) if seeds is None else seeds
    if method_cls is None and measure is None:
        return [random_floor(train, test, p, seed=s)[1]["knn"] for s in seeds]
    if method_cls is None:
        raise ValueError("random_init_seeds: a measure needs the method_cls whose module it reads.")
    out = []
    for s in seeds:
        torch.manual_seed(s)
        module = method_cls(arch=p.arch, width=p.width, num_classes=train.num_classes, **kwargs).to(p.device)
        out.append(float(measure(module, train, test)) if measure else evaluate(module.eval(), train, test, probe=False)["knn"])
    return out


