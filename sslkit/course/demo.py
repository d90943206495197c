"""``make demo``: SimCLR pretraining end to end, headless.

Under the detected profile: loads CIFAR-10, pretrains SimCLR (``runs/<profile>/simclr``),
evaluates it with the protocol of notebook 00 beside the random-init floor and the supervised
baseline (the profile's reference run, else ``runs/<profile>/supervised``), prints the table,
saves the numbers to ``runs/<profile>/results.json`` and writes the plots to
``runs/<profile>/demo/``; it never rewrites a committed file. Runs that already
finished are reloaded and interrupted ones resume, so re-running costs little.

    python -m sslkit.course.demo [--profile smoke|cpu|gpu]
"""

from __future__ import annotations

import argparse
import time

import matplotlib

matplotlib.use("Agg")

import torch  # noqa: E402

from sslkit.course.plots import accuracy_bars, augmentation_grid, embedding, training_curves  # noqa: E402
from sslkit.experiments.baselines import random_floor, supervised_baseline  # noqa: E402
from sslkit.methods import SimCLR  # noqa: E402
from sslkit.parts import paths  # noqa: E402
from sslkit.parts.augment import simclr_augment  # noqa: E402
from sslkit.parts.data import cifar10  # noqa: E402
from sslkit.parts.profiles import describe, get_profile  # noqa: E402
from sslkit.records.policy import LOAD  # noqa: E402
from sslkit.records.results import format_table, results_path, save_result  # noqa: E402
from sslkit.training.evaluate import evaluate, extract_features  # noqa: E402
from sslkit.training.train import pretrain  # noqa: E402


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["smoke", "cpu", "gpu"], help="default: $SSLKIT_PROFILE, else by hardware")
    args = parser.parse_args(argv)
    p = get_profile(args.profile)
    runs = paths.runs_dir() / p.name
    out = runs / "demo"
    out.mkdir(parents=True, exist_ok=True)
    print(describe(p), flush=True)

    t0 = time.perf_counter()
    train, test = cifar10(p)
    print(f"CIFAR-10: {len(train):,} train / {len(test):,} test images ({time.perf_counter() - t0:.1f} s to load)")
    augmentation_grid(train.images[:4], simclr_augment(), generator=torch.Generator().manual_seed(0),
                      title="SimCLR views").savefig(out / "augmentations.png", dpi=100)

    print("1/3 random-init floor …", flush=True)
    _, floor = random_floor(train, test, p)
    print(f"2/3 SimCLR pretraining ({p.pretrain_epochs} epochs) …", flush=True)
    simclr, run = pretrain(SimCLR, train, test, profile=p)
    ssl = {**evaluate(simclr, train, test), "wall_s": run.seconds}
    print(f"3/3 supervised baseline ({p.supervised_epochs} epochs) …", flush=True)
    _, sup = supervised_baseline(train, test, mode=LOAD, profile=p)
    results = {"floor (random init)": floor, "SimCLR": ssl, "supervised": sup}
    for name, r in zip(("floor", "simclr", "supervised"), results.values()):
        save_result(name, r, mode=LOAD, profile=p)

    h = extract_features(simclr, test)
    embedding(h, test.labels, test.classes, "tsne", p.embed_points, title="SimCLR features (t-SNE)").savefig(
        out / "embedding_simclr.png", dpi=100)
    training_curves(run.run_dir, "SimCLR pretraining",
                    reference={"supervised (linear probe)": sup["linear"]}).savefig(
        out / "training_curves.png", dpi=100)
    accuracy_bars(results, title=f"CIFAR-10 test, profile {p.name}").savefig(out / "accuracy.png", dpi=100)

    print(f"\nCIFAR-10, profile {p.name} (test top-1)\n")
    print(format_table(results, ("knn", "linear", "wall_s")))
    print(f"\nPlots in {out}; numbers in {results_path(p)}")
    return results


if __name__ == "__main__":
    main()
