"""Time to kNN accuracy: SimCLR on full CIFAR-10 with a CIFAR ResNet-18 on one GPU.

gpu profile (bf16 autocast, channels_last, uint8 data and augmentation on the device),
batch 512, temperature 0.5 (0.2 with --temperature), SGD + warmup/cosine over ``--epochs``.
After every ``--knn-every`` epochs the protocol's kNN (k=200, final model of that epoch, full
train set as memory bank, full test set) is measured outside the training clock, and one JSON
line per measurement is printed: epoch, training seconds so far, images/s, kNN.
Training stops at ``--epochs`` or when ``--minutes`` of training time are spent.

Goal on one H100: ≥ 85% kNN within 5 minutes and ≥ 90% within 15 minutes of training.

    SSLKIT_DATA=... python bench/gpu_simclr.py [--epochs 100] [--minutes 15] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

import lightning as L

from sslkit.methods import SimCLR
from sslkit.parts.data import cifar10
from sslkit.parts.profiles import describe, get_profile, hardware
from sslkit.training.evaluate import evaluate
from sslkit.training.runs import run_dir
from sslkit.training.train import pretrain


class KNNClock(L.Callback):
    """Prints kNN accuracy against training time; evaluation time is kept off the clock."""

    def __init__(self, train, test, every: int, minutes: float):
        self.train, self.test, self.every, self.budget = train, test, every, minutes * 60
        self.train_s, self.t0, self.epochs = 0.0, None, 0

    def on_train_epoch_start(self, trainer, module):
        self.t0 = time.perf_counter()

    def on_train_epoch_end(self, trainer, module):
        import torch

        if torch.cuda.is_available():
            torch.cuda.synchronize()
        epoch_s = time.perf_counter() - self.t0
        self.train_s += epoch_s
        n = len(trainer.train_dataloader) * trainer.train_dataloader.batch_size
        self.epochs = epoch = trainer.current_epoch + 1
        if epoch % self.every == 0 or epoch == trainer.max_epochs or self.train_s >= self.budget:
            knn = evaluate(module, self.train, self.test, probe=False)["knn"]
            print(json.dumps({"epoch": epoch, "train_s": round(self.train_s, 1), "img_s": round(n / epoch_s),
                              "knn": round(knn, 4)}), flush=True)
        if self.train_s >= self.budget:
            trainer.should_stop = True


def common_args(ap: argparse.ArgumentParser, minutes: float) -> None:
    """Arguments every time-to-kNN script takes."""
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--minutes", type=float, default=minutes)
    ap.add_argument("--knn-every", type=int, default=5)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--smoke", action="store_true", help="smoke sizes, to check the script on a CPU")


def setup(args):
    """(profile, train, test, KNNClock) for the parsed ``common_args``."""
    p = replace(get_profile("smoke" if args.smoke else "gpu"), batch_size=args.batch if not args.smoke else 64)
    print(describe(p), flush=True)
    train, test = cifar10(p)
    return p, train, test, KNNClock(train, test, args.knn_every if not args.smoke else 1, args.minutes)


def report(clock: KNNClock) -> None:
    print(json.dumps({"done": True, "hardware": hardware(), "epochs_run": clock.epochs, "train_s": round(clock.train_s, 1)}))


def main():
    ap = argparse.ArgumentParser()
    common_args(ap, minutes=15.0)
    ap.add_argument("--temperature", type=float, default=0.5)
    args = ap.parse_args()
    p, train, test, clock = setup(args)
    run = run_dir("bench-gpu-simclr", SimCLR, p, epochs=args.epochs, temperature=args.temperature)
    pretrain(SimCLR, train, None, run, epochs=args.epochs, profile=p, temperature=args.temperature,
             progress=False, callbacks=[clock], overwrite=True)  # a benchmark always measures a fresh run
    report(clock)


if __name__ == "__main__":
    main()
