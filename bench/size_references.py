"""How long must each method train to clear the random-init floor by a margin? Sizing reference runs.

Each (method, epochs) pair pretrains at the profile's main size (its train subset and width)
and is scored by kNN (the protocol's k=200, exp(sim/0.1)) with the run's training images as
memory bank and, as queries, a class-balanced validation set of CIFAR-10 *train* images outside
the subset (``bench/choose_lr.validation_split``); the test set is never read, so run lengths are
not chosen on it. Prints the random-init network's validation kNN, one JSON line per run
(kNN, margin over random init, training seconds) and a table.

    SSLKIT_DATA=... python bench/size_references.py --runs RotNet:12 Jigsaw:16 BYOL:16
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from choose_lr import val_knn, validation_split  # noqa: E402

from sslkit import methods  # noqa: E402
from sslkit.parts.backbones import build_backbone  # noqa: E402
from sslkit.parts.profiles import describe, get_profile  # noqa: E402
from sslkit.parts.threads import warn_if_busy  # noqa: E402
from sslkit.training.runs import run_dir  # noqa: E402
from sslkit.training.train import pretrain  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", nargs="+", required=True, help="Method:epochs, e.g. RotNet:12")
    ap.add_argument("--profile", default="cpu")
    ap.add_argument("--val-per-class", type=int, default=200)
    args = ap.parse_args()
    warn_if_busy()
    p = get_profile(args.profile)
    train, val = validation_split(p, args.val_per_class, "main")

    print(f"# bench/size_references.py — {date.today()}\n" + describe(p, train)
          + f"\nvalidation queries: {len(val):,} train images outside the subset", flush=True)
    torch.manual_seed(0)
    floor = val_knn(build_backbone(p.arch, p.width).to(memory_format=torch.channels_last), train, val)
    print(json.dumps({"random_init_val_knn": round(floor, 4)}), flush=True)
    rows = []
    for spec in args.runs:
        name, epochs = spec.split(":")
        cls = getattr(methods, name)
        model, run = pretrain(cls, train, None, run_dir(f"size-{name.lower()}", cls, p, epochs=int(epochs)),
                              epochs=int(epochs), profile=p, progress=False)
        knn = val_knn(model, train, val)
        r = {"method": name, "epochs": int(epochs), "val_knn": round(knn, 4), "margin_points": round(100 * (knn - floor), 1),
             "train_s": round(run.seconds, 1)}
        rows.append(r)
        print(json.dumps(r), flush=True)
    print(f"\n| method | epochs | val kNN | over random init ({100 * floor:.1f}%) | training |\n|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['method']} | {r['epochs']} | {100 * r['val_knn']:.1f}% | {r['margin_points']:+.1f} | {r['train_s']:.0f} s |")


if __name__ == "__main__":
    main()
