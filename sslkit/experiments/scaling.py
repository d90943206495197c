"""Notebook 09's scaling sweep: encoders of several widths and depths, trained the same way,
with their sizes counted (:mod:`sslkit.training.flops`) beside their accuracy.

:func:`size_sweep` trains one method at each size (:func:`sslkit.experiments.sweeps.sweep_run`,
so references load and interrupted sweeps continue), :func:`summary` averages the seeds, and
:func:`gaps` measures the supervised − SSL gap per size with its standard error.
"""

from __future__ import annotations

from dataclasses import replace

from sslkit.experiments.sweeps import experiment_seeds, main_size, sweep_run
from sslkit.parts.backbones import build_backbone
from sslkit.parts.profiles import Profile, get_profile
from sslkit.records.policy import Mode
from sslkit.training.evaluate import evaluate, low_label_probe
from sslkit.training.flops import count_params, forward_flops, training_flops
from sslkit.training.stats import judge
from sslkit.training.train import build


def size_counts(method_cls, train, size: dict, profile: Profile, **kwargs) -> dict:
    """{"params", "flops", "train_flops"} of ``method_cls`` at ``size`` (``arch``, ``width``,
    ``depth``) trained on ``train`` as :func:`size_sweep` trains it at ``profile``'s main size:
    the encoder's parameters, its forward FLOPs per image, and the whole run's training FLOPs."""
    p = main_size(profile).sweep()
    unknown = set(size) - {"arch", "width", "depth"}
    if unknown:
        raise ValueError(f"a size sets arch, width and depth only; got {sorted(unknown)}.")
    net = build_backbone(size.get("arch", p.arch), size.get("width", p.width), size.get("depth", 1.0))
    _, epochs, method = build(method_cls, train, p, **size, **kwargs)
    return {"params": count_params(net), "flops": forward_flops(net),
            "train_flops": training_flops(method, epochs * len(train))}


def equal_compute_epochs(method_cls, reference_cls, train, size: dict, profile: Profile, **kwargs) -> int:
    """Epochs of ``method_cls`` at ``size`` whose whole run costs the training FLOPs of
    ``reference_cls``'s run at the profile's main epochs (:func:`size_counts`, both on ``train``):
    the reference's epochs × the ratio of their FLOPs per epoch, rounded (at least 1). E.g.
    supervised training against SimCLR's 16 epochs: SimCLR's two views and projection head cost
    2.0–2.5× supervised's FLOPs per image at cpu's widths, so supervised gets 32–40 epochs."""
    ref = size_counts(reference_cls, train, size, profile)
    own = size_counts(method_cls, train, size, profile, **kwargs)
    return max(1, round(main_size(profile).pretrain_epochs * ref["train_flops"] / own["train_flops"]))


def size_sweep(method_cls, train, test, stem: str, sizes: list[dict], *, mode: Mode, seeds=None, profile=None,
               measures=None, **kwargs) -> list[dict]:
    """One row per (size, seed): the size's settings (``arch``, ``width``, ``depth``), the
    encoder's parameters (``params``), its forward FLOPs per image (``flops``), the whole
    run's training FLOPs (``train_flops``: :func:`step_flops` × epochs × images; see
    :func:`size_counts`), the run's results (kNN and any ``measures``) and its training wall
    time (``wall_s``), for ``method_cls`` trained on ``train`` at the profile's main size otherwise.

    Each run is a :func:`sslkit.experiments.sweeps.sweep_run`: its reference is loaded when there is
    one, and a finished run folder is reloaded, so a sweep interrupted after some runs
    continues with the missing ones only."""
    p = get_profile(profile)
    seeds = experiment_seeds(p) if seeds is None else seeds
    rows = []
    for size in sizes:
        counts = size_counts(method_cls, train, size, p, **kwargs)
        for s in seeds:
            run = sweep_run(method_cls, train, test, stem, mode=mode, profile=p, size="main", measures=measures, seed=s,
                            **size, **kwargs)
            rows.append({**size, "seed": s, **counts, **run.results, "wall_s": run.wall_s})
    return rows


# ----------------------------------------------------------------------------- notebook 09's sweep

# images per class of the scaling sweep's two data sets (large, small), per profile. cpu's large
# set is half the cpu profile's 10,000 images, so that 4 widths + 4 depths × 2 methods × 3 seeds
# fit the 2-core CPU in about an hour (two single-thread runs at once); small is a fifth of
# large: 1,000 images, 7 steps per epoch at batch 128, 10 labels per class for the 10% probe.
# gpu: ten times cpu's images at widths 1/8 … 1 (an estimate for a Colab session, not measured)
SCALING_DATA = {"smoke": (40, 20), "cpu": (500, 100), "live": (60, 30), "gpu": (2500, 500)}


def scaling_profiles(profile: Profile) -> dict[str, Profile]:
    """{"large": …, "small": …}: ``profile`` with the scaling sweep's two training-set sizes
    (:data:`SCALING_DATA`); pass one to :func:`size_sweep` and to ``cifar10``."""
    if profile.name not in SCALING_DATA:
        raise ValueError(f"No scaling data sizes for profile {profile.name!r}; add it to SCALING_DATA "
                         f"(one of {', '.join(SCALING_DATA)}).")
    large, small = SCALING_DATA[profile.name]
    return {"large": replace(profile, train_per_class=large), "small": replace(profile, train_per_class=small)}


def width_sizes(profile: Profile) -> list[dict]:
    """Four widths, 1/8 to 1× the profile's main width (ResNet-18): cpu 1/32 … 1/4, gpu 1/8 … 1
    (smoke: the two ends, :meth:`~sslkit.parts.profiles.Profile.points`). (Below 4 channels a
    stage is clamped to 4: cpu's narrowest stem has 4, not 2.)"""
    return profile.points([{"width": profile.width * f} for f in (0.125, 0.25, 0.5, 1.0)])


def depth_sizes(profile: Profile) -> list[dict]:
    """Four depths at half the profile's width: ResNet-10 (one block per stage), -18, -26 (three
    per stage) and -34 (3, 4, 6, 3) (smoke: the two ends)."""
    w = profile.width / 2
    return profile.points([{"width": w, "depth": 0.5}, {"width": w}, {"width": w, "depth": 1.5},
                           {"arch": "resnet34", "width": w}])


def sweep_plan(profile: Profile, pair: bool = False) -> list[tuple[str, dict]]:
    """(data set, size) of every run of one seed of notebook 09's sweep, each once: the widths
    and depths on the large set (ResNet-18 at half width is both) and the widths on the small
    one; with ``pair``, only the two widths a second SSL method is trained at (1/4 and 1× the
    profile's width; the narrowest and 1× where the sweep is thinned, as under smoke)."""
    widths = width_sizes(profile)
    if pair:
        quarter = next((w for w in widths if w["width"] == profile.width / 4), widths[0])
        return [("large", quarter), ("large", widths[-1])]
    depths = [s for s in depth_sizes(profile) if s not in widths]
    return [("large", s) for s in widths + depths] + [("small", s) for s in widths]


def depth_name(size: dict) -> str:
    """"ResNet-10" … "ResNet-34": the conv layers + the classifier of a size from :func:`depth_sizes`."""
    net = build_backbone(size.get("arch", "resnet18"), size.get("width", 1.0), size.get("depth", 1.0))
    return f"ResNet-{2 * sum(net.blocks_per_stage) + 2}"


def probe_measures(fraction: float = 0.1) -> dict:
    """Sweep measures (:func:`sslkit.experiments.sweeps.sweep_run`) beside kNN: ``linear``, the linear
    probe on all train labels, and ``linear10``, the probe on a class-balanced ``fraction`` of them."""
    def linear(module, train, test):
        return evaluate(module, train, test)["linear"]

    def linear10(module, train, test):
        return low_label_probe(module, train, test, fractions=(fraction,))[fraction]

    return {"linear": linear, "linear10": linear10}


def summary(rows: list[dict], metrics=("knn", "linear", "linear10")):
    """One row per size of :func:`size_sweep` rows (a pandas DataFrame): the size, ``params``,
    ``flops``, ``train_flops``, the mean ``wall_s``, the seeds, and ``<metric>_mean`` /
    ``<metric>_sd`` (sample sd over seeds; 0 for one seed) of each metric the rows carry."""
    import pandas as pd

    df = pd.DataFrame(rows)
    for k, default in (("arch", "resnet18"), ("depth", 1.0)):  # a size leaves out what it does not change
        df[k] = df[k].fillna(default) if k in df else default
    present = [m for m in metrics if m in df]
    agg = {"params": "first", "flops": "first", "seed": "count",
           **{k: "first" for k in ("train_flops",) if k in df}, **{k: "mean" for k in ("wall_s",) if k in df}}
    for m in present:
        agg[f"{m}_mean"] = (m, "mean")
        agg[f"{m}_sd"] = (m, lambda v: float(v.std(ddof=1)) if len(v) > 1 else 0.0)
    named = {k: (v if isinstance(v, tuple) else (k, v)) for k, v in agg.items()}
    out = df.groupby(["arch", "width", "depth"], dropna=False).agg(**named).reset_index()
    return out.rename(columns={"seed": "seeds"}).sort_values("params").reset_index(drop=True)


def gaps(supervised: list[dict], ssl: list[dict], metric: str = "linear") -> list[dict]:
    """Per size both sweeps share: the supervised − SSL gap of ``metric`` (difference of the
    seed means) and its standard error √(s_a²/n_a + s_b²/n_b), in accuracy (0–1)."""
    def by_size(rows):
        out = {}
        for r in rows:
            key = (r.get("arch", "resnet18"), r.get("width"), r.get("depth", 1.0))
            out.setdefault(key, {"params": r["params"], "vals": []})["vals"].append(r[metric])
        return out

    a, b = by_size(supervised), by_size(ssl)
    out = []
    for key in sorted(set(a) & set(b), key=lambda k: a[k]["params"]):
        _, diff, se = judge(b[key]["vals"], a[key]["vals"])  # supervised − SSL
        out.append({"arch": key[0], "width": key[1], "depth": key[2], "params": a[key]["params"], "gap": diff, "se": se})
    return out
