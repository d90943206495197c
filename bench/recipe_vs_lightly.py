"""SimCLR at equal wall-clock: sslkit's recipe against the lightly-documented one.

One sitting, one machine, nothing else running (pause any background training first): each side
trains on all 50,000 CIFAR-10 train images for about ``--minutes`` (20) of wall-clock, its
schedule planned from its own throughput measured on this machine just before (a short throwaway
run on real data: steady images/s from its 5th step on, and its start-up, counted once), so that the
run ends on time rather than being cut mid-schedule,
then is scored by the protocol's kNN (k = 200, exp(sim / 0.1)) of all 10,000 test images against
all 50,000 train images as the bank, float32 features. Nothing is chosen here: both recipes are
fixed before the run, so reading the test set reports, never tunes.

- **sslkit**: the main runs' recipe (the cpu profile's SimCLR main run, chosen on a validation
  split: ``docs/decisions.md``): :class:`sslkit.methods.SimCLR`, CIFAR ResNet-18 at width 1/8, head
  D → 2048 → 128, τ 0.2, batch 256, SGD lr 0.3 (base 0.3 × 256 / 256), momentum 0.9, warmup over
  10% then cosine, uint8 images batched through sslkit's augmentation, float32.
  Its epochs are whole: floor(budget × images/s / 50,000), so it gets at most the budget.
- **lightly**: lightly's CIFAR-10 benchmark
  (``docs/source/getting_started/benchmarks/cifar10_benchmark.py``): ResNet-18 at full width with
  the CIFAR stem (lightly's ``ResNetGenerator('resnet-18')``; sslkit's backbone of the same
  shape, so the network is not what differs), ``SimCLRProjectionHead(512, 512, 128)``,
  ``NTXentLoss`` (τ 0.5), batch 128, SGD lr 0.06 × 128 / 128, momentum 0.9, weight decay 5e-4,
  cosine annealing over the run (its 200 epochs do not fit: the cosine spans the planned
  steps), ``SimCLRTransform(input_size=32, cj_strength=0.5, gaussian_blur=0)`` on PIL images in a
  DataLoader with one worker per core, a plain PyTorch loop, float32.

    SSLKIT_DATA=... python bench/recipe_vs_lightly.py [--minutes 20] [--lightly-widths 1 0.125]

Writes ``runs/bench/recipe_vs_lightly.json`` (``--out``) (both sides: planned and real minutes,
epochs or steps, images seen, kNN; machine, date, command).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from simclr_vs_lightly import PILImages, _SteadyClock

from sslkit.methods import SimCLR
from sslkit.parts.backbones import build_backbone
from sslkit.parts.data import load_cifar10
from sslkit.parts import paths
from sslkit.parts.profiles import PROFILES, hardware
from sslkit.parts.threads import warn_if_busy
from sslkit.training.evaluate import evaluate
from sslkit.training.train import pretrain

SSLKIT = {"width": 0.125, "batch": 256, "lr": 0.3, "temperature": 0.2}
LIGHTLY = {"width": 1.0, "batch": 128, "lr": 0.06, "temperature": 0.5, "weight_decay": 5e-4, "hidden": 512}


def knn(backbone: nn.Module, train, test) -> float:
    return evaluate(backbone, train, test, probe=False)["knn"]  # float32 features on every CPU


def plan(budget: float, probe_s: float, probe_images: int, ips: float, images_per_unit: int):
    """A throwaway run's wall time and steady images/s → (units of ``images_per_unit`` images
    that fit ``budget`` seconds once its start-up is paid, start-up s, planned s)."""
    startup = max(0.0, probe_s - probe_images / ips)
    units = max(1, math.floor((budget - startup) * ips / images_per_unit))
    return units, startup, startup + units * images_per_unit / ips


def lightly_run(train, steps: int, width: float = 1.0, seed: int = 0, log_every: int = 50, warm: int = 5):
    """lightly's documented SimCLR for ``steps`` optimizer steps (the cosine spans them); returns
    (backbone, seconds, images seen, steady-state images/s from step ``warm`` on)."""
    from lightly.loss import NTXentLoss
    from lightly.models.modules import SimCLRProjectionHead
    from lightly.transforms import SimCLRTransform

    torch.manual_seed(seed)
    r = LIGHTLY
    backbone = build_backbone("resnet18", width)
    model = nn.Sequential(backbone, SimCLRProjectionHead(backbone.feature_dim, r["hidden"], 128))
    transform = SimCLRTransform(input_size=32, cj_strength=0.5, gaussian_blur=0.0, normalize=None)
    loader = DataLoader(PILImages(train.images, transform), batch_size=r["batch"], shuffle=True, drop_last=True,
                        num_workers=os.cpu_count() or 1, persistent_workers=True)
    criterion = NTXentLoss(temperature=r["temperature"])
    opt = torch.optim.SGD(model.parameters(), lr=r["lr"] * r["batch"] / 128, momentum=0.9,
                          weight_decay=r["weight_decay"])
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    model.train()
    step, t0, t_warm = 0, time.perf_counter(), None
    while step < steps:
        for x0, x1 in loader:
            loss = criterion(model(x0), model(x1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if step == warm:
                t_warm = time.perf_counter()
            if step % log_every == 0 or step == steps:
                print(f"  lightly step {step}/{steps}, loss {loss.item():.3f}, {time.perf_counter() - t0:.0f} s",
                      flush=True)
            if step >= steps:
                break
    t = time.perf_counter()
    steady = (step - warm) * r["batch"] / (t - t_warm) if t_warm and step > warm else float("nan")
    return backbone, t - t0, step * r["batch"], steady


def lightly_side(train, test, budget: float, probe_steps: int, width: float) -> dict:
    """lightly's recipe at ``width`` for ``budget`` seconds, planned from a throwaway run's steady
    images/s and start-up: its row of the results."""
    # the same as sslkit's side, in steps (its loop has no epochs to round to)
    _, sec, seen, ips = lightly_run(train, probe_steps, width, log_every=10**9)
    steps, startup, planned = plan(budget, sec, seen, ips, LIGHTLY["batch"])
    print(f"lightly, width {width:g}: {ips:.0f} images/s steady, {startup:.0f} s start-up -> {steps} steps "
          f"({steps * LIGHTLY['batch'] / len(train):.2f} epochs, {planned / 60:.1f} planned min)", flush=True)
    backbone, sec, seen, _ = lightly_run(train, steps, width)
    row = {**LIGHTLY, "width": width, "images_per_s_planned": round(ips, 1), "steps": steps,
           "epochs": round(seen / len(train), 2), "planned_min": round(planned / 60, 1),
           "train_min": round(sec / 60, 1), "images_seen": seen, "knn": round(knn(backbone, train, test), 4)}
    print(f"lightly, width {width:g}: {row}", flush=True)
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=20.0, help="each side's wall-clock budget")
    ap.add_argument("--probe-steps", type=int, default=25, help="steps of the throwaway run that measures throughput")
    ap.add_argument("--lightly-widths", type=float, nargs="+", default=[1.0],
                    help="lightly's recipe at these widths (1: as documented; 0.125 isolates the width)")
    ap.add_argument("--out", type=Path, default=paths.runs_dir() / "bench" / "recipe_vs_lightly.json")
    args = ap.parse_args(argv)
    busy = warn_if_busy()
    if busy and busy > 0.3:
        sys.exit(f"other processes keep {busy:.1f} cores busy: pause them (kill -STOP <pid>) and run this again; "
                 "an equal-wall-clock comparison needs an idle machine.")
    budget = args.minutes * 60
    train, test = load_cifar10("train"), load_cifar10("test")
    p = replace(PROFILES["cpu"].main_profile(), width=SSLKIT["width"], batch_size=SSLKIT["batch"], precision="32-true")
    tmp = Path(tempfile.mkdtemp(prefix="sslkit-vs-lightly-"))
    kw = {"temperature": SSLKIT["temperature"], "lr": SSLKIT["lr"]}
    def save() -> dict:  # after every side, so a crash in the next keeps what ran
        out = {"minutes": args.minutes, "sides": rows,
               "command": "python bench/recipe_vs_lightly.py " + " ".join(argv if argv is not None else sys.argv[1:]),
               "hardware": hardware(), "date": datetime.now().isoformat(timespec="minutes")}
        if "sslkit" in rows and "lightly" in rows:
            out["sslkit_minus_lightly_points"] = round(100 * (rows["sslkit"]["knn"] - rows["lightly"]["knn"]), 1)
        args.out.write_text(json.dumps(out, indent=1) + "\n")
        return out

    rows = {}
    try:
        # sslkit: a throwaway epoch over probe-steps batches gives the steady images/s (from step
        # 5 on) and the start-up (the rest of its wall time); whole epochs that fit the budget
        probe = train.subset(torch.arange(args.probe_steps * SSLKIT["batch"]))
        clock = _SteadyClock(5)
        _, r = pretrain(SimCLR, probe, None, tmp / "probe", epochs=1, profile=p, progress=False, overwrite=True,
                        callbacks=[clock], **kw)
        ips = clock.images_per_s(SSLKIT["batch"])
        epochs, startup, planned = plan(budget, r.seconds, len(probe), ips, len(train))
        print(f"sslkit: {ips:.0f} images/s steady, {startup:.0f} s start-up -> {epochs} epochs "
              f"({planned / 60:.1f} planned min)", flush=True)
        module, r = pretrain(SimCLR, train, None, tmp / "sslkit", epochs=epochs, profile=p, progress=False,
                             overwrite=True, **kw)
        rows["sslkit"] = {**SSLKIT, "images_per_s_planned": round(ips, 1), "epochs": epochs,
                          "planned_min": round(planned / 60, 1), "train_min": round(r.seconds / 60, 1),
                          "images_seen": r.steps * r.batch_size, "knn": round(knn(module.backbone, train, test), 4)}
        print(f"sslkit: {rows['sslkit']}", flush=True)
        save()

        for width in args.lightly_widths:
            name = "lightly" if width == LIGHTLY["width"] else f"lightly at width {width:g}"
            rows[name] = lightly_side(train, test, budget, args.probe_steps, width)
            save()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out = save()
    print("\n| side | recipe | epochs | train min | kNN |\n|---|---|---:|---:|---:|")
    for name, r in rows.items():
        print(f"| {name} | width {r['width']:g}, batch {r['batch']}, lr {r['lr']:g}, τ {r['temperature']:g} | "
              f"{r['epochs']} | {r['train_min']} | {r['knn']:.1%} |")
    print(f"sslkit - lightly: {out['sslkit_minus_lightly_points']:+.1f} kNN points at {args.minutes:g} min each; wrote {args.out}")


if __name__ == "__main__":
    main()
