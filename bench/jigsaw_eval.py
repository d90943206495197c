"""Why the full-scale Jigsaw run's whole-image features fall below random init (issue 30).

Jigsaw's encoder only ever sees 12-pixel tiles cut from images upsampled to 48 px: its
BatchNorm running statistics are the tiles' (the online probe's whole-image forward leaves
them untouched), while the evaluation protocol feeds it whole 32-pixel images. Three readings of
one checkpoint, on a validation split of the *training* images (bank: 20,000, queries: 5,000
others; the test set is not used), each beside a random-init backbone of the same size:

- ``whole``: the protocol — whole images, the checkpoint's BatchNorm statistics;
- ``whole, BN re-estimated``: whole images, BatchNorm statistics recomputed on 10,000 whole
  training images (no label, no weight changes: the mean and variance each layer sees);
- ``tiles``: what the encoder was trained on — the nine 12-pixel centre tiles of the 48-px
  image's 16-px cells, each encoded, features averaged.

    SSLKIT_DATA=... python bench/jigsaw_eval.py [--run runs/cpu/jigsaw]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
import torch.nn as nn

from sslkit.methods import check_hparams, method_class
from sslkit.parts.augment import jigsaw_tiles, to_float
from sslkit.parts.data import class_balanced_subset, load_cifar10
from sslkit.parts.profiles import hardware
from sslkit.training.evaluate import knn_accuracy
from sslkit.training.runs import latest_checkpoint, read_checkpoint

OUT = Path(__file__).parent / "main_runs_results" / "jigsaw_eval.json"


@torch.no_grad()
def features(net: nn.Module, images: torch.Tensor, tiles: bool = False, batch: int = 500) -> torch.Tensor:
    """(N, D) float32 features of a backbone on uint8 images: whole, or the mean over the nine
    centre tiles (12 px) of the 48-px image's 16-px cells."""
    out = []
    for x in images.split(batch):
        if tiles:
            t = jigsaw_tiles(x, grid=3, cell=16)[..., 2:14, 2:14]  # (B, 9, 3, 12, 12): each cell's centre
            out.append(net(t.flatten(0, 1)).float().view(len(x), 9, -1).mean(1))
        else:
            out.append(net(to_float(x)).float())
    return torch.cat(out)


@torch.no_grad()
def reestimate_bn(net: nn.Module, images: torch.Tensor, batch: int = 500) -> nn.Module:
    """BatchNorm running statistics recomputed as the plain average over ``images`` (whole)."""
    bns = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
    net.train()
    for x in images.split(batch):
        net(to_float(x))
    return net.eval()


def backbone(run: Path | None, hparams: dict):
    cls = method_class("Jigsaw")
    torch.manual_seed(0)
    module = cls(**check_hparams(cls, hparams, "run.json"))
    if run is not None:  # the newest intact checkpoint, read with weights_only=True
        module.load_state_dict(read_checkpoint(latest_checkpoint(run)[0])["state_dict"])
    return module.backbone.eval()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, default=Path("runs/cpu/jigsaw"))
    args = ap.parse_args(argv)
    settings = json.loads((args.run / "run.json").read_text())
    epochs = json.loads((args.run / "wall_time.json").read_text())["epochs"]
    train = load_cifar10("train")
    held = class_balanced_subset(train.labels, per_class=500, seed=1)
    rest = torch.ones(len(train), dtype=torch.bool)
    rest[held] = False
    pool = torch.nonzero(rest).flatten()
    bank = pool[class_balanced_subset(train.labels[pool], per_class=2_000, seed=2)]
    calib = pool[class_balanced_subset(train.labels[pool], per_class=1_000, seed=3)]
    y_bank, y_val = train.labels[bank], train.labels[held]
    t0 = time.perf_counter()
    out = {"run": str(args.run), "epochs": epochs, "bank": len(bank), "queries": len(held)}
    for who, run in (("trained", args.run), ("random init", None)):
        for reading in ("whole", "whole, BN re-estimated", "tiles"):
            net = backbone(run, settings["hparams"])
            if reading == "whole, BN re-estimated":
                reestimate_bn(net, train.images[calib])
            tiles = reading == "tiles"
            acc = knn_accuracy(features(net, train.images[bank], tiles), y_bank,
                               features(net, train.images[held], tiles), y_val, 10)
            out[f"{who}: {reading}"] = round(acc, 4)
            print(f"{who:>12}, {reading:<24} validation kNN {100 * acc:.1f}%", flush=True)
    out.update(wall_s=round(time.perf_counter() - t0, 1), hardware=hardware(), date=time.strftime("%Y-%m-%d %H:%M"))
    OUT.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
