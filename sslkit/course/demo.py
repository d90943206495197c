"""``make demo``: SimCLR against the supervised baseline, end to end, headless.

Loads CIFAR-10 and the committed reference runs of SimCLR and the supervised baseline (their
sha256 checked; profile cpu, on a GPU too when there is one), evaluates both with the protocol of
notebook 00 (kNN and linear probe on the frozen features) beside the random-init floor's recorded
numbers, prints the table, saves the numbers to ``runs/<profile>/results.json`` and writes four
plots to ``runs/<profile>/demo/``, in under a minute on a 2-core CPU. It never rewrites a committed
file.

``--retrain`` (``make demo RETRAIN=1``) trains both instead, at the live size (minutes), in
``runs/live/``; ``--profile`` picks another size (smoke: seconds, for CI). Runs that already
finished are reloaded and interrupted ones resume, so re-running costs little.

    python -m sslkit.course.demo [--retrain] [--profile smoke|cpu|live|gpu]
"""

from __future__ import annotations

import argparse
import time

import matplotlib

matplotlib.use("Agg")

import torch  # noqa: E402

from sslkit.parts import config
from sslkit.course.plots import accuracy_bars, augmentation_grid, embedding, training_curves  # noqa: E402
from sslkit.experiments.baselines import random_floor, supervised_baseline  # noqa: E402
from sslkit.methods import SimCLR  # noqa: E402
from sslkit.parts import paths  # noqa: E402
from sslkit.parts.augment import simclr_augment  # noqa: E402
from sslkit.parts.data import cifar10  # noqa: E402
from sslkit.parts.profiles import describe, run_profile  # noqa: E402
from sslkit.records.policy import LOAD, TRAIN, load_or_pretrain  # noqa: E402
from sslkit.records.results import format_table, load_reference, results_path, save_result  # noqa: E402
from sslkit.training.evaluate import evaluate, extract_features  # noqa: E402


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["smoke", "cpu", "live", "gpu"],
                        help="default: $SSLKIT_PROFILE, else cpu (the references), or live with --retrain")
    parser.add_argument("--retrain", action="store_true", help="train SimCLR and the baseline here instead of loading them")
    args = parser.parse_args(argv)
    mode = TRAIN if args.retrain else LOAD
    p = run_profile(args.retrain, args.profile or config.profile_name())
    runs = paths.runs_dir() / p.name
    out = runs / "demo"
    out.mkdir(parents=True, exist_ok=True)
    print(describe(p), flush=True)

    t0 = time.perf_counter()
    main = p.main_profile()  # the demo shows main runs: their images and sizes
    train, test = cifar10(main)
    print(f"CIFAR-10: {len(train):,} train / {len(test):,} test images ({time.perf_counter() - t0:.1f} s to load)")
    augmentation_grid(train.images[:4], simclr_augment(), generator=torch.Generator().manual_seed(0),
                      title="SimCLR views").savefig(out / "augmentations.png", dpi=100)

    recorded = load_reference(p).get("floor") if not mode.trains_live(p) else None
    if recorded:
        floor = {k: recorded[k] for k in ("knn", "linear")}
        print(f"1/3 random-init floor: as recorded by notebook 00 ({recorded['date']})", flush=True)
    else:
        print("1/3 random-init floor: evaluating a random network …", flush=True)
        _, floor = random_floor(train, test, main)
        save_result("floor", floor, mode=mode, profile=p)
    print(f"2/3 SimCLR ({p.main_run('simclr')['epochs']} epochs of pretraining) …", flush=True)
    simclr, run = load_or_pretrain(SimCLR, train, test, "simclr", mode=mode, profile=p, verbose=True)
    ssl = {**evaluate(simclr, train, test), "wall_s": run.seconds}
    save_result("simclr", ssl, mode=mode, profile=p, run=run)
    print(f"3/3 supervised baseline ({p.main_run('supervised')['epochs']} epochs) …", flush=True)
    (_, sup_run), sup = supervised_baseline(train, test, mode=mode, profile=p, verbose=True)
    save_result("supervised", sup, mode=mode, profile=p, run=sup_run)
    results = {"floor (random init)": floor, "SimCLR": ssl, "supervised": sup}

    h = extract_features(simclr, test)
    embedding(h, test.labels, test.classes, "tsne", p.embed_points, title="SimCLR features (t-SNE)").savefig(
        out / "embedding_simclr.png", dpi=100)
    training_curves(run.run_dir, "SimCLR pretraining",
                    reference={"supervised (linear probe)": sup["linear"]}).savefig(
        out / "training_curves.png", dpi=100)
    accuracy_bars(results, title=f"CIFAR-10 test, profile {p.name}").savefig(out / "accuracy.png", dpi=100)

    print(f"\nCIFAR-10, profile {p.name} (test top-1; train time: the run's own training, loaded or not)\n")
    print(format_table(results, ("knn", "linear", "wall_s")))
    print(f"\nPlots in {out}/: " + ", ".join(sorted(f.name for f in out.glob("*.png"))))
    print(f"Numbers in {results_path(p)}; demo took {time.perf_counter() - t0:.0f} s.")
    return results


if __name__ == "__main__":
    main()
