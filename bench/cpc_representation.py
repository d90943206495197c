"""Does CPC lose accuracy in how its representation is read? Validation kNN of the committed cpu
CPC reference (``results/cpu/cpc``: width 1/4, 16 epochs on 10,000 images) and of a random-init CPC,
read three ways: ``codes`` (the 7×7 grid of 8-px patch codes, mean-pooled: what sslkit reads),
``image`` (the whole 32-px image through the patch encoder, globally pooled) and ``context``
(the context network's output, mean-pooled). Bank: the cpu profile's 10,000 training images;
queries: 2,000 train images outside them (``choose_lr.validation_split``); the test set is never
read. float32, one process.

    SSLKIT_DATA=... OMP_NUM_THREADS=1 PYTHONPATH=bench python bench/cpc_representation.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch

import choose_lr
from sslkit.methods import CPC
from sslkit.parts.profiles import get_profile
from sslkit.records.manifest import load_half_state, read_weights

REFERENCE = Path(__file__).parents[1] / "results" / "cpu" / "cpc"


def val_knn(model: CPC, train, val, representation: str) -> float:
    """Validation kNN of ``model`` read as ``representation`` (codes, image or context)."""
    if representation == "image":
        read = model.backbone  # a bare module: extract_features calls it on the whole images
    else:
        model.representation = representation
        read = model  # a method: extract_features reads its features()
    return choose_lr.val_knn(read, train, val, dtype=None)


def main():
    train, val = choose_lr.validation_split(get_profile("cpu"), 200, "main")
    hp = {k: v for k, v in json.loads((REFERENCE / "run.json").read_text())["hparams"].items()
          if k not in ("num_classes", "lr")}
    for label, trained in [("trained (committed cpu reference)", True), ("random init, seed 0", False)]:
        torch.manual_seed(0)
        model = CPC(num_classes=10, **hp).eval()
        if trained:
            load_half_state(model, read_weights(REFERENCE / "weights.pt"))
        for rep in ("codes", "image", "context"):
            t = time.time()
            acc = val_knn(model, train, val, rep)
            print(json.dumps({"model": label, "representation": rep, "val_knn": round(acc, 4),
                              "s": round(time.time() - t)}), flush=True)


if __name__ == "__main__":
    main()
