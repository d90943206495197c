"""The reference store: committed runs, their manifest, their weights, checked before use.

A notebook's long runs (the floor, the supervised baseline, each method's main run) and the
small runs of its experiments ("sweeps") are **reference runs**, made once by the reference
command (:mod:`sslkit.course.references`) and stored under ``results/<profile>/<name>/``:

- ``weights.pt``: the trained module's state dict in float16 (float32 where a value would not
  fit) — main runs only; the float16 weights are what the notebook then evaluates, so a
  loaded reference reproduces the recorded accuracy exactly (``knn_float32`` records the
  un-rounded model's kNN beside it);
- ``metrics.csv``: the training curves, one row per epoch;
- ``run.json``: the settings that made it (:mod:`sslkit.training.runs`);

each described by one entry of ``results/<profile>-manifest.json``: ``files`` (repo-relative
path → sha256), ``command``, ``hardware``, ``date``, ``wall_time_s`` (and ``cpu_time_s``, the
training process's CPU seconds, for runs trained since sslkit counted them), ``results``.

This module reads and writes that store: :func:`verified` opens a run after checking every
file's sha256 (fetching a pip install's files per run), :func:`find` says whether a reference
matches the settings of a run asked for, :func:`record_run` / :func:`record_results` write
it. When a run is loaded or trained is decided in one place, :mod:`sslkit.records.policy`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

import torch

from sslkit.parts import config
from sslkit import REPOSITORY
from sslkit.parts import paths
from sslkit.parts.files import UnreadableFile, download, file_sha256, load_strict, load_torch_file
from sslkit.parts.profiles import Profile, get_profile, hardware
from sslkit.training import runs
from sslkit.training.curve import CURVE_FILE


# which settings may differ between a reference and the run a notebook asks for: the numeric
# precision and the exact bytes of the images (a downloaded CIFAR-10 vs the JPEG copy) change
# how a run is computed, not what was asked; the init fingerprint follows from the seed
_NOT_COMPARED = ("precision", "init", "data.fingerprint")


# ----------------------------------------------------------------------------- where

def manifest_path(profile: Profile) -> Path:
    return paths.references_dir() / f"{profile.name}-manifest.json"


def artefact_dir(profile: Profile, name: str) -> Path:
    return paths.references_dir() / profile.name / name


def _rel(path: Path) -> str:
    """The manifest's name for a file under :func:`sslkit.parts.paths.references_dir`: ``results/<profile>/<run>/<file>``
    (the folder's own name does not matter: ``SSLKIT_REFERENCES`` may point at any copy)."""
    return "results/" + path.resolve().relative_to(paths.references_dir().resolve()).as_posix()


def _abs(rel: str) -> Path:
    """Where the manifest's ``rel`` lies under :func:`sslkit.parts.paths.references_dir`. A manifest is
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
    except RecursionError:
        raise ManifestError(f"{path} nests brackets deeper than any manifest does: it was edited or crafted. "
                            f"Fix: {fix}.") from None
    if not isinstance(data, dict) or not isinstance(data.get("runs"), dict):
        raise ManifestError(f"{path} has no 'runs' mapping: it is not an sslkit manifest. Fix: {fix}.")
    bad = sorted(name for name, entry in data["runs"].items() if not isinstance(entry, dict))
    if bad:
        raise ManifestError(f"{path}: the entries of {', '.join(map(repr, bad[:3]))} are not mappings (each run's "
                            f"entry is {{\"files\": …, \"settings\": …}}): the file was edited. Fix: {fix}.")
    return data


def load_manifest(profile: Profile | None = None) -> dict:
    """``{"runs": {name: entry}}`` of the profile (``{"runs": {}}`` when it has none).

    Outside a checkout (a pip install, e.g. Colab) the manifest alone is fetched once from the
    repository when the internet is reachable; a run's files are fetched when it is loaded
    (:func:`verified`)."""
    p = get_profile(profile)
    path = manifest_path(p)
    if not path.is_file() and not paths.in_checkout() and p.references and p.name not in _UNFETCHABLE:
        if not fetch(p):
            _UNFETCHABLE.add(p.name)  # said once; not retried (and waited on) for every run
    return read_manifest(path)


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
    def change(data):
        current = entry if entry is not None else data["runs"].get(name, {})
        data["runs"][name] = {**current, **fields}

    return _modify_manifest(profile, change)["runs"][name]


def _where(rel: str, at: Path | None) -> Path:
    """A manifest file's path: under :func:`sslkit.parts.paths.references_dir`, or in the folder ``at``."""
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
        if file_sha256(f) != digest:
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
    weights_sha256: str | None = None  # checked again on the very bytes read_weights loads


def _read_settings(path: Path, sha256: str | None = None) -> dict:
    """A run's ``run.json``, read once; with ``sha256``, those same bytes must hash to it."""
    try:
        raw = path.read_bytes()
        if sha256 is not None and hashlib.sha256(raw).hexdigest() != sha256:
            raise UnverifiedRun(f"{path} changed since it was checked against its sha256 in the manifest. "
                                "Restore the run's files (git checkout -- results/).")
        made = json.loads(raw)
    except (OSError, json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise UnverifiedRun(f"{path}: unreadable run record ({type(e).__name__}: {str(e)[:120]}). Restore the run's files.") from None
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
    weights_rel = next((rel for rel in entry["files"] if rel.endswith("/weights.pt")), None)
    settings_file = _where(entry["settings"], at)
    return Verified(name, settings_file.parent, entry, _read_settings(settings_file, entry["files"][entry["settings"]]),
                    None if weights_rel is None else _where(weights_rel, at),
                    None if weights_rel is None else entry["files"][weights_rel])


def verified(run: str | os.PathLike, profile: Profile | str | None = None, *, allow_unverified: bool = False) -> Verified:
    """The one way to open a recorded run: by name (a key of the profile's manifest, or a method's
    name such as ``"simclr"`` for that method's main run) or by a folder holding its files
    (``results/<profile>/<name>/``, or a copy of it anywhere). Every file
    is checked against the sha256 that sslkit's own manifest (:func:`sslkit.parts.paths.references_dir`)
    records for that run name — never against a manifest that came with the folder — before
    anything is read from it; outside a checkout the run's files are fetched first (that run's
    only). A folder whose name no manifest lists loads only with ``allow_unverified=True``, which
    skips the sha256 check and says so in one line."""
    p = get_profile(profile)
    given = Path(run)
    if given.is_file() and given.name in ("weights.pt", runs.RUN_FILE):
        given = given.parent
    if given.is_dir() and _known_name(run, p):
        print(f"{run!r}: read as the name of a reference run; the folder {given.resolve()} in the working directory "
              f"is not used (pass Path({str(run)!r}) or './{run}' to load that folder instead).")
    elif given.is_dir():
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
        # a method's name ("simclr") stands for its main run, whatever settings name that run's
        # folder ("simclr-lr=0.3-temperature=0.2" under cpu): the manifest records which it is
        by_method = [n for n, e in recorded.items() if e.get("kind") == "main" and e.get("result") == name]
        if len(by_method) == 1:
            name, entry = by_method[0], recorded[by_method[0]]
    if entry is None:
        main = sorted(n for n, e in recorded.items() if e.get("kind") == "main")
        raise FileNotFoundError(
            f"no reference run {name!r} for profile {p.name!r} in {manifest_path(p)}. Main runs: "
            f"{', '.join(main) or 'none (this profile has no references here)'}. Or give a run folder results/<profile>/<name>/.")
    return verify(name, entry, p, fetch_missing=not paths.in_checkout())


def _known_name(run, profile: Profile) -> bool:
    """True when ``run`` is a bare string (no path separator) that names a run of the profile's
    manifest, or a method whose main run it records: a name, even where a folder shares it."""
    if not isinstance(run, str) or "/" in run or "\\" in run or run in (".", ".."):
        return False
    recorded = load_manifest(profile)["runs"]
    return run in recorded or any(e.get("kind") == "main" and e.get("result") == run for e in recorded.values())


def comparable(settings: dict) -> dict:
    flat = runs._flatten(settings)
    return {k: v for k, v in flat.items() if k not in _NOT_COMPARED}


def find(name: str, settings: dict | None, profile: Profile) -> tuple[Verified | None, str]:
    """(the verified run ``name`` when its reference can be used, else None; the reason)."""
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
            "RETRAIN = True (SSLKIT_RETRAIN=1) trains it here instead, at the live size.")


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
    every missing, unexpected or wrongly shaped tensor is named (:func:`sslkit.parts.files.load_strict`)."""
    load_strict(module, state, source)


def read_weights(path: Path, sha256: str | None = None) -> dict:
    """A ``weights.pt`` read with ``torch.load(weights_only=True)`` from the same open file whose
    bytes were hashed (:func:`sslkit.parts.files.load_torch_file`): with ``sha256`` (a
    :class:`Verified` run's ``weights_sha256``) a file replaced since the manifest check is refused,
    never loaded. A file holding Python objects (which could run code when unpickled), a damaged
    file, or one that would inflate in memory is refused with what to do instead; sslkit never
    offers to read it any other way."""
    fix = ("delete it and restore the run from its source (git checkout -- results/, or fetch it again); "
           "do not load it with weights_only=False")

    def same(digest: str) -> None:
        if sha256 is not None and digest != sha256:
            raise UnverifiedRun(f"{path} changed since it was checked against its sha256 in the manifest. Fix: {fix}.")

    try:
        state, _ = load_torch_file(path, "weights file", fix, check=same)
    except UnreadableFile as e:
        raise UnverifiedRun(str(e)) from None
    if not isinstance(state, dict):
        raise UnverifiedRun(f"{path} holds a {type(state).__name__}, not a state dict of tensors. Fix: {fix}.")
    return state


# ----------------------------------------------------------------------------- recording


def record_run(name: str, run_dir: Path, profile: Profile, kind: str, *, command: str, notebook: str = "",
               module=None, results: dict | None = None) -> dict:
    """Store a finished run's artefacts under ``results/<profile>/<name>/`` and its manifest entry,
    saying it was made by ``command`` (in ``notebook``). ``kind``: "main" (weights kept), "sweep".
    Kept: the metrics, the settings, the weights of a main run, and its ``curve.json`` when it has
    one (:class:`sslkit.training.curve.KnnCurve`; read with ``read_curve(folder)``)."""
    out = artefact_dir(profile, name)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    with runs.owned(run_dir, wait=True):  # a run another process is still training is read once it ends
        runs.read_metrics(run_dir).to_csv(out / "metrics.csv")
        files.append(out / "metrics.csv")
        (out / "run.json").write_text((Path(run_dir) / runs.RUN_FILE).read_text())
        files.append(out / "run.json")
        curve = Path(run_dir) / CURVE_FILE  # a main run's kNN-vs-minutes curve (KnnCurve), for notebook 08
        if curve.is_file():
            shutil.copyfile(curve, out / CURVE_FILE)
            files.append(out / CURVE_FILE)
        if module is not None:
            torch.save(half_state(module), out / "weights.pt")
            files.append(out / "weights.pt")
        t = runs.wall_time(run_dir)
    hashes = {_rel(f): file_sha256(f) for f in files}

    def change(data):
        before = data["runs"].get(name, {})
        kept = {**before.get("results", {}), **(results or {})} if before.get("files") == hashes else (results or {})
        data["runs"][name] = {
            # a run two notebooks share (notebook 05 reuses 04's SimCLR sweeps) belongs to the first
            "kind": kind, "notebook": before.get("notebook") or notebook,
            "files": hashes, "settings": _rel(out / "run.json"),
            "command": command, "hardware": hardware(), "date": time.strftime("%Y-%m-%d"),
            "wall_time_s": round(t["seconds"], 1), "epochs": t["epochs"], "steps": t["steps"],
            # the training process's own CPU seconds: what a run cost, which another process
            # sharing the cores does not inflate the way it does the wall time
            **({"cpu_time_s": round(t["cpu_seconds"], 1)} if t.get("cpu_seconds") else {}),
            # the same run recorded again keeps what it measured before
            "results": kept,
        }

    return _modify_manifest(profile, change)["runs"][name]


def record_results(name: str, results: dict, profile: Profile, *, command: str, notebook: str = "",
                   result: str | None = None) -> None:
    """Add ``results`` to a run's entry (an entry without files when there is no run: the floor):
    one read-modify-write under the manifest lock, so two processes never lose each other's keys.

    A number that was recorded before and now moves by 0.05 points or more is said in one line:
    re-evaluating the same weights on another CPU (float32 where the first had native bf16, say)
    moves a linear probe by a few tenths, and every notebook that printed the old number is then
    stale until it is executed again.

    An entry without a run (``kind`` "evaluation") is nothing but its results, so recording them
    again stamps it again: command, notebook, hardware and date say where the numbers it now holds
    were measured (a run's entry keeps the stamp of its training)."""
    moved = []

    def change(data):
        entry = data["runs"].get(name) or {"kind": "evaluation", "files": {}, "wall_time_s": 0.0, "results": {}}
        if entry.get("kind") == "evaluation":
            entry.update(command=command, notebook=notebook or entry.get("notebook", ""), hardware=hardware(),
                         date=time.strftime("%Y-%m-%d"))
        old = entry.get("results", {})
        moved[:] = [(k, old[k], v) for k, v in results.items() if isinstance(old.get(k), (int, float))
                    and isinstance(v, (int, float)) and abs(v - old[k]) >= 5e-4]
        entry["results"] = {**old, **results}
        if result:
            entry["result"] = result
        data["runs"][name] = entry

    _modify_manifest(profile, change)
    if moved:
        print(f"{name}: re-recorded results moved: " + ", ".join(f"{k} {100 * a:.1f}% → {100 * b:.1f}%" for k, a, b in moved)
              + f" (evaluated here on {hardware()}); re-execute every notebook that prints them.", flush=True)


# ----------------------------------------------------------------------------- fetching (pip installs)

def _download(url: str, target: Path, digest: str | None = None) -> None:
    """``url`` into ``target`` atomically (:func:`sslkit.parts.files.download`), checked against
    ``digest`` (sha256) when given; a failed or wrong download leaves nothing behind."""
    def check(tmp: Path) -> None:
        if digest is not None and file_sha256(tmp) != digest:
            raise UnverifiedRun(f"the downloaded file does not match its sha256 in the manifest: {url}")

    download(url, target, check, timeout=30)


def fetch(profile: Profile, base_url: str | None = None, names=()) -> bool:
    """Download the profile's manifest (when there is none here yet) and the files of the runs
    ``names`` (only those: one encoder costs its own three files, not the whole set) into
    :func:`sslkit.parts.paths.references_dir`, each checked against its sha256 and written atomically.
    False (and a message naming the address) when that is not possible."""
    base = (base_url or config.reference_url()
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
                if not (target.is_file() and file_sha256(target) == digest):
                    _download(f"{base}/{rel}", target, digest)
    except Exception as e:  # noqa: BLE001 — any failure means: train live (or raise later), and say why
        what = f"run {', '.join(names)}" if names else "the manifest"
        print(f"Reference {what} of profile {profile.name!r} could not be fetched from {base} "
              f"({type(e).__name__}: {str(e)[:160]}); without the internet, copy the repository's results/ folder "
              "here and set SSLKIT_REFERENCES to it.")
        return False
    return True
