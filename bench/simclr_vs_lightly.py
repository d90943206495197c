"""SimCLR on CPU: sslkit vs the same backbone trained the way lightly documents.

Both sides train the same CIFAR ResNet (sslkit's, at the profile's width) with the same batch,
projection head size (D → 2048 → 128), NT-Xent temperature 0.5, SGD (momentum 0.9, weight
decay 5e-4, lr 0.06 × batch / 256) and warmup + cosine schedule, on the same class-balanced
CIFAR-10 subset. What differs is the pipeline:

- sslkit: uint8 images kept as one tensor, batched per-sample augmentation in the training
  process, ``sslkit.training.train.fit`` (Lightning);
- lightly: ``SimCLRTransform`` on PIL images in a DataLoader with one worker per core,
  ``SimCLRProjectionHead``, ``NTXentLoss``, a plain PyTorch loop as in lightly's examples.

Two measurements, both in one run:

1. ``throughput``: training images/s (augmentation included) of ``--steps`` steps each — in
   steady state (from step ``--warm`` on) and over the whole run with start-up — at
   each ``--widths``, for three sides: sslkit as it runs now (the profile's precision and
   layout, threads chosen by load), sslkit's previous path (float32, contiguous layout) and
   lightly (float32, as its examples);
2. ``quality``: each side gets about ``--minutes`` of training (epochs set from its measured
   throughput so that the cosine schedule ends on time), then kNN and linear probe.

    SSLKIT_DATA=... python bench/simclr_vs_lightly.py [--widths 0.25 0.5] [--minutes 10] [--skip-quality]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import torch
import torch.nn as nn
from lightning.pytorch.callbacks import Callback
from torch.utils.data import DataLoader, Dataset

from sslkit.methods import SimCLR
from sslkit.methods.base import warmup_cosine
from sslkit.parts.backbones import build_backbone
from sslkit.parts.data import cifar10
from sslkit.parts.profiles import get_profile
from sslkit.parts.threads import warn_if_busy
from sslkit.training.evaluate import evaluate
from sslkit.training.train import pretrain

TEMPERATURE, BASE_LR, WD = 0.5, 0.06, 5e-4


class PILImages(Dataset):
    def __init__(self, images, transform):
        from torchvision.transforms.functional import to_pil_image

        self.pil = [to_pil_image(x) for x in images]
        self.t = transform

    def __len__(self):
        return len(self.pil)

    def __getitem__(self, i):
        return self.t(self.pil[i])


class _SteadyClock(Callback):
    """Times training from the start of step ``warm`` to the end: steady-state throughput,
    without start-up (process pools, oneDNN kernel creation, the first steps' allocations)."""

    def __init__(self, warm: int):
        self.warm, self.t0, self.steps = warm, None, 0

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if trainer.global_step == self.warm and self.t0 is None:
            self.t0 = time.perf_counter()

    def on_train_batch_end(self, trainer, *args):
        if self.t0 is not None:
            self.steps += 1
            self.t1 = time.perf_counter()

    def images_per_s(self, batch: int) -> float:
        return self.steps * batch / (self.t1 - self.t0)


def lightly_train(train, p, epochs: int, max_steps: int | None = None, warm: int = 0):
    """lightly's documented SimCLR loop; returns (backbone, seconds, images seen, steady-state
    images/s from step ``warm`` on)."""
    from lightly.loss import NTXentLoss
    from lightly.models.modules import SimCLRProjectionHead
    from lightly.transforms import SimCLRTransform

    torch.manual_seed(0)
    backbone = build_backbone(p.arch, p.width)
    model = nn.Sequential(backbone, SimCLRProjectionHead(backbone.feature_dim, 2048, 128))
    transform = SimCLRTransform(input_size=32, cj_strength=0.5, gaussian_blur=0.0, normalize=None)
    workers = os.cpu_count() or 1
    loader = DataLoader(PILImages(train.images, transform), batch_size=p.batch_size, shuffle=True, drop_last=True,
                        num_workers=workers, persistent_workers=True)
    criterion = NTXentLoss(temperature=TEMPERATURE)
    opt = torch.optim.SGD(model.parameters(), lr=BASE_LR * p.batch_size / 256, momentum=0.9, weight_decay=WD)
    total = epochs * len(loader)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: warmup_cosine(s, total, int(0.1 * total)))
    model.train()
    seen, step, t0, t_warm = 0, 0, time.perf_counter(), None
    for _ in range(epochs):
        for views in loader:
            if step == warm:
                t_warm = time.perf_counter()
            x0, x1 = views
            loss = criterion(model(x0), model(x1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            seen, step = seen + len(x0), step + 1
            if max_steps and step >= max_steps:
                break
        if max_steps and step >= max_steps:
            break
    t = time.perf_counter()
    return backbone, t - t0, seen, (step - warm) * p.batch_size / (t - t_warm)


def sslkit_train(train, p, epochs: int, run_dir: Path, warm: int = 0):
    """sslkit's pretrain under profile ``p``; returns (backbone, seconds, images seen, steady-state
    images/s from step ``warm`` on)."""
    clock = _SteadyClock(warm)
    module, r = pretrain(SimCLR, train, None, run_dir, epochs=epochs, profile=p, temperature=TEMPERATURE,
                         lr=BASE_LR * p.batch_size / 256, weight_decay=WD, progress=False, overwrite=True,
                         callbacks=[clock])
    return module.backbone, r.seconds, r.steps * r.batch_size, clock.images_per_s(p.batch_size)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="cpu")
    ap.add_argument("--widths", type=float, nargs="+", help="backbone widths (default: the profile's)")
    ap.add_argument("--steps", type=int, default=60, help="training steps run for throughput")
    ap.add_argument("--warm", type=int, default=10, help="first steps left out of the steady-state timing")
    ap.add_argument("--minutes", type=float, default=10.0, help="training budget of each side for quality")
    ap.add_argument("--skip-quality", action="store_true")
    args = ap.parse_args()
    base = get_profile(args.profile)
    train, test = cifar10(base)
    tmp = Path(tempfile.mkdtemp(prefix="sslkit-bench-"))
    other = warn_if_busy()
    print(f"# bench/simclr_vs_lightly.py — {date.today()} — {platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__}, profile {base.name}: {base.arch}, batch {base.batch_size}, "
          f"{len(train):,} train images; sslkit now: {base.precision}{' + channels_last' if base.channels_last else ''}; "
          f"other processes busy on {other if other is None else round(other, 2)} cores", flush=True)
    out = {}
    for width in args.widths or [base.width]:
        p = replace(base, width=width)
        previous = replace(p, precision="32-true", channels_last=False)  # sslkit's path before the CPU-speed work
        # 1. throughput: one epoch over a subset of exactly `steps` batches (sslkit) / `steps` batches (lightly)
        subset = train.balanced(per_class=max(1, args.steps * p.batch_size // 10 + 1)) if args.steps else train
        ips, whole = {}, {}  # steady state (from step --warm on) / whole run including start-up
        for name, prof in (("sslkit", p), ("sslkit fp32 (previous)", previous)):
            _, sec, seen, ips[name] = sslkit_train(subset, prof, 1, tmp / "throughput", warm=args.warm)
            whole[name] = seen / sec
        _, l_sec, l_seen, ips["lightly"] = lightly_train(subset, p, 1, max_steps=args.steps, warm=args.warm)
        whole["lightly"] = l_seen / l_sec
        row = {"img_s": {k: round(v, 1) for k, v in ips.items()}, "img_s_whole": {k: round(v, 1) for k, v in whole.items()},
               "vs_previous": round(ips["sslkit"] / ips["sslkit fp32 (previous)"], 2),
               "vs_lightly": round(ips["sslkit"] / ips["lightly"], 2),
               "whole_vs_previous": round(whole["sslkit"] / whole["sslkit fp32 (previous)"], 2),
               "whole_vs_lightly": round(whole["sslkit"] / whole["lightly"], 2)}
        print(f"\nwidth {width:g}, steady state: " + ", ".join(f"{k} {v:.0f} img/s" for k, v in ips.items())
              + f"; sslkit / previous {row['vs_previous']:.2f}x, sslkit / lightly {row['vs_lightly']:.2f}x; "
              f"whole run: {row['whole_vs_previous']:.2f}x, {row['whole_vs_lightly']:.2f}x", flush=True)

        # 2. quality at (about) equal wall-clock
        if not args.skip_quality:
            budget = args.minutes * 60
            rows = {}
            for name in ("sslkit", "lightly"):
                epochs = max(1, round(budget * ips[name] / len(train)))
                if name == "sslkit":
                    backbone, sec, _, _ = sslkit_train(train, p, epochs, tmp / "quality")
                else:
                    backbone, sec, _, _ = lightly_train(train, p, epochs)
                res = evaluate(backbone, train, test)
                rows[name] = {"epochs": epochs, "train_s": sec, **res}
                print(f"{name}: {epochs} epochs in {sec:.0f} s → kNN {res['knn']:.1%}, linear {res['linear']:.1%}",
                      flush=True)
            row["quality"] = rows
        out[width] = row
    print("\n| width | timed | sslkit now, img/s | sslkit fp32 (previous), img/s | lightly, img/s | × previous | × lightly |\n"
          "|---:|---|---:|---:|---:|---:|---:|")
    for width, r in out.items():
        for label, i, a, b in ((f"steps {args.warm + 1}–{args.steps}", r["img_s"], r["vs_previous"], r["vs_lightly"]),
                               (f"all {args.steps} steps + start-up", r["img_s_whole"], r["whole_vs_previous"],
                                r["whole_vs_lightly"])):
            print(f"| {width:g} | {label} | {i['sslkit']:.0f} | {i['sslkit fp32 (previous)']:.0f} | {i['lightly']:.0f} | "
                  f"{a:.2f}× | {b:.2f}× |")
    print("\nJSON " + json.dumps(out))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
