"""Augmentation throughput: sslkit's batched pipeline vs per-image PIL pipelines and kornia.

All pipelines make SimCLR CIFAR-10 views (random resized crop 0.08–1, flip, colour jitter
(0.4, 0.4, 0.4, 0.1) with p=0.8, grayscale p=0.2, no blur) from the same uint8 images and
return float tensors; views/s is the median of ``--repeats`` timed passes after a warm-up.

- sslkit: ``simclr_augment()`` on uint8 batches of ``--batch`` (per-sample parameters);
- torchvision PIL: ``transforms.Compose`` per PIL image, in this process and in a DataLoader
  with one worker per core (the usual way to train with it);
- lightly: ``SimCLRTransform`` (two views per call, PIL) per image, no normalization, no blur;
- kornia: ``AugmentationSequential`` on float batches (per-sample parameters).

    python bench/augment.py [--n 4096] [--batch 512] [--device cpu]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date

import torch
from torch.utils.data import DataLoader, Dataset


def timed(fn, n_views: int, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return n_views / statistics.median(times)


class PILViews(Dataset):
    def __init__(self, pil_images, transform, views_per_call=1):
        self.pil, self.t, self.k = pil_images, transform, views_per_call

    def __len__(self):
        return len(self.pil)

    def __getitem__(self, i):
        return self.t(self.pil[i])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4096, help="images per timed pass")
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    from sslkit.parts.threads import warn_if_busy

    warn_if_busy()
    dev = torch.device(args.device)

    from torchvision import transforms as T
    from torchvision.transforms.functional import to_pil_image

    from sslkit.parts.augment import simclr_augment

    g = torch.Generator().manual_seed(0)
    if os.environ.get("SSLKIT_DATA"):
        from sslkit.parts.data import load_cifar10

        images = load_cifar10("train").images[: args.n]
        source = "CIFAR-10 train images"
    else:
        images = torch.randint(0, 256, (args.n, 3, 32, 32), dtype=torch.uint8, generator=g)
        source = "random uint8 images (SSLKIT_DATA unset)"
    pil = [to_pil_image(x) for x in images]
    n = len(images)
    results = {}

    # 1. sslkit, batched on the device
    aug = simclr_augment()
    x_dev = images.to(dev)

    def run_sslkit():
        for xb in x_dev.split(args.batch):
            aug(xb)
        if dev.type == "cuda":
            torch.cuda.synchronize()

    results["sslkit (batched tensors)"] = timed(run_sslkit, n, args.repeats)

    # 2. torchvision PIL pipeline
    tv = T.Compose([
        T.RandomResizedCrop(32, scale=(0.08, 1.0)), T.RandomHorizontalFlip(),
        T.RandomApply([T.ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8), T.RandomGrayscale(0.2), T.ToTensor(),
    ])
    results["torchvision PIL, 1 process"] = timed(lambda: [tv(im) for im in pil], n, args.repeats)
    workers = os.cpu_count() or 1
    loader = DataLoader(PILViews(pil, tv), batch_size=args.batch, num_workers=workers, persistent_workers=True)
    results[f"torchvision PIL, DataLoader {workers} workers"] = timed(lambda: [b for b in loader], n, args.repeats)

    # 3. lightly's SimCLRTransform (PIL, two views per call)
    try:
        from lightly.transforms import SimCLRTransform

        lt = SimCLRTransform(input_size=32, cj_strength=0.5, gaussian_blur=0.0, normalize=None)
        results["lightly SimCLRTransform, 1 process"] = timed(lambda: [lt(im) for im in pil], 2 * n, args.repeats)
    except ImportError:
        print("lightly not installed: skipped", file=sys.stderr)

    # 4. kornia, batched
    try:
        import kornia.augmentation as K

        kaug = K.AugmentationSequential(
            K.RandomResizedCrop((32, 32), scale=(0.08, 1.0)), K.RandomHorizontalFlip(),
            K.ColorJitter(0.4, 0.4, 0.4, 0.1, p=0.8), K.RandomGrayscale(p=0.2),
        ).to(dev)

        def run_kornia():
            for xb in x_dev.split(args.batch):
                kaug(xb.float() / 255)
            if dev.type == "cuda":
                torch.cuda.synchronize()

        results["kornia (batched tensors)"] = timed(run_kornia, n, args.repeats)
    except ImportError:
        print("kornia not installed: skipped", file=sys.stderr)

    ref = results["torchvision PIL, 1 process"]
    ref_dl = results[f"torchvision PIL, DataLoader {workers} workers"]
    print(f"# bench/augment.py — {date.today()} — {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, torch {torch.__version__}, threads {torch.get_num_threads()}, device {dev}")
    print(f"# {n} {source}, batch {args.batch}, median of {args.repeats}\n")
    print("| pipeline | views/s | × PIL 1 process | × PIL DataLoader |")
    print("|---|---:|---:|---:|")
    for name, v in results.items():
        print(f"| {name} | {v:,.0f} | {v / ref:.1f}× | {v / ref_dl:.1f}× |")


if __name__ == "__main__":
    main()
