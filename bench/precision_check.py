"""Is bf16 training correct on this CPU? Loss and accuracy of bf16 runs against float32's seed spread.

For each method, short runs at the cpu profile's main size (its train subset — or
``--train-per-class`` images per class — and width, ``--epochs`` epochs) in float32 and in the fast configuration (bf16 autocast +
channels_last), ``--seeds`` seeds each. Reported per run: the last epoch's mean training loss
(method loss; the online probe's loss is logged apart), the online probe's accuracy on a
validation set of CIFAR-10 *train* images outside the profile's subset (the test set is never
read), and kNN on that validation set (float32 features); then mean ± std per configuration
and each configuration's difference of means from float32 in units of the pooled seed-to-seed
standard deviation. A configuration is judged correct when |Δ| ≤ 2 pooled std.
Configurations: ``fp32``; ``bf16+cl`` (everything under autocast, heads included);
``bf16+cl+fp32heads`` (backbone in bf16, projection/prediction heads in float32 — sslkit's
default, :class:`sslkit.parts.heads.MLPHead`).

    SSLKIT_DATA=... python bench/precision_check.py [--methods SimCLR BYOL] [--seeds 0 1 2] [--epochs 3] [--train-per-class 500]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from choose_lr import val_knn, validation_split  # noqa: E402

from sslkit import methods  # noqa: E402
from sslkit.parts.heads import MLPHead  # noqa: E402
from sslkit.parts.profiles import get_profile
from sslkit.parts.threads import warn_if_busy  # noqa: E402
from sslkit.training.runs import read_metrics  # noqa: E402
from sslkit.training.runs import run_dir  # noqa: E402
from sslkit.training.train import pretrain  # noqa: E402

# name → (profile settings, heads in float32 under autocast)
CONFIGS = {"fp32": (dict(precision="32-true", channels_last=False), True),
           "bf16+cl": (dict(precision="bf16-mixed", channels_last=True), False),  # heads in bf16 too
           "bf16+cl+fp32heads": (dict(precision="bf16-mixed", channels_last=True), True)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--methods", nargs="+", default=["SimCLR", "BYOL"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--profile", default="cpu")
    ap.add_argument("--train-per-class", type=int, help="training images per class (default: the profile's)")
    ap.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    args = ap.parse_args()
    base = get_profile(args.profile)
    warn_if_busy()
    if args.train_per_class:
        base = replace(base, train_per_class=args.train_per_class)
    train, val = validation_split(base, 200, "main")
    print(f"# bench/precision_check.py — {date.today()} — {platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__}; {len(train):,} train images, width {base.width}, batch {base.batch_size}, "
          f"{args.epochs} epochs; validation: {len(val):,} train images outside the subset", flush=True)
    rows = []
    for name in args.methods:
        cls = getattr(methods, name)
        for config in args.configs:
            settings, MLPHead.float32 = CONFIGS[config]
            p = replace(base, **settings)
            for seed in args.seeds:
                rd = run_dir(f"precision-{name.lower()}-{config}", cls, p, seed=seed, epochs=args.epochs)
                model, run = pretrain(cls, train, val, rd, epochs=args.epochs, profile=p, seed=seed, progress=False)
                last = read_metrics(rd).iloc[-1]
                knn = val_knn(model, train, val, dtype=None)
                r = {"method": name, "config": config, "seed": seed,
                     "loss": float(last["train/loss_epoch"]), "probe_acc": float(last["val/acc"]), "val_knn": knn,
                     "train_s": round(run.seconds, 1), "img_s": round(run.images_per_s, 1)}
                rows.append(r)
                print(json.dumps(r), flush=True)
    print("\n| method | metric | " + " | ".join(f"{c} (mean ± std)" for c in args.configs)
          + " | " + " | ".join(f"{c}: Δ / pooled std" for c in args.configs[1:]) + " |\n"
          + "|---|---|" + "---:|" * (2 * len(args.configs) - 1))
    for name in args.methods:
        for metric, scale in (("loss", 1), ("probe_acc", 100), ("val_knn", 100), ("img_s", 1)):
            v = {c: [scale * r[metric] for r in rows if r["method"] == name and r["config"] == c] for c in args.configs}
            fmt = ".3f" if metric == "loss" else ".1f"
            cells = [f"{statistics.mean(x):{fmt}} ± {statistics.stdev(x):{fmt}}" for x in v.values()]
            a = v[args.configs[0]]
            for c in args.configs[1:]:
                b = v[c]
                sd = ((statistics.variance(a) + statistics.variance(b)) / 2) ** 0.5
                d = (statistics.mean(b) - statistics.mean(a)) / sd if sd else float("nan")
                cells.append("" if metric == "img_s" else f"{d:+.1f}" + ("" if abs(d) <= 2 else " (outside)"))
            print(f"| {name} | {metric} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
