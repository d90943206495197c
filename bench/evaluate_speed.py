"""The evaluation protocol, before and after the CPU-speed work: same accuracies, less time.

For each cpu-profile reference encoder found under ``runs/cpu`` (the random-init floor is
always there), times in one process:

- ``before``: features in float32, contiguous layout, ``no_grad``; kNN; the linear probe as it
  was — six independent L-BFGS fits from zero (up to 300 iterations, gradient tolerance 1e-7),
  then a refit on all train features from zero;
- ``after``: :func:`sslkit.training.evaluate.evaluate` as it is now — features in inference mode with the
  profile's layout and precision, and the warm-started weight-decay path of
  :func:`sslkit.training.evaluate.linear_probe`.

Prints one JSON line per encoder and a markdown table (seconds, accuracies, their
differences). The weight decay is chosen on the validation split in both, never on test.

    SSLKIT_DATA=... python bench/evaluate_speed.py [--runs simclr byol rotnet jigsaw supervised]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import date

import torch
import torch.nn as nn
import torch.nn.functional as F

from sslkit import methods
from sslkit.parts import paths
from sslkit.parts.augment import to_float
from sslkit.parts.backbones import build_backbone
from sslkit.parts.data import cifar10, split_train_val
from sslkit.parts.profiles import get_profile
from sslkit.parts.threads import warn_if_busy
from sslkit.training.evaluate import WEIGHT_DECAYS, evaluate, knn_accuracy
from sslkit.training.runs import read_checkpoint

CLASSES = {"simclr": "SimCLR", "byol": "BYOL", "rotnet": "RotNet", "jigsaw": "Jigsaw", "supervised": "Supervised"}


# ---- the protocol as it was before this change (reference implementation, kept verbatim in spirit)

@torch.no_grad()
def features_before(module, images, batch_size=512):
    forward = module.features if isinstance(module, methods.base.Method) else module
    module.eval()
    return torch.cat([forward(to_float(x)).float() for x in images.split(batch_size)])


def lbfgs_before(x, y, num_classes, wd, max_iter=300):
    layer = nn.Linear(x.shape[1], num_classes)
    nn.init.zeros_(layer.weight)
    nn.init.zeros_(layer.bias)
    opt = torch.optim.LBFGS(layer.parameters(), lr=1, max_iter=max_iter, history_size=20,
                            line_search_fn="strong_wolfe", tolerance_grad=1e-7, tolerance_change=1e-10)

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(layer(x), y) + 0.5 * wd * layer.weight.pow(2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    return layer


@torch.no_grad()
def probe_before(train_h, train_y, test_h, test_y, num_classes):
    mean, std = train_h.mean(0), train_h.std(0) + 1e-6
    xs, xt = (train_h - mean) / std, (test_h - mean) / std
    fit_idx, val_idx = split_train_val(train_y, 0.1, 0)
    val = {}
    for wd in WEIGHT_DECAYS:
        clf = lbfgs_before(xs[fit_idx], train_y[fit_idx], num_classes, wd)
        val[wd] = (clf(xs[val_idx]).argmax(1) == train_y[val_idx]).float().mean().item()
    best = max(val, key=lambda wd: (val[wd], wd))
    clf = lbfgs_before(xs, train_y, num_classes, best)
    return (clf(xt).argmax(1) == test_y).float().mean().item()


def before(module, train, test):
    train_h, test_h = features_before(module, train.images), features_before(module, test.images)
    knn = knn_accuracy(train_h, train.labels, test_h, test.labels, train.num_classes)
    return {"knn": knn, "linear": probe_before(train_h, train.labels, test_h, test.labels, train.num_classes)}


# ---- loading the encoders

def encoder(name: str, p):
    """The reference encoder ``runs/cpu/<name>`` as it was trained (or a random init for 'floor')."""
    if name == "floor":
        torch.manual_seed(0)
        return build_backbone(p.arch, p.width)
    ckpt = paths.runs_dir() / "cpu" / name / "checkpoints" / "last.ckpt"
    if not ckpt.is_file():
        return None
    state = read_checkpoint(ckpt)
    cls = getattr(methods, CLASSES[name])
    module = cls(**state["hyper_parameters"])
    module.load_state_dict(state["state_dict"])
    return module


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", nargs="+", default=["floor", *CLASSES])
    args = ap.parse_args()
    p = get_profile("cpu")
    warn_if_busy()
    train, test = cifar10(p)
    print(f"# bench/evaluate_speed.py — {date.today()} — {platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.2f}; "
          f"cpu profile: {len(train):,} train / {len(test):,} test images, after = {p.precision}"
          f"{' + channels_last' if p.channels_last else ''}", flush=True)
    rows = []
    for name in args.runs:
        module = encoder(name, p)
        if module is None:
            print(f"{name}: no runs/cpu/{name} checkpoint; skipped", flush=True)
            continue
        t = time.perf_counter()
        old = before(module, train, test)
        t_old = time.perf_counter() - t
        if p.channels_last:
            module = module.to(memory_format=torch.channels_last)
        t = time.perf_counter()
        new = evaluate(module, train, test)
        t_new = time.perf_counter() - t
        r = {"run": name, "before_s": round(t_old, 2), "after_s": round(t_new, 2), "speedup": round(t_old / t_new, 2),
             **{f"{k}_before": round(100 * v, 2) for k, v in old.items()},
             **{f"{k}_after": round(100 * v, 2) for k, v in new.items()}}
        rows.append(r)
        print(json.dumps(r), flush=True)
    print("\n| encoder | before, s | after, s | speed-up | kNN before → after | linear before → after |\n"
          "|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['run']} | {r['before_s']:.1f} | {r['after_s']:.1f} | {r['speedup']:.1f}× | "
              f"{r['knn_before']:.2f} → {r['knn_after']:.2f} ({r['knn_after'] - r['knn_before']:+.2f}) | "
              f"{r['linear_before']:.2f} → {r['linear_after']:.2f} ({r['linear_after'] - r['linear_before']:+.2f}) |")


if __name__ == "__main__":
    main()
