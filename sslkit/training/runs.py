"""Run folders that know what made them, and checkpoints that are safe to read back.

A run folder (``runs/<profile>/<name>/``) holds checkpoints, logs and ``run.json``: the method
class and every hyper-parameter (augmentation included), the backbone settings, the profile
and precision, epochs, global batch size, seed, process count and a fingerprint of the
training images. :func:`claim` compares that record with the run about to start:

- no folder yet → the record is written and training starts;
- the same settings → training resumes from the last intact checkpoint, or a finished run
  only reloads its weights;
- anything different → :class:`RunMismatch`, showing both settings side by side and the two
  ways out (a new folder name, or ``overwrite=True``). Old weights are never evaluated under
  new labels.

:func:`run_dir` names folders from a readable stem plus the settings that differ from the
method's defaults, so notebooks, ``make demo``, sweeps and benchmarks agree on names::

    run_dir("simclr-sweep", SimCLR, profile, temperature=0.1)   # runs/cpu/simclr-sweep-temperature=0.1

:func:`latest_checkpoint` reads checkpoints with ``torch.load(weights_only=True)`` (a crafted
pickle cannot run code) and skips a torn file (a process killed while writing) for the newest
intact one, saying so.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
import shutil
from pathlib import Path

import torch

from sslkit.methods import method_class, method_defaults
from sslkit.parts import paths
from sslkit.parts.files import file_sha256
from sslkit.parts.profiles import get_profile, scaled_lr

RUN_FILE = "run.json"


class RunMismatch(RuntimeError):
    """A run folder was made by other settings than the run asked of it now."""


# ----------------------------------------------------------------------------- settings

def jsonable(value):
    """Settings as plain JSON values: dataclasses → dicts, tuples → lists, classes → names."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"type": type(value).__name__, **jsonable(dataclasses.asdict(value))}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, torch.Tensor) and value.numel() <= 16:
        return value.tolist()
    return repr(value)


def weights_fingerprint(module: torch.nn.Module) -> str:
    """sha256 (16 hex digits) of every parameter and buffer of ``module``, by name."""
    h = hashlib.sha256()
    for name, t in module.state_dict().items():
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()[:16]


def run_settings(module, data, *, epochs: int, batch_size: int, seed: int, profile, devices: int = 1) -> dict:
    """What identifies a run: everything that changes the weights it ends with — the method and
    its hyper-parameters, its augmentation, the weights it starts from (a pretrained backbone
    for fine-tuning, or the seed's random init), epochs, global batch, seed, processes, profile,
    precision and the training images."""
    hp = dict(module.hparams)
    augment = getattr(module, "augment", None)
    return jsonable({
        "method": type(module),
        "hparams": hp,
        **({"augment": augment} if augment is not None else {}),
        "epochs": epochs,
        "batch_size": batch_size,
        "seed": seed,
        "init": weights_fingerprint(module),
        "devices": devices,
        "profile": profile.name,
        "precision": profile.precision,
        "data": {"images": len(data), "fingerprint": data.fingerprint()},
    })


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def differences(old: dict, new: dict) -> list[tuple[str, object, object]]:
    """(key, old value, new value) for every flattened key whose values differ.

    A key one side lacks and the other holds as ``None`` is no difference: a setting added to a
    method later defaults to ``None`` for the behaviour it had before (SimCLR's ``negatives``),
    so the runs recorded before it keep their identity and their hours of training."""
    a, b = _flatten(old), _flatten(new)
    missing = object()
    rows = [(k, a.get(k, missing), b.get(k, missing)) for k in sorted(set(a) | set(b)) if a.get(k, missing) != b.get(k, missing)]
    return [(k, "—" if x is missing else x, "—" if y is missing else y) for k, x, y in rows
            if not (x is missing and y is None or x is None and y is missing)]


def claim(run_dir: str | Path, settings: dict, overwrite: bool = False) -> None:
    """Make ``run_dir`` the home of the run described by ``settings``, or refuse.

    Writes ``run.json`` on first use; raises :class:`RunMismatch` when the folder records other
    settings (or holds checkpoints without a record, from sslkit before run identity). With
    ``overwrite=True`` the folder's previous contents are deleted first.
    """
    run_dir = Path(run_dir)
    record = run_dir / RUN_FILE
    # Lightning's "ddp" strategy re-runs the script in the other ranks (LOCAL_RANK set) after
    # rank 0 has claimed the folder: they must check it, never delete what rank 0 started.
    if overwrite and run_dir.exists() and os.environ.get("LOCAL_RANK", "0") == "0":
        print(f"{run_dir.name}: overwrite=True, deleting the previous run in {run_dir}.")
        shutil.rmtree(run_dir)
    if record.is_file():
        old = json.loads(record.read_text())
        diff = differences(old, settings)
        if diff:
            width = max(len(k) for k, _, _ in diff)
            rows = "\n".join(f"  {k:<{width}}  {json.dumps(x)}  →  {json.dumps(y)}" for k, x, y in diff)
            raise RunMismatch(
                f"{run_dir} holds a run made with other settings (folder → now):\n{rows}\n"
                "Its weights would be reported under the new settings. Either give this run its own "
                "folder (sslkit.training.runs.run_dir(stem, method, profile, **settings) names one from the "
                "settings), or pass overwrite=True to delete the old run and train anew."
            )
        return
    if any(run_dir.glob("checkpoints/*.ckpt")):
        raise RunMismatch(
            f"{run_dir} holds checkpoints but no {RUN_FILE}: it was made before sslkit recorded run "
            "settings, so nothing says what trained it. Pass overwrite=True to retrain it, or use a new folder."
        )
    run_dir.mkdir(parents=True, exist_ok=True)
    tmp = record.with_suffix(".tmp")
    tmp.write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n")
    tmp.replace(record)


# ----------------------------------------------------------------------------- names


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "_".join(_fmt(v) for v in value)
    if isinstance(value, type):
        return value.__name__
    return str(value)


def run_name(stem: str, method_cls=None, profile=None, **settings) -> str:
    """``stem`` plus ``key=value`` for each setting that differs from its default.

    Defaults are what :func:`sslkit.training.train.pretrain` would use: the method's keyword defaults;
    the profile's pretraining epochs and batch; ``lr`` = ``method_cls.base_lr`` × batch / 256;
    ``seed`` 0. A dataclass value (an augmentation) contributes the fields that differ from its
    class's defaults, e.g. ``augment.jitter_p=0``.
    """
    if isinstance(method_cls, str):
        method_cls = method_class(method_cls)
    defaults = method_defaults(method_cls) if method_cls is not None else {}
    if profile is not None:
        defaults.update(epochs=profile.pretrain_epochs, batch_size=profile.batch_size)
        if hasattr(method_cls, "base_lr"):
            defaults["lr"] = scaled_lr(method_cls.base_lr, settings.get("batch_size", profile.batch_size))
    defaults.setdefault("seed", 0)
    parts = []
    for key in sorted(settings):
        value = settings[key]
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            base = type(value)()
            parts += [f"{key}.{f.name}={_fmt(getattr(value, f.name))}" for f in dataclasses.fields(value)
                      if getattr(value, f.name) != getattr(base, f.name)]
        elif key not in defaults or defaults[key] != value:
            parts.append(f"{key}={_fmt(value)}")
    name = "-".join([stem, *parts])
    if not re.fullmatch(r"[\w.=+\-]+", name):
        raise ValueError(f"Run name {name!r} has characters unsafe in a folder name; use letters, digits, . _ - = +.")
    return name


def run_dir(stem: str, method_cls=None, profile=None, **settings) -> Path:
    """``<runs>/<profile>/<run_name(...)>``: the folder for that run (see :func:`run_name`)."""
    p = get_profile(profile)
    return paths.runs_dir() / p.name / run_name(stem, method_cls, p, **settings)


# ----------------------------------------------------------------------------- checkpoints

def read_checkpoint(path: str | Path) -> dict:
    """A checkpoint's contents, read safely: ``weights_only=True`` refuses any pickled object
    that would run code on load; ``mmap`` keeps the weights on disk until used."""
    return torch.load(path, map_location="cpu", weights_only=True, mmap=True)


def checksum_path(path: str | Path) -> Path:
    """The file beside a checkpoint that holds its sha256: ``last.ckpt`` → ``last.ckpt.sha256``."""
    path = Path(path)
    return path.with_name(path.name + ".sha256")


def write_checksum(path: str | Path) -> None:
    """Write the sha256 of a checkpoint just saved beside it, atomically (a temporary file, then a
    rename): a checkpoint whose bytes later differ from it — torn by a kill while it was being
    rewritten, or damaged on disk — is known to be broken."""
    target = checksum_path(path)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(file_sha256(path) + "\n")
    tmp.replace(target)


def checkpoint_problem(path: str | Path) -> str | None:
    """None when a checkpoint matches the checksum saved beside it (or has none: sslkit before
    checksums); else what is wrong."""
    sums = checksum_path(path)
    if not sums.is_file():
        return None
    if sums.read_text().strip() != file_sha256(path):
        return f"its bytes do not match {sums.name} (cut short while being written, or damaged)"
    return None


def latest_checkpoint(run_dir: str | Path) -> tuple[Path | None, int]:
    """(the newest intact checkpoint of a run, epochs it completed) — ``(None, 0)`` when none.

    ``last.ckpt`` and the per-epoch ``epoch=NNN.ckpt`` files are tried newest first; a file
    whose bytes differ from the checksum saved beside it, that cannot be read (a process killed
    mid-write) or that holds something other than a Lightning checkpoint is skipped with a message.
    """
    folder = Path(run_dir) / "checkpoints"
    found = []
    for path in folder.glob("*.ckpt"):
        try:
            problem = checkpoint_problem(path)
            if problem:
                raise ValueError(problem)
            ckpt = read_checkpoint(path)
            done = int(ckpt["epoch"]) + 1
            if "state_dict" not in ckpt:
                raise KeyError("state_dict")
        except Exception as e:  # noqa: BLE001 — any unreadable file is skipped, and said
            print(f"{path}: unreadable, damaged or unsafe checkpoint ({type(e).__name__}: {str(e)[:120]}); skipping it.")
            continue
        found.append((done, path.name == "last.ckpt", path))
    if not found:
        return None, 0
    done, _, path = max(found)
    if path.name != "last.ckpt" and (folder / "last.ckpt").exists():
        print(f"{Path(run_dir).name}: continuing from {path.name} instead of last.ckpt.")
    return path, done


# ----------------------------------------------------------------------------- what a run folder recorded

def wall_time(run_dir: str | Path) -> dict:
    """{"seconds", "cpu_seconds", "epochs", "steps", "segments", "threads"}: training wall time of
    a run summed over every start (killed ones included; since 2026-12-04 a ``kill -STOP`` pause
    is left out and shown as the segment's ``paused_seconds``), the process CPU seconds of those
    starts (all threads; 0 for segments recorded before it was kept), the epochs and optimizer
    steps it completed, each segment (one start of training) with its seconds and epochs, and
    the CPU threads each epoch ran on ({"0": 2, …}; on GPU the count of the host process)."""
    f = Path(run_dir) / "wall_time.json"
    t = json.loads(f.read_text()) if f.is_file() else {}
    return {"seconds": t.get("seconds", 0.0), "cpu_seconds": t.get("cpu_seconds", 0.0), "epochs": t.get("epochs", 0),
            "steps": t.get("steps", 0), "segments": t.get("segments", []), "threads": t.get("threads", {})}


def read_metrics(run_dir: str | Path):
    """All CSV logs of a run (every resumed version), one row per epoch, as a DataFrame
    indexed by epoch: the mean of each logged column over that epoch's rows. A reference
    run's folder (:mod:`sslkit.records.manifest`) holds them already joined in ``metrics.csv``."""
    import pandas as pd

    if (Path(run_dir) / "metrics.csv").is_file():
        return pd.read_csv(Path(run_dir) / "metrics.csv", index_col="epoch")
    files = sorted(Path(run_dir).glob("logs/version_*/metrics.csv"), key=lambda f: int(f.parent.name.split("_")[1]))
    if not files:
        raise FileNotFoundError(f"No logs/version_*/metrics.csv under {run_dir}: has this run trained yet?")
    # on_bad_lines: a process killed while Lightning rewrote a CSV can leave a cut-off last line
    frames = [pd.read_csv(f, on_bad_lines="skip").assign(version=i) for i, f in enumerate(files) if f.stat().st_size > 0]
    df = pd.concat(frames, ignore_index=True)
    latest = df.groupby("epoch")["version"].transform("max")  # an epoch re-run after a resume:
    df = df[df["version"] == latest].drop(columns="version")  # keep only its last attempt
    return df.groupby("epoch").mean(numeric_only=True)
