"""Full-scale main runs (issue 30): one method on all 50,000 CIFAR-10 training images for a fixed
CPU budget, with its kNN-vs-minutes curve, resumable across sessions.

Each run's settings come from one table, the cpu profile's main runs: all 50,000 train images, all 10,000
test images (the online probe's validation), width 1/8, batch 256, each method's epochs and
settings (``get_profile("cpu").main_run("simclr")``; the supervised baseline's from
``sslkit.experiments.baselines.supervised_settings``). The run trains in ``runs/cpu/<name>/``,
``<name>`` the one a notebook's ``load_or_pretrain(<Method>, train, test, <stem>, mode=...)`` asks
for at that profile (``sslkit.records.policy.main_run_name``), so the reference command later
reloads the finished run instead of training it again. ``--epochs``, ``--base-lr``, ``--width``,
``--batch`` and ``--set`` make another run (another name); ``--minutes`` with ``--images-per-s``
turns a budget into epochs (printed: pass them as ``--epochs`` on every resume). Runs started
before the table, in folders named by the method alone (``runs/cpu/rotnet/``), are renamed on
their next start when their settings match.

:class:`sslkit.training.curve.KnnCurve` scores the run at log-spaced epochs (kNN of the 10,000 test
images against the 50,000 train images as the bank) into ``curve.json``; ``train_s`` there is the
training wall time, every segment counted, the curve's own evaluations and (since 2026-12-04)
``kill -STOP`` pauses taken out; ``cpu_s`` is the process's CPU seconds, which neither inflates.

    SSLKIT_DATA=... SSLKIT_PRECISION=32-true PYTHONPATH=bench python bench/main_runs.py --method SimCLR

``runs/`` does not survive a change of machine, so the run folder itself is kept as
``bench/main_runs_results/runs/<stem>.tar.gz`` (committed; a width-1/8 run is a few MB, BYOL's
18 with its 4,096-wide heads and target; a run other than the table's is kept under its folder's
name, never over the main run's files): written when the run finishes (its optimizer state
zeroed, :func:`snapshot`), and mid-run by ``--snapshot`` (run it before a session ends, beside the
training). A start on a machine without ``runs/cpu/<name>/`` unpacks that file first, so the run
resumes from the epoch it reached, or a finished one only reloads (and can be recorded).

The cpu profile pins float32 for its main runs (``SSLKIT_PRECISION=32-true`` did before; both
give the same runs): precision is part of a run's identity, so a session on another CPU resumes
the same run instead of refusing it: float32 runs at full speed on every
machine we get (SimCLR width 1/8, batch 256, 2 threads: 310 images/s in float32 against 356 in
bf16 on the Intel Xeon with AMX; 416 in float32 on the AMD EPYC without AVX512, which has no
fast bf16). Record such a run with the same setting.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tarfile
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch
from choose_lr import parse_settings  # bench/ is on the path when this script runs

from sslkit import methods
from sslkit.parts import paths
from sslkit.parts.data import load_cifar10
from sslkit.experiments.baselines import random_floor, supervised_settings
from sslkit.parts.profiles import PROFILES, hardware
from sslkit.records.policy import main_run_name
from sslkit.training import runs
from sslkit.training.curve import KnnCurve, curve_epochs, read_curve
from sslkit.training.train import planned_settings, pretrain


def full_profile(width: float | None = None, batch: int | None = None):
    """The cpu profile's main-run sizes (every train and test image, its
    main-run table), at another width or batch when given (another run, then)."""
    return replace(PROFILES["cpu"].main_profile(), **({"width": width} if width else {}),
                   **({"batch_size": batch} if batch else {}))


def planned(method: str, profile, epochs: int | None = None, base_lr: float | None = None, overrides=None):
    """(method class, run name, epochs, settings) of ``method``'s main run at ``profile``: the
    profile's main-run table (the supervised baseline's settings for Supervised), then the
    overrides; the name is the one the notebooks' ``load_or_pretrain`` asks for at that profile."""
    cls = getattr(methods, method)
    stem = cls.__name__.lower()
    settings = supervised_settings(profile) if cls is methods.Supervised else profile.main_run(stem)
    settings.update(overrides or {})
    if base_lr is not None:
        settings["lr"] = base_lr * profile.batch_size / 256
    if epochs is not None:
        settings["epochs"] = epochs
    epochs = settings.pop("epochs")
    name = "supervised" if cls is methods.Supervised else main_run_name(stem, cls, profile, epochs=epochs, **settings)
    return cls, name, epochs, settings


RESULTS = Path(__file__).parent / "main_runs_results"


def keep(run_dir: Path, key: str) -> None:
    """Copy a finished run's small files to ``bench/main_runs_results/<key>_*.json`` (committed;
    ``runs/`` is not): its curve, wall and CPU time, and settings (the epochs it was sized for)."""
    RESULTS.mkdir(exist_ok=True)
    for f in ("curve.json", "wall_time.json", "run.json"):
        shutil.copyfile(run_dir / f, RESULTS / f"{key}_{f}")


SNAPSHOTS = RESULTS / "runs"


def snapshot(run_dir: Path, key: str, into: Path | None = None) -> Path:
    """Pack ``run_dir`` (checkpoints, logs, run.json) into ``bench/main_runs_results/runs/<key>.tar.gz``
    (or ``into/<key>.tar.gz``: notebook 08's fine-tunes, ``bench/finetune_ahead.py``), written
    beside and then renamed, so a crash mid-write leaves the previous snapshot whole. A
    checkpoint being written at that moment is packed torn and skipped on resume for the one before.

    A finished run (``last.ckpt`` after the epochs its ``run.json`` asks for) is packed with its
    optimizer's state zeroed (:func:`finished_checkpoint`): it is never trained further (another
    epoch count is another run), so only its weights matter, and zeros cost nothing packed
    (BYOL's momentum buffers would add 13 MB to its 18 packed)."""
    if not (run_dir / "run.json").is_file():
        raise FileNotFoundError(f"{run_dir} holds no run to snapshot (no run.json): start it with this script first.")
    into = SNAPSHOTS if into is None else into
    into.mkdir(parents=True, exist_ok=True)
    out = into / f"{key}.tar.gz"
    tmp = out.with_suffix(".tmp")
    last = run_dir / "checkpoints" / "last.ckpt"
    keep_epochs = not last.is_file() or runs.checkpoint_problem(last) is not None
    slim = None if keep_epochs else finished_checkpoint(run_dir)

    def only_needed(info: tarfile.TarInfo):  # an intact last.ckpt makes the per-epoch copy redundant
        name = Path(info.name).name
        if not keep_epochs and name.startswith("epoch="):
            return None
        return None if slim is not None and name in ("last.ckpt", "last.ckpt.sha256") else info

    try:
        with tarfile.open(tmp, "w:gz") as tar:
            tar.add(run_dir, arcname=run_dir.name, filter=only_needed)
            for f in slim or ():
                tar.add(f, arcname=f"{run_dir.name}/checkpoints/{f.name}")
    finally:
        if slim is not None:
            shutil.rmtree(slim[0].parent)
    tmp.replace(out)
    print(f"{run_dir.name}: snapshot {out} ({out.stat().st_size / 2**20:.1f} MB)"
          + (", finished: optimizer state zeroed" if slim else ""), flush=True)
    return out


def finished_checkpoint(run_dir: Path) -> list[Path] | None:
    """When ``run_dir``'s ``last.ckpt`` is its final epoch: a copy of it (and its checksum) in a
    temporary folder, every floating optimizer-state tensor replaced by zeros of its shape, so
    that Lightning still reloads it as the finished run (weights, epoch, loops, schedulers
    untouched); else None (a run that will go on training keeps its momentum)."""
    last = run_dir / "checkpoints" / "last.ckpt"
    wanted = json.loads((run_dir / "run.json").read_text()).get("epochs")
    ckpt = runs.read_checkpoint(last)
    if wanted is None or int(ckpt["epoch"]) + 1 < wanted:
        return None

    def zeroed(x):
        if torch.is_tensor(x):
            return torch.zeros_like(x) if x.is_floating_point() and x.dim() > 0 else x
        if isinstance(x, dict):
            return {k: zeroed(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return type(x)(zeroed(v) for v in x)
        return x

    ckpt["optimizer_states"] = zeroed(ckpt.get("optimizer_states", []))
    copy = Path(tempfile.mkdtemp(prefix="snapshot-")) / "last.ckpt"
    torch.save(ckpt, copy)
    runs.write_checksum(copy)
    return [copy, runs.checksum_path(copy)]


def unpack(packed: Path, into: Path, folders: tuple[str, ...]) -> None:
    """Unpack the snapshot ``packed`` into ``into``; refused when it holds anything outside the
    run folders it may hold (``folders``), so a pack never writes elsewhere."""
    with tarfile.open(packed) as tar:
        if any(Path(m.name).parts[0] not in folders for m in tar.getmembers()):
            raise ValueError(f"{packed} holds a folder other than {'/ or '.join(folders)}/: not unpacking it.")
        into.mkdir(parents=True, exist_ok=True)
        tar.extractall(into, filter="data")


def restore(run_dir: Path, stem: str, wanted: dict) -> None:
    """Give ``run_dir`` its run when this machine lacks the folder: a run from before the table's
    names (trained in a folder named ``stem``, as the first ones were) is renamed when its
    ``run.json`` records the ``wanted`` settings, else the committed snapshot ``<stem>.tar.gz``
    is unpacked (and renamed likewise if it holds such a folder)."""
    legacy = run_dir.parent / stem
    if run_dir.exists():
        return
    if not (legacy / "run.json").is_file() and (SNAPSHOTS / f"{stem}.tar.gz").is_file():
        packed = SNAPSHOTS / f"{stem}.tar.gz"
        unpack(packed, run_dir.parent, (run_dir.name, stem))
        print(f"{run_dir.name}: no run folder on this machine; unpacked {packed} to resume from it", flush=True)
    if run_dir.exists() or legacy == run_dir or not (legacy / "run.json").is_file():
        return
    diff = runs.differences(json.loads((legacy / "run.json").read_text()), wanted)
    if diff:
        print(f"{run_dir.name}: {legacy} holds another run ({', '.join(k for k, _, _ in diff)} differ); "
              "training this one anew beside it", flush=True)
        return
    legacy.rename(run_dir)  # run.json's settings are the run's identity, not its folder's name
    print(f"{run_dir.name}: the run trained as {legacy.name}/ now lives under the name the notebooks ask for", flush=True)


def floor(train, test, profile) -> dict:
    """The random-init floor at the main runs' size: kNN and linear probe of an untrained backbone
    (seeds 0, 1, 2; float32 features), the number every main run's gain is measured from.
    Written to ``bench/main_runs_results/floor.json``."""
    t0 = time.perf_counter()
    seeds = {seed: random_floor(train, test, profile, seed=seed)[1] for seed in (0, 1, 2)}
    out = {"width": profile.width, "train_images": len(train), "test_images": len(test), "seeds": seeds,
           "knn_mean": sum(r["knn"] for r in seeds.values()) / len(seeds),
           "linear_mean": sum(r["linear"] for r in seeds.values()) / len(seeds),
           "wall_s": round(time.perf_counter() - t0, 1), "hardware": hardware(), "date": time.strftime("%Y-%m-%d")}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "floor.json").write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out), flush=True)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--method", required=True)
    ap.add_argument("--name", default=None,
                    help="the run's folder under runs/cpu/ (default: the name the notebooks' load_or_pretrain asks for)")
    ap.add_argument("--width", type=float, default=None, help="default: the full-scale profile's, 1/8")
    ap.add_argument("--batch", type=int, default=None, help="default: the full-scale profile's, 256")
    ap.add_argument("--base-lr", type=float, default=None, help="lr = base_lr x batch / 256 (default: the method's)")
    ap.add_argument("--epochs", type=int, default=None, help="default: the main-run table's (the cpu profile's main_run)")
    ap.add_argument("--minutes", type=float, default=None, help="with --images-per-s: choose the epochs from a budget")
    ap.add_argument("--images-per-s", type=float, default=None)
    ap.add_argument("--points", type=int, default=6, help="kNN curve points (log-spaced epochs, the last included)")
    ap.add_argument("--snapshot", action="store_true",
                    help="only pack the run's folder as it is now into bench/main_runs_results/runs/ (no training)")
    ap.add_argument("--restore", action="store_true",
                    help="only unpack the run's committed snapshot where this machine lacks its folder (no training)")
    ap.add_argument("--floor", action="store_true",
                    help="only score random-init backbones of the run's size (seeds 0-2) into main_runs_results/floor.json")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                    help="method settings beyond the table's, e.g. temperature=0.2 (another run)")
    args = ap.parse_args(argv)
    p = full_profile(args.width, args.batch)
    epochs = args.epochs
    if epochs is None and args.minutes:
        if not args.images_per_s:
            ap.error("--minutes needs --images-per-s to choose the epochs")
        epochs = max(1, round(args.minutes * 60 * args.images_per_s / 50_000))
        print(f"{args.minutes:g} min x {args.images_per_s:g} images/s -> {epochs} epochs: pass --epochs {epochs} "
              "on every resume", flush=True)
    cls, name, epochs, settings = planned(args.method, p, epochs, args.base_lr, parse_settings(args.set))
    run_dir = paths.runs_dir() / "cpu" / (args.name or name)
    # the table's run is kept under its method's name (simclr_curve.json, runs/simclr.tar.gz); any
    # other run under its own folder's, so that trying a setting never overwrites the main run's files
    key = cls.__name__.lower() if run_dir.name == planned(args.method, full_profile())[1] else run_dir.name
    if args.snapshot:
        legacy = run_dir.parent / key
        # a run still training under its old bare name (it is renamed at its next start)
        snapshot(legacy if not run_dir.exists() and legacy.is_dir() else run_dir, key)
        return
    train, test = load_cifar10("train"), load_cifar10("test")
    if args.floor:
        floor(train, test, p)
        return
    restore(run_dir, key, planned_settings(cls, train, p, epochs, **settings)[1])
    if args.restore:
        return
    points = curve_epochs(epochs, args.points)
    _, report = pretrain(cls, train, test, run_dir, epochs=epochs, profile=p, progress=False,
                         callbacks=[KnnCurve(run_dir, train, test, points)], **settings)
    keep(run_dir, key)
    if report.trained_now or not (SNAPSHOTS / f"{key}.tar.gz").is_file():
        snapshot(run_dir, key)  # a finished run that only reloaded is packed once, not again
    print(json.dumps({"run": str(run_dir), "epochs": report.epochs, "train_min": round(report.seconds / 60, 1),
                      "images_per_s": round(report.images_per_s, 1), "curve": read_curve(run_dir),
                      "hardware": hardware()}), flush=True)


if __name__ == "__main__":
    main()
