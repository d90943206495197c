"""Reference runs: trained once by one command, committed as small artefacts, loaded by the notebooks.

A notebook's long runs (the floor, the supervised baseline, each method's main run) and the
small runs of its experiments ("sweeps") are **reference runs**. They are made by::

    python -m sslkit.reference 04_simclr --profile cpu     # one notebook
    python -m sslkit.reference all --profile cpu           # every notebook, 00 to 09, in order

which executes the notebook in *record* mode: every run it asks for is trained (resuming
or reloading ``runs/<profile>/<name>`` when it is there, so the command is resumable) and then
stored under ``results/<profile>/<name>/``:

- ``weights.pt``: the trained module's state dict in float16 (float32 where a value would not
  fit) — main runs only; the float16 weights are what the notebook then evaluates, so a
  loaded reference reproduces the recorded accuracy exactly (``knn_float32`` records the
  un-rounded model's kNN beside it);
- ``metrics.csv``: the training curves, one row per epoch;
- ``run.json``: the settings that made it (:mod:`sslkit.runs`);

and described by one entry of ``results/<profile>-manifest.json``: ``files`` (repo-relative
path → sha256), ``command``, ``hardware``, ``date``, ``wall_time_s``, ``results``.

In a notebook (*load* mode, the default) :func:`load_or_pretrain` and
:func:`sslkit.experiments.sweep_run` first look for the reference of the run they are asked
for; when its files match their sha256 and its settings match the request, it is loaded and
the notebook says which command made it, on what, and how long it trained. It trains live
instead when

- ``SSLKIT_RETRAIN=1`` (or ``retrain=True``),
- the profile is ``smoke`` (CI must exercise the training code),
- there is no reference for that run, a file's hash does not match, or the settings differ.

Notebook results (:func:`sslkit.results.save_result`) go to the user's ``runs/<profile>/``; only
this command writes ``results/``. ``python -m sslkit.reference table`` prints the README's
table from the manifest (``--write`` puts it into README.md).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pickle
import shutil
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

import torch

from . import REPOSITORY, paths, runs
from .profiles import Profile, channels_last_safe, get_profile, hardware

NOTEBOOKS = ("00_data_and_baselines", "01_rotnet", "02_jigsaw", "03_cpc", "04_simclr", "05_byol", "06_deepcluster",
             "07_swav", "08_transfer", "09_scaling")
# which settings may differ between a reference and the run a notebook asks for: the numeric
# precision and the exact bytes of the images (a downloaded CIFAR-10 vs the JPEG copy) change
# how a run is computed, not what was asked; the init fingerprint follows from the seed
_NOT_COMPARED = ("precision", "init", "data.fingerprint")


# ----------------------------------------------------------------------------- where, and which mode

def manifest_path(profile: Profile) -> Path:
    return paths.references_dir() / f"{profile.name}-manifest.json"


def artefact_dir(profile: Profile, name: str) -> Path:
    return paths.references_dir() / profile.name / name


def recording() -> bool:
    """True inside ``python -m sslkit.reference`` (it sets ``SSLKIT_REFERENCE_RECORD=1``)."""
    return os.environ.get("SSLKIT_REFERENCE_RECORD") == "1"


def retrain_requested(retrain: bool | None = None) -> bool:
    """``retrain`` when given, else ``SSLKIT_RETRAIN`` (1/true/yes)."""
    if retrain is not None:
        return retrain
    return os.environ.get("SSLKIT_RETRAIN", "").strip().lower() in ("1", "true", "yes")


def trains_live(profile: Profile, retrain: bool | None = None) -> bool:
    """True when runs train here instead of using references: the smoke profile (CI must
    exercise the training code) or a retrain request."""
    return profile.name == "smoke" or retrain_requested(retrain)


def _rel(path: Path) -> str:
    """The manifest's name for a file under :func:`sslkit.paths.references_dir`: ``results/<profile>/<run>/<file>``
    (the folder's own name does not matter: ``SSLKIT_REFERENCES`` may point at any copy)."""
    return "results/" + path.resolve().relative_to(paths.references_dir().resolve()).as_posix()


def _abs(rel: str) -> Path:
    """Where the manifest's ``rel`` lies under :func:`sslkit.paths.references_dir`. A manifest is
    data too: a path that is absolute or climbs out with ``..`` is refused."""
    parts = rel.split("/")
    if len(parts) < 2 or parts[0] != "results" or any(q in ("", ".", "..") for q in parts[1:]) or "\\" in rel:
        raise ManifestError(f"the manifest names a file {rel!r} outside results/<profile>/<run>/: refusing it. "
                            "The manifest was edited; restore it (git checkout -- results/, or delete it to fetch again).")
    return paths.references_dir().joinpath(*parts[1:])


class ManifestError(RuntimeError):
    """A manifest is unreadable or malformed; the message names the file and the fix."""


class UnverifiedRun(RuntimeError):
    """A run's files could not be checked against a manifest (missing, changed, or in none);
    the message says which file and the fix."""


# ----------------------------------------------------------------------------- the manifest

_UNFETCHABLE: set[str] = set()


def read_manifest(path: Path) -> dict:
    """A manifest file's contents (``{"runs": {}}`` when there is no file), or
    :class:`ManifestError` naming the file and the fix when it is cut short or malformed."""
    if not path.is_file():
        return {"runs": {}}
    fix = (f"restore it (git checkout -- {path.name} in results/ of a checkout), or delete it so that it is "
           "fetched again (pip installs)")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ManifestError(f"{path} is not valid JSON ({e}): it was cut short or edited. Fix: {fix}.") from None
    if not isinstance(data, dict) or not isinstance(data.get("runs"), dict):
        raise ManifestError(f"{path} has no 'runs' mapping: it is not an sslkit manifest. Fix: {fix}.")
    return data


def load_manifest(profile: Profile | None = None) -> dict:
    """``{"runs": {name: entry}}`` of the profile (``{"runs": {}}`` when it has none).

    Outside a checkout (a pip install, e.g. Colab) the manifest alone is fetched once from the
    repository when the internet is reachable; a run's files are fetched when it is loaded
    (:func:`verified`)."""
    p = profile or get_profile()
    path = manifest_path(p)
    if not path.is_file() and not paths.in_checkout() and p.name != "smoke" and p.name not in _UNFETCHABLE:
        if not fetch(p):
            _UNFETCHABLE.add(p.name)  # said once; not retried (and waited on) for every run
    return read_manifest(path)


def _mark_used(name: str) -> None:
    """Under ``all --prune``: note that a notebook asked for run ``name`` (a file, since every
    notebook runs in its own kernel process)."""
    used = os.environ.get("SSLKIT_REFERENCE_USED")
    if used and recording():
        with open(used, "a") as f:
            f.write(name + "\n")


@contextlib.contextmanager
def _manifest_lock(profile: Profile):
    """Hold the profile's manifest lock (a ``.lock`` file beside it): two recording processes
    (one per core) then never lose each other's entries in a read-modify-write."""
    path = manifest_path(profile).with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        if fcntl is not None:  # POSIX; elsewhere record from one process at a time
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(f, fcntl.LOCK_UN)


def prune(profile: Profile, used: set[str]) -> list[str]:
    """Remove the manifest entries (and their folders under ``results/<profile>/``) that no
    notebook asked for: runs of experiments that changed or went. Returns their names."""
    with _manifest_lock(profile):
        data = load_manifest(profile)
        gone = sorted(set(data["runs"]) - used)
        for name in gone:
            folder = artefact_dir(profile, name)
            if folder.is_dir():
                shutil.rmtree(folder)
        if gone:
            data["runs"] = {k: v for k, v in data["runs"].items() if k not in gone}
            _write_manifest(profile, data)
    return gone


def _write_manifest(profile: Profile, data: dict) -> None:
    """Replace the profile's manifest with ``data``, atomically (a temporary file, then a rename)."""
    path = manifest_path(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    tmp.replace(path)


def _modify_manifest(profile: Profile, change) -> dict:
    """Read the profile's manifest, apply ``change(data)`` and write it back, all under the
    manifest lock (read here, not through load_manifest: recording never fetches). Returns data."""
    with _manifest_lock(profile):
        data = read_manifest(manifest_path(profile))
        data["profile"] = profile.name
        change(data)
        _write_manifest(profile, data)
    return data


def _update_manifest(profile: Profile, name: str, entry: dict | None = None, **fields) -> dict:
    """Write (or update the fields of) one entry, atomically and under the manifest lock."""
    _mark_used(name)

    def change(data):
        current = entry if entry is not None else data["runs"].get(name, {})
        data["runs"][name] = {**current, **fields}

    return _modify_manifest(profile, change)["runs"][name]


def _where(rel: str, at: Path | None) -> Path:
    """A manifest file's path: under :func:`sslkit.paths.references_dir`, or in the folder ``at``."""
    return _abs(rel) if at is None else at / _abs(rel).name


def check(entry: dict, at: Path | None = None) -> str | None:
    """None when every file of a manifest entry is present with its recorded sha256 (looked for
    under the references folder, or in the run folder ``at``); else why not."""
    files = entry.get("files")
    if not isinstance(files, dict):
        return "its manifest entry lists no files"
    for rel, digest in files.items():
        f = _where(rel, at)
        if not f.is_file():
            return f"{rel} is missing (looked for {f})"
        if runs.file_sha256(f) != digest:
            return f"{rel} does not match its sha256 in the manifest"
    return None


@dataclass(frozen=True)
class Verified:
    """A recorded run whose files matched their manifest's sha256 (``entry`` None: loaded
    unverified, on the caller's explicit request). ``settings`` is its verified ``run.json``."""

    name: str
    folder: Path
    entry: dict | None
    settings: dict
    weights: Path | None


def _read_settings(path: Path) -> dict:
    try:
        made = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UnverifiedRun(f"{path}: unreadable run record ({type(e).__name__}: {e}). Restore the run's files.") from None
    if not isinstance(made, dict) or not isinstance(made.get("method"), str) or not isinstance(made.get("hparams"), dict):
        raise UnverifiedRun(f"{path} records no 'method' name and 'hparams' mapping: it is not an sslkit run.json.")
    return made


def verify(name: str, entry: dict, profile: Profile, at: Path | None = None, fetch_missing: bool = False) -> Verified:
    """The run ``name`` of the profile's manifest, with every file checked against its sha256 —
    under the references folder, or in the folder ``at`` (a copy of the run) — fetching missing
    ones first when ``fetch_missing``; :class:`UnverifiedRun` naming the file and the fix
    otherwise. The settings come from the verified ``run.json``."""
    if not isinstance(entry, dict) or not isinstance(entry.get("files"), dict):
        raise ManifestError(f"{manifest_path(profile)}: the entry of {name!r} lists no files. Restore the manifest.")
    if "settings" not in entry or entry["settings"] not in entry["files"]:
        raise ManifestError(f"{manifest_path(profile)}: the entry of {name!r} has no 'settings' (its "
                            "run.json among its files), so nothing says what made it. Restore the manifest "
                            "(git checkout -- results/), or record the run again.")
    problem = check(entry, at)
    if problem and fetch_missing and at is None:
        fetch(profile, names=(name,))
        problem = check(entry, at)
    if problem:
        raise UnverifiedRun(f"reference {name!r}: {problem}. Fix: restore results/ (git checkout -- results/ in a "
                            "checkout; elsewhere delete the file to fetch it again).")
    weights = next((_where(rel, at) for rel in entry["files"] if rel.endswith("/weights.pt")), None)
    settings_file = _where(entry["settings"], at)
    return Verified(name, settings_file.parent, entry, _read_settings(settings_file), weights)


def verified(run: str | os.PathLike, profile: Profile | str | None = None, *, allow_unverified: bool = False) -> Verified:
    """The one way to open a recorded run: by name (a key of the profile's manifest) or by a
    folder holding its files (``results/<profile>/<name>/``, or a copy of it anywhere). Every file
    is checked against the sha256 that sslkit's own manifest (:func:`sslkit.paths.references_dir`)
    records for that run name — never against a manifest that came with the folder — before
    anything is read from it; outside a checkout the run's files are fetched first (that run's
    only). A folder whose name no manifest lists loads only with ``allow_unverified=True``, which
    skips the sha256 check and says so in one line."""
    p = get_profile(profile) if isinstance(profile, str) or profile is None else profile
    given = Path(run)
    if given.is_file() and given.name in ("weights.pt", runs.RUN_FILE):
        given = given.parent
    if given.is_dir():
        folder = given.resolve()
        # results/<profile>/<name>/ names its profile; any other folder is looked up under ``profile``
        named = replace(p, name=folder.parent.name)
        prof = named if manifest_path(named).is_file() else p
        entry = read_manifest(manifest_path(prof))["runs"].get(folder.name)
        if entry is not None:
            return verify(folder.name, entry, prof, at=folder)
        if not allow_unverified:
            raise UnverifiedRun(
                f"{folder}: sslkit's manifest {manifest_path(prof)} lists no run {folder.name!r}, so its files cannot "
                "be checked against a recorded sha256. If you trust where the folder came from, pass "
                "allow_unverified=True (it skips that check; the run's settings are still checked against "
                "sslkit's method table).")
        made = _read_settings(folder / runs.RUN_FILE)
        print(f"{folder.name}: loaded WITHOUT checking its files (allow_unverified=True): no manifest lists it.")
        weights = folder / "weights.pt"
        return Verified(folder.name, folder, None, made, weights if weights.is_file() else None)
    name = str(run)
    if "/" in name or "\\" in name or name in (".", ".."):
        raise FileNotFoundError(f"{run!r}: no such run folder. Give a folder results/<profile>/<name>/ or a run name.")
    recorded = load_manifest(p)["runs"]
    entry = recorded.get(name)
    if entry is None:
        main = sorted(n for n, e in recorded.items() if e.get("kind") == "main")
        raise FileNotFoundError(
            f"no reference run {name!r} for profile {p.name!r} in {manifest_path(p)}. Main runs: "
            f"{', '.join(main) or 'none (this profile has no references here)'}. Or give a run folder results/<profile>/<name>/.")
    return verify(name, entry, p, fetch_missing=not paths.in_checkout())


def comparable(settings: dict) -> dict:
    flat = runs._flatten(settings)
    return {k: v for k, v in flat.items() if k not in _NOT_COMPARED}


def find(name: str, settings: dict | None, profile: Profile) -> tuple[Verified | None, str]:
    """(the verified run ``name`` when its reference can be used, else None; the reason)."""
    _mark_used(name)
    entry = load_manifest(profile)["runs"].get(name)
    if entry is None:
        return None, f"no reference run {name!r} for profile {profile.name!r}"
    try:
        run = verify(name, entry, profile, fetch_missing=not paths.in_checkout())
    except (UnverifiedRun, ManifestError) as e:
        return None, str(e)
    if settings is not None:
        diff = runs.differences(comparable(run.settings), comparable(settings))
        if diff:
            shown = "; ".join(f"{k}: {a} → {b}" for k, a, b in diff[:4])
            return None, f"reference {name!r} was made with other settings ({shown})"
    return run, ""


def describe_entry(name: str, entry: dict) -> str:
    """One line: what the reference is and where it came from."""
    secs = entry.get("wall_time_s") or 0
    return (f"{name}: loaded the reference run (sha256 checked): made by `{entry['command']}` on "
            f"{entry['hardware']}, {entry['date']}; {entry.get('epochs', '?')} epochs, trained {secs / 60:.1f} min. "
            "SSLKIT_RETRAIN=1 trains it here instead.")


# ----------------------------------------------------------------------------- weights

FP16_MAX = torch.finfo(torch.float16).max


def half_state(module: torch.nn.Module) -> dict:
    """The module's state dict with float tensors in float16 where they fit (finite, |x| ≤ 65504)."""
    out = {}
    for k, t in module.state_dict().items():
        t = t.detach().cpu().contiguous()
        if t.is_floating_point() and t.numel() and bool(torch.isfinite(t).all()) and t.abs().max() <= FP16_MAX:
            t = t.half()
        out[k] = t
    return out


def load_half_state(module: torch.nn.Module, state: dict, source: str = "Reference weights") -> None:
    """Load ``state`` (from :func:`half_state`) into ``module``, each tensor in the module's dtype;
    every missing, unexpected or wrongly shaped tensor is named."""
    own = module.state_dict()
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise RuntimeError(f"{source} is not a state dict of tensors.")
    missing, unexpected = set(own) - set(state), set(state) - set(own)
    shapes = sorted(k for k in set(own) & set(state) if own[k].shape != state[k].shape)
    if missing or unexpected or shapes:
        raise RuntimeError(f"{source} do not fit {type(module).__name__}: missing {sorted(missing)[:5]}, "
                           f"unexpected {sorted(unexpected)[:5]}, wrong shape {shapes[:5]}.")
    module.load_state_dict({k: v.to(own[k].dtype) for k, v in state.items()})


def read_weights(path: Path) -> dict:
    """A ``weights.pt`` read with ``torch.load(weights_only=True)``. A file holding Python objects
    (which could run code when unpickled) is refused with what to do instead; sslkit never
    offers to read it any other way."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as e:
        raise UnverifiedRun(
            f"{path} is not a plain sslkit weights file ({type(e).__name__}): it holds Python objects that could run "
            "code when read, or it is damaged. sslkit will not read it, and neither should you: do not load it with "
            "weights_only=False. Fix: delete it and restore the run from its source (git checkout -- results/, or "
            "fetch it again).") from None


# ----------------------------------------------------------------------------- recording

def _command(profile: Profile) -> str:
    return os.environ.get("SSLKIT_REFERENCE_COMMAND", f"python -m sslkit.reference --profile {profile.name}")


def record_run(name: str, run_dir: Path, profile: Profile, kind: str, module=None, results: dict | None = None) -> dict:
    """Store a finished run's artefacts under ``results/<profile>/<name>/`` and its manifest entry."""
    from .plots import read_metrics
    from .train import wall_time

    out = artefact_dir(profile, name)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    read_metrics(run_dir).to_csv(out / "metrics.csv")
    files.append(out / "metrics.csv")
    (out / "run.json").write_text((Path(run_dir) / runs.RUN_FILE).read_text())
    files.append(out / "run.json")
    if module is not None:
        torch.save(half_state(module), out / "weights.pt")
        files.append(out / "weights.pt")
    t = wall_time(run_dir)
    hashes = {_rel(f): runs.file_sha256(f) for f in files}
    _mark_used(name)

    def change(data):
        before = data["runs"].get(name, {})
        kept = {**before.get("results", {}), **(results or {})} if before.get("files") == hashes else (results or {})
        data["runs"][name] = {
            # a run two notebooks share (notebook 05 reuses 04's SimCLR sweeps) belongs to the first
            "kind": kind, "notebook": before.get("notebook") or os.environ.get("SSLKIT_REFERENCE_NOTEBOOK", ""),
            "files": hashes, "settings": _rel(out / "run.json"),
            "command": _command(profile), "hardware": hardware(), "date": time.strftime("%Y-%m-%d"),
            "wall_time_s": round(t["seconds"], 1), "epochs": t["epochs"], "steps": t["steps"],
            # the same run recorded again keeps what it measured before
            "results": kept,
        }

    return _modify_manifest(profile, change)["runs"][name]


def record_results(name: str, results: dict, profile: Profile, result: str | None = None) -> None:
    """Add ``results`` to a run's entry (an entry without files when there is no run: the floor):
    one read-modify-write under the manifest lock, so two processes never lose each other's keys."""
    _mark_used(name)

    def change(data):
        entry = data["runs"].get(name) or {
            "kind": "evaluation", "files": {}, "command": _command(profile),
            "notebook": os.environ.get("SSLKIT_REFERENCE_NOTEBOOK", ""), "hardware": hardware(),
            "date": time.strftime("%Y-%m-%d"), "wall_time_s": 0.0, "results": {}}
        entry["results"] = {**entry.get("results", {}), **results}
        if result:
            entry["result"] = result
        data["runs"][name] = entry

    _modify_manifest(profile, change)


# ----------------------------------------------------------------------------- load or train

def load_or_pretrain(method_cls, train, test, stem: str, *, name: str | None = None, profile: Profile | None = None,
                     epochs: int | None = None, seed: int = 0, retrain: bool | None = None, progress: bool = True,
                     **kwargs):
    """The trained module of this run: its reference when there is a usable one, else trained here.

    Takes :func:`sslkit.train.pretrain`'s arguments. ``stem`` plus the settings that differ
    from the defaults name the run (:func:`sslkit.runs.run_name`), unless ``name`` is given.
    Prints which it did and why. The module carries ``report`` (a
    :class:`~sslkit.train.RunReport`; for a reference, its ``run_dir`` is the reference folder,
    which :func:`sslkit.plots.read_metrics` reads) and ``reference`` (the manifest entry, or None).
    """
    from .evaluate import evaluate
    from .train import pretrain

    from .methods import method_class

    method_cls = method_class(method_cls)
    p = profile or get_profile()
    named = {**({"epochs": epochs} if epochs else {}), **({"seed": seed} if seed else {}), **kwargs}
    name = name or runs.run_name(stem, method_cls, p, **named)
    run_dir = paths.runs_dir() / p.name / name
    if not trains_live(p, retrain):
        module, reason = _load(method_cls, train, name, p, epochs, seed, kwargs)
        if module is not None:
            return module
        print(f"{name}: {reason}; training it here (a finished run in runs/ is reloaded).", flush=True)
    model = pretrain(method_cls, train, test, run_dir, epochs=epochs, profile=p, seed=seed, progress=progress, **kwargs)
    model.reference = None
    if recording():
        knn32 = evaluate(model, train, test, probe=False)["knn"]
        load_half_state(model, half_state(model))  # what a reader will load: evaluate exactly that
        entry = record_run(name, run_dir, p, "main", module=model)
        record_results(name, {"knn_float32": knn32}, p)
        print(f"{name}: recorded as a reference ({entry['wall_time_s']:.0f} s of training).", flush=True)
    return model


def _load(method_cls, train, name, p, epochs, seed, kwargs):
    """(module, "") from the reference, or (None, why not)."""
    from .train import RunReport, planned_settings

    module, settings = planned_settings(method_cls, train, p, epochs, seed=seed, **kwargs)
    run, reason = find(name, settings, p)
    if run is None:
        return None, reason
    if run.weights is None:
        return None, f"reference {name!r} kept no weights"
    load_half_state(module, read_weights(run.weights))
    module = module.to(p.device)
    if p.channels_last and channels_last_safe(module, p.device):
        module = module.to(memory_format=torch.channels_last)
    entry = run.entry
    module.report = RunReport(run.folder, entry.get("epochs", 0), entry.get("steps", 0), len(train),
                              settings["batch_size"], entry.get("wall_time_s", 0.0), trained_now=False)
    module.reference = entry
    print(describe_entry(name, entry), flush=True)
    if run.settings.get("data", {}).get("fingerprint") != settings["data"]["fingerprint"]:
        print(f"{name}: note: it was trained on another copy of CIFAR-10 (e.g. the JPEG re-encoding vs the "
              "original download): the evaluation below uses yours, so numbers may differ slightly from the manifest's.")
    return module, ""


def summary(notebook: str, profile: Profile | None = None) -> str:
    """What a notebook will do with its runs, for its first output: how many reference runs it
    has for this profile, what made them and how long they trained — or why it trains live."""
    p = profile or get_profile()
    if p.name == "smoke":
        return "reference runs: not used under the smoke profile (every run trains here, in seconds)."
    entries = [e for e in load_manifest(p)["runs"].values() if e.get("notebook") == notebook and e.get("files")]
    if retrain_requested() or not entries:
        why = ("SSLKIT_RETRAIN=1, so every run of this notebook trains here" if retrain_requested() else
               f"none for {notebook} under profile {p.name!r}, so its runs train here")
        return f"reference runs: {why} (their folders under runs/ resume after an interruption).\n" + _estimate(notebook, p)
    secs = sum(e.get("wall_time_s", 0) for e in entries)
    main = sum(e["kind"] == "main" for e in entries)
    made = sorted({f"{e['hardware']} ({e['date']})" for e in entries})
    return (f"reference runs: {len(entries)} for this notebook ({main} main, {len(entries) - main} experiment runs), "
            f"made by `python -m sslkit.reference {notebook} --profile {p.name}` on {'; '.join(made)}; "
            f"they trained {secs / 60:.0f} min in all. Each is loaded after its sha256 is checked; "
            "SSLKIT_RETRAIN=1 trains them here instead.")


def _estimate(notebook: str, p: Profile) -> str:
    from .estimate import training_minutes

    try:
        minutes, how = training_minutes(notebook, p)
    except ValueError:
        return "training time: no estimate for this notebook."
    return f"estimated training time here: {minutes:.0f} min ({how}; timed over a few steps on this machine)."


# ----------------------------------------------------------------------------- fetching (pip installs)

def _download(url: str, target: Path, digest: str | None = None) -> None:
    """``url`` into ``target`` atomically: a temporary file beside it, checked against ``digest``
    (sha256) when given, then renamed; a failed or wrong download leaves nothing behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".", suffix=".part")
    tmp = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=30) as r:
            shutil.copyfileobj(r, out)
        if digest is not None and runs.file_sha256(tmp) != digest:
            raise UnverifiedRun(f"{url}: the downloaded file does not match its sha256 in the manifest")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def fetch(profile: Profile, base_url: str | None = None, names=()) -> bool:
    """Download the profile's manifest (when there is none here yet) and the files of the runs
    ``names`` (only those: one encoder costs its own three files, not the whole set) into
    :func:`sslkit.paths.references_dir`, each checked against its sha256 and written atomically.
    False (and a message naming the address) when that is not possible."""
    base = (base_url or os.environ.get("SSLKIT_REFERENCE_URL")
            or REPOSITORY.replace("https://github.com/", "https://raw.githubusercontent.com/") + "/main").rstrip("/")
    path = manifest_path(profile)
    try:
        if not path.is_file():
            _download(f"{base}/results/{profile.name}-manifest.json", path)
            try:
                read_manifest(path)
            except ManifestError:
                path.unlink()
                raise
        manifest = read_manifest(path)
        for name in names:
            entry = manifest["runs"].get(name)
            if entry is None:
                raise KeyError(f"the manifest has no run {name!r}")
            for rel, digest in entry.get("files", {}).items():
                target = _abs(rel)
                if not (target.is_file() and runs.file_sha256(target) == digest):
                    _download(f"{base}/{rel}", target, digest)
    except Exception as e:  # noqa: BLE001 — any failure means: train live (or raise later), and say why
        what = f"run {', '.join(names)}" if names else "the manifest"
        print(f"Reference {what} of profile {profile.name!r} could not be fetched from {base} "
              f"({type(e).__name__}: {str(e)[:160]}); without the internet, copy the repository's results/ folder "
              "here and set SSLKIT_REFERENCES to it.")
        return False
    return True


# ----------------------------------------------------------------------------- the README table

TABLE_ROWS = (("floor", "random init (floor)"), ("supervised", "supervised"), ("rotnet", "RotNet"),
              ("jigsaw", "Jigsaw"), ("cpc", "CPC"), ("simclr", "SimCLR"), ("byol", "BYOL"),
              ("deepcluster", "DeepCluster"), ("swav", "SwAV"))


def results_table(profile: Profile | None = None) -> str:
    """The README's table of a profile's main results (markdown), straight from its manifest."""
    p = profile or get_profile()
    by_result = {e["result"]: e for e in load_manifest(p)["runs"].values() if e.get("result")}
    rows = ["| model | kNN top-1 | linear probe | over the floor (kNN) | training | notebook |", "|---|---|---|---|---|---|"]
    floor = by_result.get("floor", {}).get("results", {}).get("knn")
    for key, label in TABLE_ROWS:
        e = by_result.get(key)
        if e is None:
            continue
        r = e["results"]
        gain = "–" if key == "floor" or floor is None else f"{100 * (r['knn'] - floor):+.1f}"
        train = "–" if not e.get("epochs") else f"{e['epochs']} epochs, {e['wall_time_s'] / 60:.1f} min"
        rows.append(f"| {label} | {100 * r['knn']:.1f}% | {100 * r['linear']:.1f}% | {gain} | {train} | "
                    f"{e.get('notebook', '')} |")
    dates = sorted({e["date"] for e in by_result.values()})
    hw = sorted({e["hardware"] for e in by_result.values()})
    return "\n".join(rows) + f"\n\nProfile `{p.name}`, {', '.join(hw)}; {', '.join(dates)}. Generated by " \
        f"`python -m sslkit.reference table --profile {p.name}` from `results/{p.name}-manifest.json`."


BEGIN, END = "<!-- results table: begin -->", "<!-- results table: end -->"


def write_table(readme: Path, profile: Profile) -> bool:
    """Replace the README's table between the markers; True when the file changed."""
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        raise ValueError(f"{readme} has no {BEGIN} … {END} markers to put the table between.")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{results_table(profile)}\n{END}{tail}"
    if new != text:
        readme.write_text(new)
    return new != text


# ----------------------------------------------------------------------------- the command

def run_notebook(notebook: str, profile: Profile, retrain: bool = False, timeout: int = 4 * 3600) -> float:
    """Execute ``notebooks/<notebook>.py`` in record mode (a Jupyter kernel, as a reader runs it);
    the seconds it took."""
    try:
        import jupytext
        from nbconvert.preprocessors import ExecutePreprocessor
    except ImportError as e:
        raise SystemExit(f"The reference command needs the dev extra ({e.name} is missing): pip install -e '.[dev]'")
    source = paths.repo_root() / "notebooks" / f"{notebook}.py"
    if not source.is_file():
        raise SystemExit(f"{source} not found: the reference command runs from a checkout of the repository.")
    cmd = f"python -m sslkit.reference {notebook} --profile {profile.name}" + (" --retrain" if retrain else "")
    os.environ.update(SSLKIT_PROFILE=profile.name, SSLKIT_REFERENCE_RECORD="1", SSLKIT_REFERENCE_COMMAND=cmd,
                      SSLKIT_REFERENCE_NOTEBOOK=notebook, SSLKIT_RETRAIN="1" if retrain else "0")
    nb = jupytext.read(source)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    t0 = time.perf_counter()
    done = [0]

    def on_cell_executed(cell, **_):
        if cell.cell_type != "code":
            return
        done[0] += 1
        text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
        said = [ln for ln in text.splitlines() if "reference" in ln or "training it here" in ln or "Error" in ln]
        print(f"[{notebook}] cell {done[0]}/{len(cells)} ({time.perf_counter() - t0:.0f} s)"
              + "".join(f"\n    {ln[:200]}" for ln in said), flush=True)

    # nbconvert's client, as `make notebooks` uses: a bare nbclient.NotebookClient waited out its
    # whole timeout on notebook 00's widget cell (nbclient 0.11)
    ExecutePreprocessor(timeout=timeout, kernel_name="python3", on_cell_executed=on_cell_executed).preprocess(
        nb, {"metadata": {"path": str(source.parent)}})
    return time.perf_counter() - t0


# a smoke cell runs in seconds: one that has waited this long is a hung kernel exchange, not work
SMOKE_CELL_TIMEOUT_S = 300


def _run_with_one_retry(notebook: str, profile: Profile, retrain: bool) -> float:
    """:func:`run_notebook`, and once more if a cell times out. On 2026-12-02 a smoke run of the
    reference command waited forever on notebook 00's widget cell with the kernel idle (once in
    four runs; the same cell ran in 1 s otherwise): under smoke a cell that passes
    :data:`SMOKE_CELL_TIMEOUT_S` is taken for such a hang and the notebook runs again (its runs
    are reloaded, not retrained)."""
    timeout = SMOKE_CELL_TIMEOUT_S if profile.name == "smoke" else 4 * 3600
    try:
        return run_notebook(notebook, profile, retrain, timeout)
    except TimeoutError as e:  # nbclient's CellTimeoutError is a TimeoutError
        print(f"{notebook}: a cell waited {timeout} s ({type(e).__name__}); running the notebook once more.", flush=True)
        return run_notebook(notebook, profile, retrain, timeout)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sslkit.reference", description=__doc__.splitlines()[0])
    parser.add_argument("target", help=f"a notebook ({', '.join(NOTEBOOKS)}), 'all', 'table' or 'check'")
    parser.add_argument("--profile", choices=["smoke", "cpu", "gpu"], help="default: $SSLKIT_PROFILE, else by hardware")
    parser.add_argument("--retrain", action="store_true", help="train every run again instead of reusing references")
    parser.add_argument("--write", action="store_true", help="with 'table': write it into README.md")
    parser.add_argument("--prune", action="store_true",
                        help="with 'all': then remove the references no notebook asked for (changed or dropped experiments)")
    args = parser.parse_args(argv)
    p = get_profile(args.profile)
    if args.target == "table":
        if args.write:
            changed = write_table(paths.repo_root() / "README.md", p)
            print("README.md " + ("updated." if changed else "already up to date."))
        else:
            print(results_table(p))
        return
    if args.target == "check":
        bad = {n: check(e) for n, e in load_manifest(p)["runs"].items()}
        for n, why in bad.items():
            print(f"{'ok ' if why is None else 'BAD'} {n}" + (f": {why}" if why else ""))
        sys.exit(1 if any(bad.values()) else 0)
    targets = NOTEBOOKS if args.target == "all" else (args.target,)
    for t in targets:
        if t not in NOTEBOOKS:
            parser.error(f"unknown notebook {t!r}: use one of {', '.join(NOTEBOOKS)} or 'all'")
    if args.prune and args.target != "all":
        parser.error("--prune needs 'all': only a run of every notebook knows which references are still used")
    used_file = None
    if args.prune:
        used_file = tempfile.NamedTemporaryFile("w", suffix=".used", delete=False)
        used_file.close()
        os.environ["SSLKIT_REFERENCE_USED"] = used_file.name
    for t in targets:
        secs = _run_with_one_retry(t, p, args.retrain)
        print(f"{t}: references of profile {p.name} recorded in {secs / 60:.1f} min → {manifest_path(p)}", flush=True)
    if used_file is not None:
        gone = prune(p, set(Path(used_file.name).read_text().split()))
        print(f"pruned {len(gone)} references no notebook asked for" + "".join(f"\n    {n}" for n in gone))


if __name__ == "__main__":
    main()
