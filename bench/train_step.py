"""Where a CPU training step's time goes, and what makes it faster: one run, ratios.

For SimCLR and BYOL at the cpu and sweep sizes (CIFAR ResNet-18 width 1/4 and 1/8, batch
128), times the whole training step — augmentation of two views, forward, backward, SGD
update — for each configuration:

- ``fp32``: float32, contiguous (the committed cpu path);
- ``cl``: channels_last memory layout;
- ``bf16``: bf16 autocast (oneDNN uses AVX512-BF16 / AMX where the CPU has them);
- ``cl+bf16``: both;
- with ``--compile``, each of these again under ``torch.compile`` (inductor, compile time
  reported apart).

It also reports the share of the step spent in augmentation, and, with ``--busy``, images/s
of the whole ``pretrain`` path (SimCLR, first width, 20 batches × 2 epochs, each in a fresh
process): float32 and cl+bf16 idle, cl+bf16 while another process keeps one core busy — with
sslkit choosing the threads (:mod:`sslkit.parts.threads`) and with 2 threads pinned as before — and
cl+bf16 on 1 pinned thread idle. Ratios of these rows are to the idle float32 ``pretrain``.
``--compile`` compiles the backbone; the first step's extra time is reported as compile time.

Images: CIFAR-10 when ``SSLKIT_DATA`` (or the download) is there, else random uint8 images
(throughput does not depend on content). Times are medians over ``--steps`` steps after
``--warmup`` steps. Prints one JSON line per measurement and a markdown table with ratios to
``fp32`` of the same method and width.

    python bench/train_step.py [--steps 15] [--widths 0.25 0.125] [--compile] [--busy]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from contextlib import nullcontext
from datetime import date

import torch

from sslkit import methods
from sslkit.parts.data import Batch
from sslkit.parts.threads import warn_if_busy

CONFIGS = {"fp32": (False, False), "cl": (True, False), "bf16": (False, True), "cl+bf16": (True, True)}


def images(n: int) -> torch.Tensor:
    try:
        from sslkit.parts.data import load_cifar10

        return load_cifar10("train").images[:n]
    except Exception:  # noqa: BLE001 — no data here: throughput is the same on random pixels
        return torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))


def measure(method: str, width: float, config: str, batch: int, steps: int, warmup: int, compile_: bool = False) -> dict:
    """images/s of the full training step (median step time) and the augmentation's share."""
    channels_last, bf16 = CONFIGS[config]
    torch.manual_seed(0)
    module = getattr(methods, method)(width=width, lr=0.05)
    if channels_last:
        module = module.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD([p for p in module.parameters() if p.requires_grad], lr=0.05, momentum=0.9)
    x = images(batch)
    b = Batch(x, torch.zeros(batch, dtype=torch.long), torch.arange(batch))
    if compile_:
        module.backbone = torch.compile(module.backbone)  # the network, where the time goes
    amp = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else nullcontext()
    times = []
    for i in range(warmup + steps):
        t = time.perf_counter()
        with amp:
            loss = module.training_step(b, i)["loss"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t)
    first, times = times[0], times[warmup:]
    aug = module.augment if hasattr(module, "augment") else None
    aug_s = statistics.median(_timed(lambda: (aug(x), aug(x)), 5)) if aug is not None else 0.0
    step_s = statistics.median(times)
    compile_s = first - step_s if compile_ else None  # the first step pays for compilation
    return {"method": method, "width": width, "config": config + ("+compile" if compile_ else ""), "batch": batch,
            "img_s": round(batch / step_s, 1), "step_s": round(step_s, 4), "aug_share": round(aug_s / step_s, 3),
            "loss_finite": bool(torch.isfinite(loss)), "compile_s": round(compile_s, 1) if compile_s else None,
            "threads": torch.get_num_threads()}


def _timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def fit_worker(config: str, width: float, batch: int, steps: int) -> dict:
    """images/s of ``sslkit.training.train.pretrain`` (SimCLR, cpu profile's sizes) in this process: the
    whole training path — loader, augmentation, step, Lightning, checkpoints, thread governor."""
    import tempfile
    from dataclasses import replace

    from sslkit.parts.data import ImageSet
    from sslkit.parts.profiles import get_profile
    from sslkit.training.train import pretrain

    channels_last, bf16 = CONFIGS[config]
    p = replace(get_profile("cpu"), width=width, batch_size=batch, channels_last=channels_last,
                precision="bf16-mixed" if bf16 else "32-true")
    x = images(batch * steps)
    data = ImageSet(x, torch.arange(len(x)) % 10, tuple(str(i) for i in range(10)))
    with tempfile.TemporaryDirectory() as tmp:
        m, r = pretrain(methods.SimCLR, data, None, tmp, epochs=2, profile=p, progress=False, temperature=0.5)
    return {"method": "SimCLR", "width": width, "config": config, "batch": batch, "img_s": round(r.images_per_s, 1),
            "threads": torch.get_num_threads(), "aug_share": float("nan"), "path": "pretrain"}


def fresh_process(config: str, busy: bool, args, threads: int | None = None) -> dict:
    """``pretrain`` in a fresh process, idle or while another process spins on one core;
    ``threads`` pins the thread count (None: sslkit's governor chooses)."""
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        time.sleep(1)
        env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "SSLKIT_THREADS")}
        if threads:
            env["SSLKIT_THREADS"] = str(threads)
        cmd = [sys.executable, __file__, "--fit-worker", config, str(args.widths[0]), str(args.batch), "20"]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
        return {**json.loads(out.strip().splitlines()[-1]), "competitor": "one busy core" if busy else "none",
                "policy": f"{threads} threads pinned" if threads else "sslkit chooses threads"}
    finally:
        if spin:
            spin.kill()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--methods", nargs="+", default=["SimCLR", "BYOL"])
    ap.add_argument("--widths", type=float, nargs="+", default=[0.25, 0.125])
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--configs", nargs="+", default=list(CONFIGS))
    ap.add_argument("--compile", action="store_true", help="also each configuration under torch.compile")
    ap.add_argument("--busy", action="store_true", help="also the whole pretrain path, idle and beside one busy process")
    ap.add_argument("--fit-worker", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.fit_worker:
        c, w, b, s = args.fit_worker
        print(json.dumps(fit_worker(c, float(w), int(b), int(s))))
        return
    load, other = os.getloadavg()[0], warn_if_busy()
    print(f"# bench/train_step.py — {date.today()} — {platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {load:.2f}, "
          f"other processes busy on {'?' if other is None else f'{other:.2f}'} cores (1 s sample)", flush=True)
    rows = []
    for method in args.methods:
        for width in args.widths:
            for config in args.configs:
                for comp in ([False, True] if args.compile else [False]):
                    r = measure(method, width, config, args.batch, args.steps, args.warmup, comp)
                    rows.append(r)
                    print(json.dumps(r), flush=True)
    if args.busy:
        for config, busy, threads in (("fp32", False, None), ("cl+bf16", False, None), ("cl+bf16", True, None),
                                      ("cl+bf16", True, 2), ("cl+bf16", False, 1)):
            r = fresh_process(config, busy, args, threads)
            rows.append(r)
            print(json.dumps(r), flush=True)
    base = {(r["method"], r["width"]): r["img_s"] for r in rows if r["config"] == "fp32" and "competitor" not in r}
    base.update({(r["method"], r["width"], "pretrain"): r["img_s"] for r in rows
                 if r["config"] == "fp32" and r.get("competitor") == "none"})
    print("\n| method | width | configuration | threads | images/s | × fp32 | augmentation share |\n|---|---:|---|---:|---:|---:|---:|")
    for r in rows:
        cfg = r["config"] + ({"none": ", pretrain, idle", "one busy core": ", pretrain, one core busy"}[r["competitor"]]
                             + f" ({r['policy']})" if "competitor" in r else "")
        ratio = r["img_s"] / base[(r["method"], r["width"]) + (("pretrain",) if "competitor" in r else ())]
        print(f"| {r['method']} | {r['width']:g} | {cfg} | {r['threads']} | {r['img_s']:.0f} | {ratio:.2f}× | "
              + ("– |" if r["aug_share"] != r["aug_share"] else f"{100 * r['aug_share']:.0f}% |"))


if __name__ == "__main__":
    main()
