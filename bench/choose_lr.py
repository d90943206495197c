"""Choose a method's base learning rate on a validation split cut from CIFAR-10 *train*.

Each candidate ``base_lr`` (lr = base_lr × batch / 256) pretrains the method at the profile's
main size (``--size main``: its train subset, width and pretraining epochs) or sweep size
(``--size sweep``: the smaller runs its experiments repeat), one run per seed, and is scored by
kNN accuracy (the protocol's k=200, exp(sim/0.1)) with the run's training images as memory bank
and, as queries, a class-balanced validation set of train images that no run of the profile
trains on (outside the profile's train subset). The test set is never read. Prints one JSON
line per run and a table of mean ± std over seeds.

    SSLKIT_DATA=... python bench/choose_lr.py --method BYOL --base-lrs 0.2 0.6 2.0 --size main
"""

from __future__ import annotations

import argparse
import ast
import json
import statistics
import time

import torch

from sslkit import methods
from sslkit.parts.data import class_balanced_subset, load_cifar10
from sslkit.parts.profiles import describe, get_profile
from sslkit.parts.threads import warn_if_busy
from sslkit.training.evaluate import extract_features, knn_accuracy
from sslkit.training.runs import run_dir
from sslkit.training.train import pretrain


def validation_split(profile, per_class: int, size: str):
    """(training set, validation queries): both from CIFAR-10 train, disjoint; the queries avoid
    every image of the profile's own train subset (which holds its sweep subset)."""
    full = load_cifar10("train")
    train = full.balanced(profile.sweep_per_class if size == "sweep" else profile.train_per_class, seed=0)
    used = torch.zeros(len(full), dtype=torch.bool)
    used[class_balanced_subset(full.labels, per_class=profile.train_per_class, seed=0)] = True
    rest = torch.nonzero(~used).flatten()
    val = rest[class_balanced_subset(full.labels[rest], per_class=per_class, seed=1)]
    return train, full.subset(val)


def val_knn(model, train, val, dtype="auto") -> float:
    """kNN accuracy of ``val`` queries against ``train`` as memory bank (the protocol's k and
    temperature); ``dtype`` as in :func:`sslkit.training.evaluate.extract_features`."""
    return knn_accuracy(extract_features(model, train, dtype=dtype), train.labels,
                        extract_features(model, val, dtype=dtype), val.labels, train.num_classes)


def parse_settings(pairs) -> dict:
    """``["temperature=0.2", "norm=gn"]`` → ``{"temperature": 0.2, "norm": "gn"}`` (Python literals where
    they parse, strings otherwise): method settings given on a benchmark's command line."""
    settings = {}
    for kv in pairs:
        key, _, value = kv.partition("=")
        try:
            settings[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            settings[key] = value
    return settings


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--method", default="BYOL", help="a class in sslkit.methods")
    ap.add_argument("--base-lrs", type=float, nargs="+", required=True)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--profile", default="cpu")
    ap.add_argument("--val-per-class", type=int, default=200)
    ap.add_argument("--size", choices=("main", "sweep"), default="main")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                    help="method settings held fixed for every run, e.g. queue_size=1280 (named in the run folder)")
    args = ap.parse_args()
    settings = parse_settings(args.set)
    warn_if_busy()
    base = get_profile(args.profile)
    p = base.sweep() if args.size == "sweep" else base
    cls = getattr(methods, args.method)
    train, val = validation_split(base, args.val_per_class, args.size)

    print(describe(p, train), f"\nvalidation queries: {len(val):,} train images outside the profile's subset", flush=True)
    torch.manual_seed(0)
    floor_net = cls(arch=p.arch, width=p.width, num_classes=train.num_classes).eval()  # the method's own random init:
    floor = val_knn(floor_net, train, val)  # its features (e.g. CPC's pooled patch codes), not a plain backbone's
    print(json.dumps({"random_init_val_knn": round(floor, 4)}), flush=True)
    scores: dict[float, list[float]] = {}
    for base_lr in args.base_lrs:
        for seed in args.seeds:
            lr = base_lr * p.batch_size / 256
            t0 = time.perf_counter()
            # the lr is always in the name: the method's default (its base_lr) may change later
            stem = f"lr-{args.method.lower()}" + ("-main" if args.size == "main" else "") + f"-lr={lr:g}"
            model, run = pretrain(cls, train, None, run_dir(stem, cls, p, seed=seed, **settings),
                                  profile=p, seed=seed, lr=lr, progress=False, **settings)
            knn = val_knn(model, train, val)
            scores.setdefault(base_lr, []).append(knn)
            print(json.dumps({"method": args.method, **settings, "base_lr": base_lr, "lr": lr, "seed": seed, "val_knn": round(knn, 4),
                              "train_s": round(run.seconds, 1), "wall_s": round(time.perf_counter() - t0, 1)}),
                  flush=True)
    one = len(args.seeds) == 1
    print(f"\n| base lr | val kNN ({'seed ' + str(args.seeds[0]) if one else f'mean ± sd over {len(args.seeds)} seeds'}) |"
          "\n|---:|---:|")
    print(f"| random init | {100 * floor:.1f}% |")
    for base_lr, v in scores.items():
        spread = "" if one else f" ± {100 * statistics.stdev(v):.1f}"
        print(f"| {base_lr:g} | {100 * statistics.mean(v):.1f}{spread}% |")
    best = max(scores, key=lambda b: statistics.mean(scores[b]))
    print(f"\nhighest mean validation kNN: base_lr {best:g}"
          + ("" if statistics.mean(scores[best]) > floor else
             f" — but no learning rate beats random init ({100 * floor:.1f}%): none can be chosen from this table"))


if __name__ == "__main__":
    main()
