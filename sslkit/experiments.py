"""Small repeated runs for the notebooks' experiments ("sweeps"): one setting changed per run.

A sweep run keeps no weights: its reference (:mod:`sslkit.reference`) is its kNN accuracy and
its training curves, which is all an experiment's plot needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from . import paths, reference, runs
from .data import ImageSet
from .evaluate import evaluate
from .profiles import Profile, get_profile
from .train import planned_settings, pretrain, wall_time


@dataclass
class SweepRun:
    """One sweep run: its name, kNN top-1 (0–1), the folder holding its curves (a run folder or
    a reference folder; :func:`sslkit.plots.read_metrics` reads either), whether it was loaded,
    ``results``: kNN and every number of the run's ``measures`` (see :func:`sweep_run`), and
    ``wall_s``: its training wall time in seconds (as recorded, for a loaded reference)."""

    name: str
    knn: float
    curves: Path
    loaded: bool
    results: dict = field(default_factory=dict)
    wall_s: float = 0.0


Measure = Callable[..., float]  # (trained module, train ImageSet, test ImageSet) -> a number


def sweep_run(method_cls, train: ImageSet, test: ImageSet, stem: str, profile: Profile | None = None,
              retrain: bool | None = None, measures: dict[str, Measure] | None = None, **kwargs) -> SweepRun:
    """``method_cls`` pretrained on ``train`` at the profile's *sweep* size
    (:meth:`~sslkit.profiles.Profile.sweep`) and scored by kNN on ``test``.

    ``kwargs`` go to :func:`sslkit.train.pretrain` and the method. The run is named
    ``run_name(stem, method_cls, sweep profile, **kwargs)`` (the stem plus the settings that
    differ from the defaults); its reference is used when there is one (see
    :func:`sslkit.reference.load_or_pretrain` for when it trains instead), and the same call in
    another notebook reloads it instead of training again.

    ``measures`` — {name: fn(module, train, test) → float} — are further numbers taken from the
    trained model once, right after training (a probe of another layer, say), since a sweep run
    keeps no weights: they are stored in the run's reference beside kNN, returned in
    ``results``, and a reference that lacks one of them is not used (the run trains again)."""
    p = (profile or get_profile()).sweep()
    measures = measures or {}
    if "knn" in measures:
        raise ValueError("'knn' is measured on every sweep run; give the measure another name.")
    name = runs.run_name(stem, method_cls, p, **kwargs)
    if not reference.trains_live(p, retrain):
        run, why = reference.find(name, planned_settings(method_cls, train, p, **kwargs)[1], p)
        entry = run.entry if run is not None else None
        wanted = {"knn", *measures}
        if entry is not None and wanted <= set(entry.get("results", {})):
            results = entry["results"]
            return SweepRun(name, results["knn"], reference.artefact_dir(p, name), loaded=True, results=dict(results),
                            wall_s=entry.get("wall_time_s", 0.0))
        if entry is not None:
            why = f"its reference lacks {', '.join(sorted(wanted - set(entry.get('results', {}))))}"
        print(f"{name}: {why}; training it here.", flush=True)
    run_dir = paths.runs_dir() / p.name / name
    model = pretrain(method_cls, train, None, run_dir, profile=p, progress=False, **kwargs)
    results = {"knn": evaluate(model, train, test, probe=False)["knn"]}
    results.update({k: float(fn(model, train, test)) for k, fn in measures.items()})
    if reference.recording():
        reference.record_run(name, run_dir, p, "sweep", results=results)
    return SweepRun(name, results["knn"], run_dir, loaded=False, results=results,
                    wall_s=wall_time(run_dir)["seconds"])


SEEDS = (0, 1, 2)  # every experiment's setting is trained once per seed


def sweep_seeds(method_cls, train: ImageSet, test: ImageSet, stem: str, seeds=SEEDS, profile: Profile | None = None,
                metric: str = "knn", **kwargs) -> list[float]:
    """``metric`` (kNN top-1 by default, or one of the ``measures``) of :func:`sweep_run` once
    per seed: the spread an experiment is judged against."""
    return [sweep_run(method_cls, train, test, stem, profile, seed=s, **kwargs).results[metric] for s in seeds]


def random_init_seeds(train: ImageSet, test: ImageSet, seeds=SEEDS, profile: Profile | None = None,
                      method_cls=None, **kwargs) -> list[float]:
    """kNN top-1 of a random-init backbone of the profile's *sweep* size, once per seed: the
    floor with its own spread, for judging whether a method's sweep runs beat it.

    With ``method_cls`` (and its settings in ``kwargs``), the floor is that method's own
    representation at random init — e.g. CPC's pooled codes of a random patch encoder, whose
    architecture (GroupNorm, 8×8 patches) differs from the plain backbone's."""
    from .baselines import random_floor

    p = (profile or get_profile()).sweep()
    if method_cls is None:
        return [random_floor(train, test, p, seed=s)[1]["knn"] for s in seeds]
    out = []
    for s in seeds:
        torch.manual_seed(s)
        module = method_cls(arch=p.arch, width=p.width, num_classes=train.num_classes, **kwargs).to(p.device)
        out.append(evaluate(module.eval(), train, test, probe=False)["knn"])
    return out


def judge(baseline: list[float], other: list[float], claim: str = "higher") -> tuple[str, float, float]:
    """(verdict, difference of means, its standard error): is ``other`` ``claim`` ("higher" or
    "lower") than ``baseline``, beyond the seed-to-seed spread?

    The difference of the means counts as real when it exceeds twice its standard error,
    √(s_a²/n_a + s_b²/n_b) with the seeds' sample standard deviations — a 2σ screen, not a
    significance test (with 3 seeds a t-test would ask for more). Verdict: "shown" (the claimed
    direction), "reversed" (the opposite direction), or "not shown at this size".
    """
    import statistics as st

    if min(len(baseline), len(other)) < 2:
        raise ValueError("judge needs at least 2 seeds per setting to measure a spread; use sweep_seeds.")
    diff = st.mean(other) - st.mean(baseline)
    se = (st.variance(baseline) / len(baseline) + st.variance(other) / len(other)) ** 0.5
    return verdict_for(diff, se, claim), diff, se


def verdict_for(diff: float, se: float, claim: str = "higher") -> str:
    """The :func:`judge` verdict of a difference ``diff`` with standard error ``se`` (e.g. a
    difference of two differences): "shown" beyond 2·se in the ``claim``ed direction
    ("higher" or "lower"), "reversed" beyond it the other way, else "not shown at this size"."""
    if claim not in ("higher", "lower"):
        raise ValueError(f"claim must be 'higher' or 'lower', got {claim!r}.")
    signed = diff if claim == "higher" else -diff
    if signed > 2 * se:
        return "shown"
    if signed < -2 * se:
        return "reversed"
    return "not shown at this size"


def mean_sd(accs: list[float]) -> str:
    """"31.6 ± 0.3": mean ± sample standard deviation over seeds, in points."""
    import statistics as st

    return f"{100 * st.mean(accs):.1f} ± {100 * st.stdev(accs):.1f}"


def verdict(claim: str, baseline: list[float], other: list[float], direction: str = "higher") -> str:
    """Print one line — the claim, the difference of means ± its standard error in points, the
    :func:`judge` verdict — and return the verdict."""
    v, d, se = judge(baseline, other, direction)
    print(f"{claim}: {100 * d:+.1f} ± {100 * se:.1f} points → {v}")
    return v
