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
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

import torch

from . import REPOSITORY, paths, runs
from .profiles import Profile, get_profile, hardware

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


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _rel(path: Path) -> str:
    return path.resolve().relative_to(paths.references_dir().resolve().parent).as_posix()


def _abs(rel: str) -> Path:
    return paths.references_dir().resolve().parent / rel


# ----------------------------------------------------------------------------- the manifest

_UNFETCHABLE: set[str] = set()


def load_manifest(profile: Profile | None = None) -> dict:
    """``{"runs": {name: entry}}`` of the profile (``{"runs": {}}`` when it has none).

    Outside a checkout (a pip install, e.g. Colab) the manifest and its files are fetched once
    from the repository (:func:`fetch`) when the internet is reachable."""
    p = profile or get_profile()
    path = manifest_path(p)
    if not path.is_file() and not paths.in_checkout() and p.name != "smoke" and p.name not in _UNFETCHABLE:
        if not fetch(p):
            _UNFETCHABLE.add(p.name)  # said once; not retried (and waited on) for every run
    return json.loads(path.read_text()) if path.is_file() else {"runs": {}}


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


def _update_manifest(profile: Profile, name: str, entry: dict | None = None, **fields) -> dict:
    """Write (or update the fields of) one entry, atomically and under the manifest lock."""
    _mark_used(name)
    path = manifest_path(profile)  # read here, not through load_manifest: recording never fetches
    with _manifest_lock(profile):
        data = json.loads(path.read_text()) if path.is_file() else {"runs": {}}
        data["profile"] = profile.name
        current = entry if entry is not None else data["runs"].get(name, {})
        data["runs"][name] = {**current, **fields}
        _write_manifest(profile, data)
    return data["runs"][name]


def check(entry: dict) -> str | None:
    """None when every file of a manifest entry is present with its recorded sha256; else why not."""
    for rel, digest in entry.get("files", {}).items():
        f = _abs(rel)
        if not f.is_file():
            return f"{rel} is missing"
        if sha256(f) != digest:
            return f"{rel} does not match its sha256 in the manifest"
    return None


def comparable(settings: dict) -> dict:
    flat = runs._flatten(settings)
    return {k: v for k, v in flat.items() if k not in _NOT_COMPARED}


def find(name: str, settings: dict | None, profile: Profile) -> tuple[dict | None, str]:
    """(the manifest entry of run ``name`` when it can be used, else None; the reason)."""
    _mark_used(name)
    entry = load_manifest(profile)["runs"].get(name)
    if entry is None:
        return None, f"no reference run {name!r} for profile {profile.name!r}"
    problem = check(entry)
    if problem:
        return None, f"reference {name!r}: {problem}"
    if settings is not None:
        made = json.loads(_abs(entry["settings"]).read_text())
        diff = runs.differences(comparable(made), comparable(settings))
        if diff:
            shown = "; ".join(f"{k}: {a} → {b}" for k, a, b in diff[:4])
            return None, f"reference {name!r} was made with other settings ({shown})"
    return entry, ""


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


def load_half_state(module: torch.nn.Module, state: dict) -> None:
    """Load ``state`` (from :func:`half_state`) into ``module``, each tensor in the module's dtype."""
    own = module.state_dict()
    missing, unexpected = set(own) - set(state), set(state) - set(own)
    if missing or unexpected:
        raise RuntimeError(f"Reference weights do not fit {type(module).__name__}: missing {sorted(missing)[:5]}, "
                           f"unexpected {sorted(unexpected)[:5]}.")
    module.load_state_dict({k: v.to(own[k].dtype) for k, v in state.items()})


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
    before = load_manifest(profile)["runs"].get(name, {})
    hashes = {_rel(f): sha256(f) for f in files}
    if before.get("files") == hashes:  # the same run recorded again: keep what it measured before
        results = {**before.get("results", {}), **(results or {})}
    entry = {
        # a run two notebooks share (notebook 05 reuses 04's SimCLR sweeps) belongs to the first
        "kind": kind, "notebook": before.get("notebook") or os.environ.get("SSLKIT_REFERENCE_NOTEBOOK", ""),
        "files": hashes, "settings": _rel(out / "run.json"),
        "command": _command(profile), "hardware": hardware(), "date": time.strftime("%Y-%m-%d"),
        "wall_time_s": round(t["seconds"], 1), "epochs": t["epochs"], "steps": t["steps"],
        "results": results or {},
    }
    return _update_manifest(profile, name, entry)


def record_results(name: str, results: dict, profile: Profile, result: str | None = None) -> None:
    """Set the ``results`` of a run's entry (an entry without files when there is no run: the floor)."""
    entry = load_manifest(profile)["runs"].get(name)
    if entry is None:
        _update_manifest(profile, name, {"kind": "evaluation", "files": {}, "command": _command(profile),
                                         "notebook": os.environ.get("SSLKIT_REFERENCE_NOTEBOOK", ""),
                                         "hardware": hardware(), "date": time.strftime("%Y-%m-%d"),
                                         "wall_time_s": 0.0, "results": {}})
        entry = {"results": {}}
    _update_manifest(profile, name, results={**entry.get("results", {}), **results},
                     **({"result": result} if result else {}))


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
    entry, reason = find(name, settings, p)
    if entry is None:
        return None, reason
    weights = next((rel for rel in entry["files"] if rel.endswith("weights.pt")), None)
    if weights is None:
        return None, f"reference {name!r} kept no weights"
    load_half_state(module, torch.load(_abs(weights), map_location="cpu", weights_only=True))
    module = module.to(p.device)
    if p.channels_last:
        module = module.to(memory_format=torch.channels_last)
    made = json.loads(_abs(entry["settings"]).read_text())
    module.report = RunReport(_abs(weights).parent, entry.get("epochs", 0), entry.get("steps", 0), len(train),
                              settings["batch_size"], entry.get("wall_time_s", 0.0), trained_now=False)
    module.reference = entry
    print(describe_entry(name, entry), flush=True)
    if made.get("data", {}).get("fingerprint") != settings["data"]["fingerprint"]:
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

def fetch(profile: Profile, base_url: str | None = None) -> bool:
    """Download the profile's manifest and files from the repository into ``references_dir()``,
    each checked against its sha256. False (and a message) when that is not possible."""
    base = (base_url or os.environ.get("SSLKIT_REFERENCE_URL")
            or REPOSITORY.replace("https://github.com/", "https://raw.githubusercontent.com/") + "/main").rstrip("/")
    dest = paths.references_dir()
    try:
        with urllib.request.urlopen(f"{base}/results/{profile.name}-manifest.json", timeout=30) as r:
            manifest = json.loads(r.read())
        for entry in manifest["runs"].values():
            for rel, digest in entry.get("files", {}).items():
                target = dest.parent / rel
                if target.is_file() and sha256(target) == digest:
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                urllib.request.urlretrieve(f"{base}/{rel}", target)
                if sha256(target) != digest:
                    target.unlink()
                    raise ValueError(f"{rel}: downloaded file does not match its sha256")
    except Exception as e:  # noqa: BLE001 — any failure means: train live, and say why
        print(f"Reference runs for profile {profile.name!r} could not be fetched from {base} "
              f"({type(e).__name__}: {str(e)[:100]}); runs without one train here.")
        return False
    dest.mkdir(parents=True, exist_ok=True)
    (dest / f"{profile.name}-manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
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
        secs = run_notebook(t, p, args.retrain)
        print(f"{t}: references of profile {p.name} recorded in {secs / 60:.1f} min → {manifest_path(p)}", flush=True)
    if used_file is not None:
        gone = prune(p, set(Path(used_file.name).read_text().split()))
        print(f"pruned {len(gone)} references no notebook asked for" + "".join(f"\n    {n}" for n in gone))


if __name__ == "__main__":
    main()
