"""Time to kNN accuracy on one GPU: any sslkit method on full CIFAR-10 with a CIFAR ResNet-18.

gpu profile (bf16 autocast, channels_last, uint8 data and augmentation on the device), batch
``--batch``, SGD + warmup/cosine over ``--epochs``. After every ``--knn-every`` epochs the
protocol's kNN (k=200, the final model of that epoch, the full train set as memory bank, the full
test set) is measured outside the training clock, and one JSON line per measurement is printed:
epoch, training seconds so far, images/s, kNN. Training stops at ``--epochs`` or when
``--minutes`` of training time are spent. Method settings go in as ``--set key=value``
(numbers, true/false, or text), e.g. SimCLR's temperature or BYOL's ``norm=gn``.

    SSLKIT_DATA=... python bench/gpu.py --method SimCLR [--epochs 100] [--minutes 15] [--set temperature=0.2]
    SSLKIT_DATA=... python bench/gpu.py --method BYOL --set norm=gn
    SSLKIT_DATA=... python bench/gpu.py --method Supervised --epochs 30
    python bench/gpu.py --method SimCLR --smoke        # the same code path at smoke size, on any CPU
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

import lightning as L
import torch

from sslkit import methods
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


def parse_value(text: str):
    """``--set`` values: integers, floats, true/false, else the text itself."""
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--method", required=True, help="an sslkit method class name: SimCLR, BYOL, Supervised, …")
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--minutes", type=float, default=15.0)
    ap.add_argument("--knn-every", type=int, default=5)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="method settings")
    ap.add_argument("--smoke", action="store_true", help="smoke sizes, to check the script on a CPU")
    args = ap.parse_args(argv)
    cls = methods.method_class(args.method)
    settings = {k: parse_value(v) for k, v in (s.split("=", 1) for s in args.set)}
    p = replace(get_profile("smoke" if args.smoke else "gpu"), batch_size=64 if args.smoke else args.batch)
    print(describe(p), flush=True)
    train, test = cifar10(p)
    clock = KNNClock(train, test, 1 if args.smoke else args.knn_every, args.minutes)
    run = run_dir(f"bench-gpu-{cls.__name__.lower()}", cls, p, epochs=args.epochs, **settings)
    pretrain(cls, train, None, run, epochs=args.epochs, profile=p, progress=False, callbacks=[clock],
             overwrite=True, **settings)  # a benchmark always measures a fresh run
    print(json.dumps({"done": True, "method": cls.__name__, "hardware": hardware(), "epochs_run": clock.epochs,
                      "train_s": round(clock.train_s, 1)}))


if __name__ == "__main__":
    main()
