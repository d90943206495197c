"""The gpu-profile supervised baseline on full CIFAR-10: accuracy and wall time.

One GPU, full CIFAR-10 (50k/10k), CIFAR ResNet-18 at full width, bf16 autocast and
channels_last, uint8 data kept on the device. Prints one JSON line to paste into
bench/RESULTS.md. ``--smoke`` runs the same code path at smoke size (checks it on a CPU).

    SSLKIT_DATA=/path/to/cifar10 python bench/gpu_baseline.py [--epochs 30] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

from sslkit.experiments.baselines import random_floor, supervised_baseline
from sslkit.parts.data import cifar10
from sslkit.parts.profiles import describe, get_profile, hardware
from sslkit.records.policy import TRAIN
from sslkit.training.runs import run_dir


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=None, help="default: the profile's supervised_epochs")
    ap.add_argument("--smoke", action="store_true", help="smoke-profile sizes, to test the script anywhere")
    args = ap.parse_args()
    p = get_profile("smoke" if args.smoke else "gpu")
    if args.epochs:
        p = replace(p, supervised_epochs=args.epochs)
    print(describe(p), flush=True)
    train, test = cifar10(p)
    _, floor = random_floor(train, test, p)
    t0 = time.perf_counter()
    run = run_dir("bench-gpu-supervised", profile=p, epochs=p.supervised_epochs)
    _, sup = supervised_baseline(train, test, mode=TRAIN, profile=p, run_dir=run, progress=False)
    total = time.perf_counter() - t0
    print(json.dumps({
        "profile": p.name, "hardware": hardware(), "epochs": p.supervised_epochs, "train_images": len(train),
        "floor_knn": floor["knn"], "floor_linear": floor["linear"],
        "supervised_knn": sup["knn"], "supervised_linear": sup["linear"], "supervised_classifier": sup["classifier"],
        "train_wall_s": round(sup["wall_s"], 1), "total_wall_s": round(total, 1),
        "train_images_per_s": round(p.supervised_epochs * len(train) / max(sup["wall_s"], 1e-9)),
    }))


if __name__ == "__main__":
    main()
