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

import contextlib
import dataclasses
import hashlib
import json
import math
import os
import re
import shutil
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; run one process per folder there
    fcntl = None

import torch

from sslkit.parts import config
from sslkit.methods import method_class, method_defaults
from sslkit.parts import paths
from sslkit.parts.files import UnreadableFile, file_sha256, load_torch_file
from sslkit.parts.profiles import get_profile, scaled_lr

RUN_FILE = "run.json"


class RunMismatch(RuntimeError):
    """A run folder was made by other settings than the run asked of it now."""


class RunBusy(RuntimeError):
    """Another process holds the run folder (it is training or recording that run)."""


class DamagedRunFile(RuntimeError):
    """A run folder's own record (``run.json``, ``wall_time.json``) cannot be read; the message
    names the file and the fix."""


def read_run_file(path: str | Path, default=None) -> dict:
    """A run folder's JSON record as a dict (``default`` when there is no file), or
    :class:`DamagedRunFile` naming the file and the fix when it is cut short or not a mapping."""
    path = Path(path)
    if not path.is_file():
        return {} if default is None else default
    fix = (f"delete {path} (for run.json: and the run's checkpoints with it, or train with overwrite=True), "
           "then train again")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise DamagedRunFile(f"{path} is damaged ({type(e).__name__}: {str(e)[:100]}): cut short or edited. "
                             f"Fix: {fix}.") from None
    if not isinstance(data, dict):
        raise DamagedRunFile(f"{path} holds a {type(data).__name__}, not the mapping sslkit writes: it was edited. "
                             f"Fix: {fix}.")
    return data


LOCK_FILE = ".lock"


def lock_path(run_dir: str | Path) -> Path:
    """The lock file of a run folder, inside it: ``overwrite`` empties the folder around it, never
    deleting the lock that guards it."""
    return Path(run_dir) / LOCK_FILE


@contextlib.contextmanager
def owned(run_dir: str | Path, wait: bool = False):
    """Hold ``run_dir`` for one process while training, overwriting or recording it.

    An advisory lock (``fcntl.flock``) on :func:`lock_path`: the operating system releases it when
    the process ends, however it ends, so a killed run never leaves its folder locked. A second
    process gets :class:`RunBusy` naming the holder's pid, or with ``wait=True`` waits for it. The
    extra ranks of Lightning's "ddp" strategy (``LOCAL_RANK`` > 0) run inside rank 0's hold and
    take none. Without ``fcntl`` (Windows) nothing is locked."""
    if fcntl is None or config.extra_rank():
        yield
        return
    path = lock_path(run_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            raise RunBusy(f"{run_dir} is in use by process {holder}, which is training or recording this run. "
                          "Wait until it ends (or pass wait=True to wait for it), or give this run another folder; "
                          "two processes never train one folder.") from None
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()}\n")
        f.flush()
        try:
            yield
        finally:
            f.seek(0)
            f.truncate()
            fcntl.flock(f, fcntl.LOCK_UN)


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
    if overwrite and run_dir.exists() and not config.extra_rank():
        print(f"{run_dir.name}: overwrite=True, deleting the previous run in {run_dir}.")
        for child in run_dir.iterdir():  # all but the lock this process holds (:func:`owned`)
            if child.name != LOCK_FILE:
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    if record.is_file():
        old = read_run_file(record)
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


def read_checkpoint(path: str | Path, require_checksum: bool = True) -> dict:
    """A checkpoint's contents, read safely: its bytes hashed and compared with the sha256 saved
    beside it (:func:`write_checksum`), then loaded from that same open file with
    ``weights_only=True``, which refuses any pickled object that would run code
    (:func:`sslkit.parts.files.load_torch_file`). A checkpoint without its ``.sha256`` cannot be told
    from a damaged one and is refused unless ``require_checksum=False``. Raises ``ValueError``
    saying what is wrong."""
    sums = checksum_path(path)
    if require_checksum and not sums.is_file():
        raise ValueError(f"no {sums.name} beside it, so nothing says whether its bytes are whole")
    expected = sums.read_text().strip() if sums.is_file() else None

    def same(digest: str) -> None:
        if expected is not None and digest != expected:
            raise ValueError(f"its bytes do not match {sums.name} (cut short while being written, or damaged)")

    ckpt, _ = load_torch_file(path, "checkpoint", "delete it; training resumes from the checkpoint before it",
                              check=same)
    if not isinstance(ckpt, dict) or "state_dict" not in ckpt or "epoch" not in ckpt:
        raise ValueError("it is not a Lightning checkpoint (no state_dict and epoch)")
    return ckpt


IDENTITY_KEY = "sslkit_run"  # a checkpoint's copy of its run's settings (run.json)


def checkpoint_mismatch(ckpt: dict, settings: dict) -> str | None:
    """None when a checkpoint belongs to the run ``settings`` describe; else which settings differ.

    sslkit writes the run's settings into every checkpoint (:data:`IDENTITY_KEY`); a checkpoint
    from before that is compared by the hyper-parameters Lightning saved in it."""
    mine = ckpt.get(IDENTITY_KEY)
    if isinstance(mine, dict):
        diff = differences(mine, settings)
    else:
        diff = differences({"hparams": jsonable(dict(ckpt.get("hyper_parameters") or {}))},
                           {"hparams": settings.get("hparams", {})})
    if not diff:
        return None
    return "it was saved by another run (" + "; ".join(f"{k}: {a} → {b}" for k, a, b in diff[:3]) + ")"


def latest_checkpoint(run_dir: str | Path, settings: dict | None = None) -> tuple[Path | None, int]:
    """(the newest usable checkpoint of a run, epochs it completed) — ``(None, 0)`` when none.

    ``last.ckpt`` and the per-epoch ``epoch=NNN.ckpt`` files are tried newest first; each is
    skipped with a message when its bytes differ from the checksum saved beside it or it has none,
    when it cannot be read (a process killed mid-write) or is not a Lightning checkpoint, and —
    given the run's ``settings`` — when it was saved by another run (:func:`checkpoint_mismatch`:
    a checkpoint copied in from elsewhere never resumes as this run).
    """
    folder = Path(run_dir) / "checkpoints"
    found = []
    for path in folder.glob("*.ckpt"):
        try:
            ckpt = read_checkpoint(path)
            done = int(ckpt["epoch"]) + 1
            wrong = checkpoint_mismatch(ckpt, settings) if settings is not None else None
            if wrong:
                raise ValueError(wrong)
        except (ValueError, UnreadableFile, KeyError, TypeError, OSError) as e:
            print(f"{path}: unreadable, damaged or unsafe checkpoint ({str(e)[:240]}); skipping it.")
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
    a run summed over every start (killed ones included; a ``kill -STOP`` pause is left out and
    shown as the segment's ``paused_seconds``), the process CPU seconds of those
    starts (all threads; 0 for segments recorded before it was kept), the epochs and optimizer
    steps it completed, each segment (one start of training) with its seconds and epochs, and
    the CPU threads each epoch ran on ({"0": 2, …}; on GPU the count of the host process)."""
    t = read_run_file(Path(run_dir) / "wall_time.json")
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
