"""Issue 28, claim 12: does k-means ever leave a cluster empty on these features? (bench/RESULTS.md,
'DeepCluster's main run'). DeepCluster's features of all 50,000 training images, PCA-whitened to
64 dimensions and L2-normalized as the method clusters them, from its random-init backbone and
from the full-scale main run (70 epochs, runs/cpu/deepcluster-epochs=70); Lloyd's k-means, 20
iterations, re-seeding OFF, k-means++ or random seeds, K from the main run's 100 to 10,000 (five
images a cluster). Prints empty clusters and the largest cluster's share of the images.

    SSLKIT_DATA=... python bench/checks/kmeans_empty.py [--run runs/cpu/deepcluster-epochs=70]
"""
import argparse
import json
import time
from pathlib import Path

import torch

from sslkit.methods import DeepCluster, check_hparams
from sslkit.methods.features import extract_features
from sslkit.parts.cluster import kmeans, pca_whiten
from sslkit.parts.data import load_cifar10
from sslkit.parts.profiles import hardware
from sslkit.training.runs import latest_checkpoint, read_checkpoint

ap = argparse.ArgumentParser()
ap.add_argument("--run", type=Path, default=Path("runs/cpu/deepcluster-epochs=70"))
args = ap.parse_args()
hparams = json.loads((args.run / "run.json").read_text())["hparams"]
images = load_cifar10("train").images
print(hardware(), time.strftime("%Y-%m-%d %H:%M"), flush=True)
for who in ("random init", "trained (70 epochs)"):
    torch.manual_seed(0)
    model = DeepCluster(**check_hparams(DeepCluster, hparams, "run.json"))
    if who.startswith("trained"):
        model.load_state_dict(read_checkpoint(latest_checkpoint(args.run)[0])["state_dict"])  # weights_only=True
    x = pca_whiten(extract_features(model.eval(), images), hparams["pca_dim"])
    for k in (100, 1_000, 10_000):
        for init in ("kmeans++", "random"):
            t = time.perf_counter()
            sizes = torch.bincount(kmeans(x, k, 20, init=init, fix_empty=False, seed=0).labels, minlength=k)
            print(f"{who:>20}, K = {k:>6,}, {init:>8} seeds: {int((sizes == 0).sum()):>4} empty, largest "
                  f"{100 * sizes.max().item() / len(x):.2f}% of {len(x):,} images ({time.perf_counter() - t:.0f} s)",
                  flush=True)
