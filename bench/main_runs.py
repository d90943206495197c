"""Full-scale main runs (issue 30): one method on all 50,000 CIFAR-10 training images for a fixed
CPU budget, with its kNN-vs-minutes curve, resumable across sessions.

The run trains in ``runs/cpu/<name>/`` with exactly the settings a notebook's
``load_or_pretrain(<Method>, train, test, <stem>, ...)`` will ask for once the cpu profile holds
the full-scale sizes — all 50,000 train images, all 10,000 test images (the online probe's
validation), width ``--width``, batch ``--batch``, lr = ``--base-lr`` × batch / 256 — so the
reference command later reloads the finished run instead of training it again. The budget becomes
epochs before the first start (``--minutes`` × ``--images-per-s`` / 50,000, printed); pass the
same ``--epochs`` on every resume (a different number is another run, refused by name).

:class:`sslkit.training.curve.KnnCurve` scores the run at log-spaced epochs (kNN of the 10,000 test
images against the 50,000 train images as the bank) into ``curve.json``; ``train_s`` there is the
training wall time, every segment counted, the curve's own evaluations and (since 2026-12-04)
``kill -STOP`` pauses taken out; ``cpu_s`` is the process's CPU seconds, which neither inflates.

    SSLKIT_DATA=... SSLKIT_PRECISION=32-true python bench/main_runs.py --method SimCLR --width 0.125 \
        --base-lr 0.3 --epochs 50 --set temperature=0.2

``runs/`` does not survive a change of machine, so the run folder itself is kept as
``bench/main_runs_results/runs/<name>.tar.gz`` (committed; a width-1/8 run is a few MB): written
when the run finishes, and mid-run by ``--snapshot`` (run it before a session ends, beside the
training). A start on a machine without ``runs/cpu/<name>/`` unpacks that file first, so the run
resumes from the epoch it reached, or a finished one only reloads (and can be recorded).

``SSLKIT_PRECISION=32-true`` pins the precision, part of a run's identity, so that a session on
another CPU resumes the same run instead of refusing it: float32 runs at full speed on every
machine we get (SimCLR width 1/8, batch 256, 2 threads: 310 images/s in float32 against 356 in
bf16 on the Intel Xeon with AMX; 416 in float32 on the AMD EPYC without AVX512, which has no
fast bf16). Record such a run with the same setting.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tarfile
from dataclasses import replace
from pathlib import Path

from choose_lr import parse_settings  # bench/ is on the path when this script runs

from sslkit import methods
from sslkit.parts import paths
from sslkit.parts.data import load_cifar10
from sslkit.parts.profiles import get_profile, hardware
from sslkit.training import runs
from sslkit.training.curve import KnnCurve, curve_epochs, read_curve
from sslkit.training.train import pretrain


def full_profile(width: float, batch: int):
    """The cpu profile at full scale: every train and test image, the given width and batch."""
    return replace(get_profile("cpu"), train_per_class=None, test_per_class=None, width=width, batch_size=batch)


RESULTS = Path(__file__).parent / "main_runs_results"


def keep(run_dir: Path) -> None:
    """Copy a finished run's small files to ``bench/main_runs_results/<name>_*.json`` (committed;
    ``runs/`` is not): its curve, wall and CPU time, and settings (the epochs it was sized for)."""
    RESULTS.mkdir(exist_ok=True)
    for f in ("curve.json", "wall_time.json", "run.json"):
        shutil.copyfile(run_dir / f, RESULTS / f"{run_dir.name}_{f}")


SNAPSHOTS = RESULTS / "runs"


def snapshot(run_dir: Path) -> Path:
    """Pack ``run_dir`` (checkpoints, logs, run.json) into ``bench/main_runs_results/runs/<name>.tar.gz``,
    written beside and then renamed, so a crash mid-write leaves the previous snapshot whole. A
    checkpoint being written at that moment is packed torn and skipped on resume for the one before."""
    if not (run_dir / "run.json").is_file():
        raise FileNotFoundError(f"{run_dir} holds no run to snapshot (no run.json): start it with this script first.")
    SNAPSHOTS.mkdir(parents=True, exist_ok=True)
    out = SNAPSHOTS / f"{run_dir.name}.tar.gz"
    tmp = out.with_suffix(".tmp")
    last = run_dir / "checkpoints" / "last.ckpt"
    keep_epochs = not last.is_file() or runs.checkpoint_problem(last) is not None

    def only_needed(info: tarfile.TarInfo):  # an intact last.ckpt makes the per-epoch copy redundant
        return None if not keep_epochs and Path(info.name).name.startswith("epoch=") else info

    with tarfile.open(tmp, "w:gz") as tar:
        tar.add(run_dir, arcname=run_dir.name, filter=only_needed)
    tmp.replace(out)
    print(f"{run_dir.name}: snapshot {out} ({out.stat().st_size / 2**20:.1f} MB)", flush=True)
    return out


def restore(run_dir: Path) -> bool:
    """Unpack the committed snapshot of ``run_dir`` when this machine has no such folder; True if it did."""
    packed = SNAPSHOTS / f"{run_dir.name}.tar.gz"
    if run_dir.exists() or not packed.is_file():
        return False
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(packed) as tar:
        tar.extractall(run_dir.parent, filter="data")
    print(f"{run_dir.name}: no run folder on this machine; unpacked {packed} to resume from it", flush=True)
    return True


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--method", required=True)
    ap.add_argument("--name", default=None, help="the run's folder under runs/cpu/ (default: the method in lower case)")
    ap.add_argument("--width", type=float, default=0.25)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--base-lr", type=float, default=None, help="lr = base_lr x batch / 256 (default: the method's)")
    ap.add_argument("--epochs", type=int, default=None, help="the run's epochs (give the same on every resume)")
    ap.add_argument("--minutes", type=float, default=None, help="with --images-per-s: choose the epochs from a budget")
    ap.add_argument("--images-per-s", type=float, default=None)
    ap.add_argument("--points", type=int, default=6, help="kNN curve points (log-spaced epochs, the last included)")
    ap.add_argument("--snapshot", action="store_true",
                    help="only pack the run's folder as it is now into bench/main_runs_results/runs/ (no training)")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="method settings, e.g. temperature=0.2")
    args = ap.parse_args(argv)
    cls = getattr(methods, args.method)
    run_dir = paths.runs_dir() / "cpu" / (args.name or cls.__name__.lower())
    if args.snapshot:
        snapshot(run_dir)
        return
    restore(run_dir)
    settings = parse_settings(args.set)
    if args.base_lr is not None:
        settings["lr"] = args.base_lr * args.batch / 256
    train, test = load_cifar10("train"), load_cifar10("test")
    epochs = args.epochs
    if epochs is None:
        if not (args.minutes and args.images_per_s):
            ap.error("give --epochs, or --minutes and --images-per-s to choose them")
        epochs = max(1, round(args.minutes * 60 * args.images_per_s / len(train)))
        print(f"{args.minutes:g} min x {args.images_per_s:g} images/s -> {epochs} epochs: pass --epochs {epochs} "
              "on every resume", flush=True)
    p = full_profile(args.width, args.batch)
    points = curve_epochs(epochs, args.points)
    _, report = pretrain(cls, train, test, run_dir, epochs=epochs, profile=p, progress=False,
                         callbacks=[KnnCurve(run_dir, train, test, points)], **settings)
    keep(run_dir)
    if report.trained_now or not (SNAPSHOTS / f"{run_dir.name}.tar.gz").is_file():
        snapshot(run_dir)  # a finished run that only reloaded is packed once, not again
    print(json.dumps({"run": str(run_dir), "epochs": report.epochs, "train_min": round(report.seconds / 60, 1),
                      "images_per_s": round(report.images_per_s, 1), "curve": read_curve(run_dir),
                      "hardware": hardware()}), flush=True)


if __name__ == "__main__":
    main()
