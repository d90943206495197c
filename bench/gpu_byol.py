"""Time to kNN accuracy: BYOL on full CIFAR-10 with a CIFAR ResNet-18 on one GPU.

gpu profile (bf16 autocast, channels_last, uint8 data and augmentation on the device),
batch 512, τ_base 0.99 (``--tau``), BatchNorm or ``--norm gn`` (GroupNorm + weight
standardization), SGD + warmup/cosine over ``--epochs``. kNN (k=200, full train set as memory
bank, full test set) is measured every ``--knn-every`` epochs outside the training clock; one
JSON line per measurement: epoch, training seconds so far, images/s, kNN. Training stops at
``--epochs`` or when ``--minutes`` of training time are spent.

    SSLKIT_DATA=... python bench/gpu_byol.py [--epochs 100] [--minutes 10] [--norm gn] [--smoke]
"""

from __future__ import annotations

import argparse

from gpu_simclr import common_args, report, setup  # same folder: the shared off-clock kNN clock

from sslkit.methods import BYOL
from sslkit.training.runs import run_dir
from sslkit.training.train import pretrain


def main():
    ap = argparse.ArgumentParser()
    common_args(ap, minutes=10.0)
    ap.add_argument("--tau", type=float, default=0.99)
    ap.add_argument("--norm", choices=("bn", "gn"), default="bn")
    args = ap.parse_args()
    p, train, test, clock = setup(args)
    run = run_dir("bench-gpu-byol", BYOL, p, epochs=args.epochs, tau_base=args.tau, norm=args.norm)
    pretrain(BYOL, train, None, run, epochs=args.epochs, profile=p, tau_base=args.tau, norm=args.norm,
             progress=False, callbacks=[clock], overwrite=True)  # a benchmark always measures a fresh run
    report(clock)


if __name__ == "__main__":
    main()
