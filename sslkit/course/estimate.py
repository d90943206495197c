"""How long a notebook's live training will take here, measured before it starts.

:func:`training_minutes` times a few optimizer steps of each method a notebook trains, on this
machine, at the profile's sizes (random uint8 images: no data needed), and multiplies by the
images the notebook's runs will see (:data:`PLANS`). It is what a notebook prints first when it
is about to train instead of loading its reference runs — e.g. in Colab, where a session ends
after a few hours. It counts training only (evaluation and plots add a little) and leaves out
small per-step extras such as BYOL's EMA update and DeepCluster's clustering of every epoch.
"""

from __future__ import annotations

import contextlib
import time
from types import SimpleNamespace

import torch

from sslkit.experiments.scaling import equal_compute_epochs, scaling_profiles, sweep_plan, width_sizes
from sslkit.experiments.sweeps import main_size
from sslkit.experiments.transfer import FRACTIONS, draws_for, fine_tune_steps
from sslkit.methods import BYOL, CPC, DeepCluster, Jigsaw, RotNet, SimCLR, Supervised, SwAV
from sslkit.methods.features import _AUTOCAST
from sslkit.parts.profiles import Profile, channels_last_safe, get_profile
from sslkit.training.flops import step_flops, synthetic_batch
from sslkit.training.train import build


def _plans():
    # notebook → [(method, "main" | "sweep" | "sweep-main-data" | "sweep-main-size", epochs as a
    # multiple of the profile's (a main run's: its own, Profile.main_run), number of runs)];
    # "sweep-main-data": the sweep's width and epochs on
    # the main images; "sweep-main-size": sweep runs of the main run's size (images, width, epochs)
    # (sweep runs: settings × 3 seeds, scaled to the profile's seeds by training_minutes; a run
    # another notebook already trained is not counted again).
    # tests/test_estimate.py checks these counts against the runs the notebooks recorded.
    return {
        "00_data_and_baselines": [(Supervised, "supervised", None, 1)],
        "01_rotnet": [(RotNet, "main", None, 1), (RotNet, "sweep", 1.0, 3)],
        "02_jigsaw": [(Jigsaw, "main", None, 1), (Jigsaw, "sweep", 1.0, 12)],
        "03_cpc": [(CPC, "main", None, 1), (CPC, "sweep-main-data", 1.0, 12)],
        "04_simclr": [(SimCLR, "main", None, 1), (SimCLR, "sweep", 1.0, 27), (SimCLR, "sweep", 2.125, 3),
                      (SimCLR, "sweep", 4.375, 3), (SimCLR, "sweep-main-size", 1.0, 3)],
        "05_byol": [(BYOL, "main", None, 1), (BYOL, "sweep", 4.0, 24)],
        "06_deepcluster": [(DeepCluster, "main", None, 1), (DeepCluster, "sweep-main-data", 1.0, 24)],
        "07_swav": [(SwAV, "main", None, 1), (SwAV, "sweep-main-data", 1.0, 15), (SwAV, "sweep-main-data", 1.5, 3)],
        # the encoders are the main runs above; fine-tuning 4 of them on 1%, 10%, 100% of the labels
        "08_transfer": [(Supervised, "finetune", 1.0, 4)],
        # every size of sslkit.experiments.scaling's sweep (widths and depths, two data sets), 3 seeds each
        # and supervised training at each width for SimCLR's training FLOPs (the gap at equal compute)
        "09_scaling": [(SimCLR, "scaling", 1.0, 3), (Supervised, "scaling", 1.0, 3), (BYOL, "scaling-pair", 1.0, 3),
                       (Supervised, "scaling-equal-compute", 1.0, 3)],
    }


def images_per_s(method_cls, profile: Profile, steps: int = 3, warmup: int = 1, **kwargs) -> float:
    """Training throughput of ``method_cls`` (with settings ``kwargs``) at ``profile``'s backbone
    size and batch on its device and precision: images per second over ``steps`` timed SGD
    steps (after ``warmup``)."""
    p, _, module = build(method_cls, SimpleNamespace(num_classes=10), profile, **kwargs)  # only the class count is read
    module = module.to(p.device)
    if p.channels_last and channels_last_safe(module, p.device):
        module = module.to(memory_format=torch.channels_last)
    module.train()
    b = p.batch_size
    batch = synthetic_batch(module, b, p.device)
    opt = torch.optim.SGD(module.parameters(), lr=1e-4, momentum=0.9)
    dtype = _AUTOCAST.get(p.precision)
    cast = torch.autocast(p.device, dtype=dtype) if dtype else contextlib.nullcontext()
    sync = torch.cuda.synchronize if p.device == "cuda" else (lambda: None)
    for i in range(warmup + steps):
        if i == warmup:
            sync()
            t0 = time.perf_counter()
        with cast:
            loss = module.step(batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    sync()
    return steps * b / (time.perf_counter() - t0)


def _images(per_class: int | None) -> int:
    return 50_000 if per_class is None else 10 * per_class


def _finetune_images(p: Profile) -> int:
    """Images one encoder's fine-tunes see: every label fraction and draw of :mod:`sslkit.experiments.transfer`."""
    n = _images(p.train_per_class)
    total = 0
    for f in FRACTIONS:
        labelled = n if f == 1 else max(20, round(f * n))
        epochs, batch = fine_tune_steps(labelled, p)
        total += len(draws_for(f)) * epochs * max(1, labelled // batch) * batch
    return total


def _scaling_seconds(cls, p: Profile, rate, pair: bool = False) -> float:
    """Seconds of one seed of :func:`sslkit.experiments.scaling.sweep_plan` for ``cls``: each size timed
    at its own width and depth."""
    profiles = scaling_profiles(p)
    seconds = 0.0
    for images, size in sweep_plan(p, pair):
        q = main_size(profiles[images]).sweep()
        seconds += q.pretrain_epochs * _images(q.train_per_class) / rate(cls, q, **size)
    return seconds


class _Images(SimpleNamespace):
    """Stands for a training set where only its size and class count are read (FLOP counts)."""

    def __len__(self) -> int:
        return self.n


def _equal_compute_seconds(p: Profile, rate) -> float:
    """Seconds of one seed of notebook 09's equal-compute runs: supervised training at each width
    of the sweep's large set for the epochs that cost SimCLR's training FLOPs
    (:func:`sslkit.experiments.scaling.equal_compute_epochs`)."""
    large = scaling_profiles(p)["large"]
    q = main_size(large).sweep()
    images = _Images(n=_images(q.train_per_class), num_classes=10)
    return sum(equal_compute_epochs(Supervised, SimCLR, images, size, large) * len(images) / rate(Supervised, q, **size)
               for size in width_sizes(p))


def flop_rate(tflops: float, step_overhead_s: float = 0.0):
    """A ``rate`` for :func:`training_minutes` on a device not at hand: images/s of a method at a
    profile's size if it sustained ``tflops`` (10^12 FLOPs per second, counted by
    :func:`sslkit.training.flops.step_flops`) plus ``step_overhead_s`` per step (kernel launches,
    the loader: what bounds narrow networks on a GPU)."""
    def rate(method_cls, profile: Profile, **kwargs) -> float:
        p, _, module = build(method_cls, SimpleNamespace(num_classes=10), profile, **kwargs)
        per_image = step_flops(module.to("cpu"), batch=4) / (tflops * 1e12)
        return 1 / (per_image + step_overhead_s / p.batch_size)

    return rate


def training_minutes(notebook: str, profile: Profile | None = None, rate=None) -> tuple[float, str]:
    """(minutes, how): the estimated training time of ``notebook``'s runs on this machine, or with
    ``rate(method_cls, profile, **settings)`` → images/s (e.g. :func:`flop_rate`) elsewhere."""
    p = get_profile(profile)
    rate = rate or images_per_s
    plan = _plans().get(notebook)
    if plan is None:
        raise ValueError(f"No training plan for {notebook!r}: one of {', '.join(_plans())}.")
    total, parts = 0.0, []
    for cls, kind, factor, runs in plan:
        if kind.startswith(("sweep", "scaling")):  # the plans count 3 seeds
            runs = max(1, round(runs * p.seeds / 3))
        if kind == "scaling-equal-compute":  # runs = seeds of every width, at SimCLR's training FLOPs
            seconds = runs * _equal_compute_seconds(p, rate)
            total += seconds
            parts.append(f"{cls.__name__} at SimCLR's FLOPs, {runs} seeds: {seconds / 60:.1f} min")
            continue
        if kind.startswith("scaling"):  # runs = seeds of every size of the scaling sweep (or of its pair)
            seconds = runs * _scaling_seconds(cls, p, rate, pair=kind == "scaling-pair")
            total += seconds
            parts.append(f"{cls.__name__} scaling sweep, {runs} seeds: {seconds / 60:.1f} min")
            continue
        if kind == "finetune":  # runs = encoders, each fine-tuned on every label fraction and draw
            speed = rate(cls, p)
            seconds = runs * _finetune_images(p) / speed
            total += seconds
            parts.append(f"fine-tuning {runs} encoders: {seconds / 60:.1f} min at {speed:,.0f} images/s")
            continue
        if kind in ("main", "supervised"):  # a main run: the main sizes, its own epochs
            q = p.main_profile()
            epochs = q.main_run(cls.__name__.lower())["epochs"]
        else:
            q = p.sweep() if kind in ("sweep", "sweep-main-data") else p
            epochs = max(1, int(q.pretrain_epochs * factor))
        speed = rate(cls, q)
        seconds = runs * epochs * _images(p.train_per_class if kind == "sweep-main-data" else q.train_per_class) / speed
        total += seconds
        parts.append(f"{cls.__name__} {kind if runs == 1 else f'{runs} {kind} runs'}: {seconds / 60:.1f} min "
                     f"at {speed:,.0f} images/s")
    return total / 60, "; ".join(parts)
