"""Which SimCLR recipe learns most per CPU-minute? Short budgeted runs on all of CIFAR-10 train.

Issue 30's first step. Each call trains one recipe on the 45,000 training images left after a
class-balanced validation split of 5,000 (500 per class, seed 1) is cut from CIFAR-10 *train*,
for about ``--minutes`` of this machine's time, and scores it by kNN on that validation split
(the protocol's k=200, exp(sim/0.1), the 45,000 as memory bank). The test set is never read.

The budget becomes epochs before training starts: epochs = budget × images/s / 45,000, so the
cosine schedule ends on time, with images/s the recipe's throughput on an idle machine —
given (``--images-per-s``, measured for every recipe in one sitting with
:func:`sslkit.course.estimate.images_per_s`) or timed now over a few optimizer steps. The run then trains that many epochs
whatever else the machine is doing (a busy machine only makes it take longer), so recipes are
compared at equal *planned* minutes; the real wall time is recorded beside it.

Runs live in ``runs/recipe/<name>/`` and resume after a kill; each finished run appends one
JSON line to ``bench/recipe_runs.jsonl`` (command, machine, date, planned and real minutes,
epochs, validation kNN).

    SSLKIT_DATA=... python bench/recipe.py --name w0.25 --width 0.25 --minutes 20
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

from choose_lr import parse_settings  # bench/ is on the path when this script runs

from sslkit import methods
from sslkit.course.estimate import images_per_s
from sslkit.parts import paths
from sslkit.parts.data import class_balanced_subset, load_cifar10
from sslkit.parts.profiles import get_profile, hardware
from sslkit.training.evaluate import extract_features, knn_accuracy
from sslkit.training.train import pretrain

OUT = Path(__file__).with_name("recipe_runs.jsonl")


def split(val_per_class: int = 500):
    """(train, val): CIFAR-10 train minus a class-balanced validation split, and that split."""
    full = load_cifar10("train")
    val_idx = class_balanced_subset(full.labels, per_class=val_per_class, seed=1)
    keep = torch.ones(len(full), dtype=torch.bool)
    keep[val_idx] = False
    return full.subset(torch.nonzero(keep).flatten()), full.subset(val_idx)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", required=True, help="the run's folder under runs/recipe/ and its row label")
    ap.add_argument("--method", default="SimCLR")
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--width", type=float, default=0.25)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--base-lr", type=float, default=None, help="lr = base_lr x batch / 256 (default: the method's)")
    ap.add_argument("--images-per-s", type=float, default=None,
                    help="the recipe's training throughput on an idle machine, measured beforehand (the budget's "
                         "unit); default: timed now, which a busy machine makes too low")
    ap.add_argument("--epochs", type=int, default=None, help="fix the epochs instead of deriving them from --minutes")
    ap.add_argument("--out", type=Path, default=OUT, help="the JSON-lines file a finished run is appended to")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="method settings, e.g. temperature=0.2")
    args = ap.parse_args(argv)
    settings = parse_settings(args.set)
    cls = getattr(methods, args.method)
    train, val = split()
    p = replace(get_profile("cpu"), width=args.width, batch_size=args.batch)
    if args.base_lr is not None:
        settings["lr"] = args.base_lr * args.batch / 256
    ips = args.images_per_s or images_per_s(cls, p, steps=3, **settings)
    epochs = args.epochs or max(1, round(args.minutes * 60 * ips / len(train)))
    print(f"{args.name}: {ips:.0f} images/s planned -> {epochs} epochs of {len(train):,} images", flush=True)
    t0 = time.perf_counter()
    model, run = pretrain(cls, train, None, paths.runs_dir() / "recipe" / args.name, epochs=epochs, profile=p,
                     progress=False, **settings)
    knn = knn_accuracy(extract_features(model, train), train.labels, extract_features(model, val), val.labels,
                       train.num_classes)
    row = {"name": args.name, "method": args.method, "width": args.width, "batch": args.batch, **settings,
           "planned_images_per_s": round(ips, 1), "planned_min": round(epochs * len(train) / ips / 60, 1),
           "epochs": epochs, "train_min": round(run.seconds / 60, 1), "val_knn": round(knn, 4),
           "command": "python bench/recipe.py " + " ".join(sys.argv[1:] if argv is None else argv),
           "hardware": hardware(), "date": time.strftime("%Y-%m-%d"),
           "wall_min_incl_eval": round((time.perf_counter() - t0) / 60, 1)}
    print(json.dumps(row), flush=True)
    with open(args.out, "a") as f:
        f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
