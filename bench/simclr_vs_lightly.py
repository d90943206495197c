"""SimCLR on CPU: sslkit vs the same backbone trained the way lightly documents.

Both sides train the same CIFAR ResNet (sslkit's, at the profile's width) with the same batch,
projection head size (D → 2048 → 128), NT-Xent temperature 0.5, SGD (momentum 0.9, weight
decay 5e-4, lr 0.06 × batch / 256) and warmup + cosine schedule, on the same class-balanced
CIFAR-10 subset. What differs is the pipeline:

- sslkit: uint8 images kept as one tensor, batched per-sample augmentation in the training
  process, ``sslkit.train.fit`` (Lightning);
- lightly: ``SimCLRTransform`` on PIL images in a DataLoader with one worker per core,
  ``SimCLRProjectionHead``, ``NTXentLoss``, a plain PyTorch loop as in lightly's examples.

Two measurements, both in one run:

1. ``throughput``: training images/s (augmentation included) over ``--steps`` steps each;
2. ``quality``: each side gets about ``--minutes`` of training (epochs set from its measured
   throughput so that the cosine schedule ends on time), then kNN and linear probe.

    SSLKIT_DATA=... python bench/simclr_vs_lightly.py [--minutes 10] [--skip-quality]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

from sslkit.backbones import build_backbone
from sslkit.data import cifar10
from sslkit.evaluate import evaluate
from sslkit.methods import SimCLR
from sslkit.methods.base import warmup_cosine
from sslkit.profiles import get_profile
from sslkit.train import pretrain

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


def lightly_train(train, p, epochs: int, max_steps: int | None = None) -> tuple[nn.Module, float, int]:
    """lightly's documented SimCLR loop; returns (backbone, seconds, images seen)."""
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
    seen, t0 = 0, time.perf_counter()
    for _ in range(epochs):
        for views in loader:
            x0, x1 = views
            loss = criterion(model(x0), model(x1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            seen += len(x0)
            if max_steps and seen >= max_steps * p.batch_size:
                return backbone, time.perf_counter() - t0, seen
    return backbone, time.perf_counter() - t0, seen


def sslkit_train(train, p, epochs: int, run_dir: Path) -> tuple[nn.Module, float, int]:
    module = pretrain(SimCLR, train, None, run_dir, epochs=epochs, profile=p, temperature=TEMPERATURE,
                      lr=BASE_LR * p.batch_size / 256, weight_decay=WD, progress=False, overwrite=True)
    r = module.report
    return module.backbone, r.seconds, r.steps * r.batch_size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="cpu")
    ap.add_argument("--steps", type=int, default=30, help="training steps timed for throughput")
    ap.add_argument("--minutes", type=float, default=10.0, help="training budget of each side for quality")
    ap.add_argument("--skip-quality", action="store_true")
    args = ap.parse_args()
    p = get_profile(args.profile)
    train, test = cifar10(p)
    tmp = Path(tempfile.mkdtemp(prefix="sslkit-bench-"))
    steps_subset = train.balanced(per_class=max(1, args.steps * p.batch_size // 10 + 1)) if args.steps else train
    print(f"# bench/simclr_vs_lightly.py — {date.today()} — {platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__}, profile {p.name}: {p.arch} width {p.width}, batch {p.batch_size}, "
          f"{len(train):,} train images", flush=True)

    # 1. throughput: one epoch over a subset of exactly `steps` batches (sslkit) / `steps` batches (lightly)
    _, s_sec, s_seen = sslkit_train(steps_subset, p, 1, tmp / "throughput")
    _, l_sec, l_seen = lightly_train(steps_subset, p, 1, max_steps=args.steps)
    ips = {"sslkit": s_seen / s_sec, "lightly": l_seen / l_sec}
    print(f"\nthroughput: sslkit {ips['sslkit']:.0f} img/s, lightly {ips['lightly']:.0f} img/s, "
          f"ratio {ips['sslkit'] / ips['lightly']:.2f}x", flush=True)
    out = {"throughput_img_s": ips, "ratio": ips["sslkit"] / ips["lightly"]}

    # 2. quality at (about) equal wall-clock
    if not args.skip_quality:
        budget = args.minutes * 60
        rows = {}
        for name, rate in ips.items():
            epochs = max(1, round(budget * rate / len(train)))
            if name == "sslkit":
                backbone, sec, _ = sslkit_train(train, p, epochs, tmp / "quality")
            else:
                backbone, sec, _ = lightly_train(train, p, epochs)
            res = evaluate(backbone, train, test)
            rows[name] = {"epochs": epochs, "train_s": sec, **res}
            print(f"{name}: {epochs} epochs in {sec:.0f} s → kNN {res['knn']:.1%}, linear {res['linear']:.1%}", flush=True)
        out["quality"] = rows
    print("\nJSON " + json.dumps(out))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
