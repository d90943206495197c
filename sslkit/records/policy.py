"""Load or train: the one policy for every run a notebook asks for — main runs, sweep runs and
fine-tunes alike.

A run is asked for by its name (derived from the settings that build it) and those settings.
:func:`obtain` then

1. loads its reference (:mod:`sslkit.records.manifest`) when the mode allows it and one is
   usable: every file matches its sha256, the settings match (the initial weights too, for a
   fine-tune), it holds the weights or results the caller needs; the reason is printed when not;
2. else trains it in ``runs/<profile>/<name>/`` (a finished run there is reloaded, an
   interrupted one resumes);
3. and, in record mode, stores what was trained as a reference.

The mode is an explicit argument (:class:`Mode`): library functions never read it from the
environment. The notebooks' setup (:func:`sslkit.course.setup.mode_from_env`) builds it from
``SSLKIT_RETRAIN`` and from what the reference command (:mod:`sslkit.course.references`) passes
to the notebook's kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from sslkit.methods import method_class
from sslkit.parts import paths
from sslkit.parts.data import ImageSet
from sslkit.parts.profiles import Profile, channels_last_safe, get_profile
from sslkit.records.manifest import (Verified, describe_entry, find, half_state, load_half_state, read_weights,
                                     record_results, record_run)
from sslkit.training import runs
from sslkit.training.evaluate import evaluate
from sslkit.training.train import RunReport, Trained, planned_settings, pretrain


@dataclass(frozen=True)
class Mode:
    """How the runs asked for are obtained.

    - ``train``: train every run here even when a usable reference exists (``SSLKIT_RETRAIN=1``);
      a profile without references (smoke: CI must exercise the training code; live: a reader's
      own runs) always trains, whatever the mode;
    - ``record``: store what is trained, and the results saved with it, as references under
      ``results/`` (the reference command's mode);
    - ``command``, ``notebook``: what a recorded manifest entry says made it;
    - ``used``: a file the reference command's ``--prune`` reads: each run name asked for is
      appended to it, so references no notebook asks for any more can be removed.
    """

    train: bool = False
    record: bool = False
    command: str = ""
    notebook: str = ""
    used: Path | None = None

    def trains_live(self, profile: Profile) -> bool:
        """True when runs train here instead of loading references."""
        return self.train or not profile.references

    def note_used(self, name: str) -> None:
        if self.used is not None and self.record:
            with open(self.used, "a") as f:
                f.write(name + "\n")

    def record_results(self, name: str, results: dict, profile: Profile, result: str | None = None) -> None:
        """In record mode, add ``results`` to the reference entry ``name``; otherwise nothing."""
        if self.record:
            self.note_used(name)
            record_results(name, results, profile, command=self.command, notebook=self.notebook, result=result)


LOAD = Mode()  # references when usable, else train (a reader's notebook)
TRAIN = Mode(train=True)  # always train here, record nothing


@dataclass
class Obtained:
    """A run as :func:`obtain` got it: ``folder`` holds its curves (the reference folder when
    ``loaded``, else the run folder), ``results`` what was measured on it (recorded, or returned
    by the training function), ``entry`` its manifest entry when loaded, ``trained`` the trained
    module and its report when it trained here, and ``wall_s`` its training wall time in seconds."""

    name: str
    loaded: bool
    folder: Path
    results: dict
    entry: dict | None
    wall_s: float
    trained: Trained | None = None
    settings: dict | None = None  # a loaded reference's verified run.json


Train = Callable[[Path], "tuple[Trained, dict]"]  # run folder -> ((trained module, its report), results)


def _usable(run: Verified | None, why: str, name: str, settings: dict, wants, weights_into, same_init: bool):
    if run is None:
        return why
    if same_init and run.settings.get("init") != settings.get("init"):
        return f"reference {name!r} was trained from other initial weights"
    if weights_into is not None and run.weights is None:
        return f"reference {name!r} kept no weights"
    missing = sorted(set(wants) - set(run.entry.get("results", {})))
    if missing:
        return f"its reference lacks {', '.join(missing)}"
    return ""


def obtain(name: str, settings: dict, profile: Profile, mode: Mode, train: Train, *, kind: str,
           wants=(), weights_into: torch.nn.Module | None = None, same_init: bool = False) -> Obtained:
    """The run ``name`` made with ``settings`` (:func:`sslkit.training.runs.run_settings`; not read
    when ``mode`` trains live): its reference when ``mode`` allows and one is usable, else
    ``train(run_folder)`` → (:class:`~sslkit.training.train.Trained`, results), recorded in record
    mode as a ``kind`` of reference ("main" keeps its weights, "sweep" only curves and results).
    A usable reference holds every result named in ``wants``, the weights when ``weights_into``
    is given (they are loaded into it), and — with ``same_init`` — the same initial weights (a
    fine-tune of a retrained encoder trains again)."""
    mode.note_used(name)
    if not mode.trains_live(profile):
        run, why = find(name, settings, profile)
        why = _usable(run, why, name, settings, wants, weights_into, same_init)
        if not why:
            if weights_into is not None:
                load_half_state(weights_into, read_weights(run.weights, run.weights_sha256))
            return Obtained(name, True, run.folder, dict(run.entry.get("results", {})), run.entry,
                            run.entry.get("wall_time_s", 0.0), settings=run.settings)
        print(f"{name}: {why}; training it here (a finished run in runs/ is reloaded).", flush=True)
    run_dir = paths.runs_dir() / profile.name / name
    trained, results = train(run_dir)
    if mode.record:
        record_run(name, run_dir, profile, kind, command=mode.command, notebook=mode.notebook,
                   module=trained.module if kind == "main" else None, results=results)
    return Obtained(name, False, run_dir, results, None, trained.report.seconds, trained)


def main_run_name(stem: str, method_cls, profile: Profile, **settings) -> str:
    """The folder name of a run asked for by ``stem`` and ``settings`` (:func:`sslkit.training.runs.run_name`:
    the stem plus each setting that differs from its default, the seed's included): the name
    :func:`load_or_pretrain` looks up, so a run trained ahead under it is reloaded, not retrained."""
    return runs.run_name(stem, method_class(method_cls), profile, **settings)


def load_or_pretrain(method_cls, train: ImageSet, test: ImageSet | None, stem: str, *, mode: Mode,
                     name: str | None = None, profile: Profile | None = None, epochs: int | None = None,
                     seed: int = 0, progress: bool = True, verbose: bool = False, **kwargs):
    """The trained module of this main run: its reference when ``mode`` allows and there is a usable
    one, else trained here (:func:`obtain`).

    Takes :func:`sslkit.training.train.pretrain`'s arguments, at the profile's main-run sizes
    (:meth:`~sslkit.parts.profiles.Profile.main_profile`: pass that profile's images, e.g.
    ``cifar10(PROFILE.main_profile())``). The profile's main-run table
    (:meth:`~sslkit.parts.profiles.Profile.main_run` of ``stem``) gives the epochs and method
    settings not passed here, so ``load_or_pretrain(BYOL, train, test, "byol", mode=MODE)`` is the
    profile's BYOL main run. ``stem`` plus the settings that differ from the defaults name the run
    (:func:`main_run_name`), unless ``name`` is given. Prints which it did and why. Returns
    :class:`~sslkit.training.train.Trained` — ``(module, report)``; ``verbose`` prints where a loaded
    reference came from (its command, hardware, date, epochs and training time). For a loaded reference the
    report's ``run_dir`` is the reference folder (which :func:`sslkit.training.runs.read_metrics`
    reads) and its ``reference`` the manifest entry (None when trained here). In record mode the
    rounded float16 weights a reader will load are what is evaluated afterwards, and the float32
    model's kNN is recorded beside them."""
    method_cls = method_class(method_cls)
    p = get_profile(profile).main_profile()  # a main run has the main runs' sizes
    kwargs = {**p.main_run(stem), **({"epochs": epochs} if epochs else {}), **kwargs}
    epochs = kwargs.pop("epochs")
    name = name or main_run_name(stem, method_cls, p, epochs=epochs, seed=seed, **kwargs)
    # the module a reference would load into, and the settings it must match: only when one is looked up
    module, settings = (None, {}) if mode.trains_live(p) else planned_settings(method_cls, train, p, epochs, seed=seed,
                                                                               **kwargs)

    def train_here(run_dir: Path):
        model, report = pretrain(method_cls, train, test, run_dir, epochs=epochs, profile=p, seed=seed,
                                 progress=progress, **kwargs)
        results = {}
        if mode.record:
            results["knn_float32"] = evaluate(model, train, test, probe=False)["knn"]
            load_half_state(model, half_state(model))  # what a reader will load: evaluate exactly that
        return Trained(model, report), results

    got = obtain(name, settings, p, mode, train_here, kind="main", weights_into=module)
    if not got.loaded:
        if mode.record:
            print(f"{name}: recorded as a reference ({got.wall_s:.0f} s of training).", flush=True)
        return got.trained
    module = module.to(p.device)
    if p.channels_last and channels_last_safe(module, p.device):
        module = module.to(memory_format=torch.channels_last)
    entry = got.entry
    report = RunReport(got.folder, entry.get("epochs", 0), entry.get("steps", 0), len(train),
                       settings["batch_size"], got.wall_s, trained_now=False, reference=entry)
    if verbose:  # a notebook's setup already said, in one line, that its references load sha256-checked
        print(describe_entry(name, entry), flush=True)
    if got.settings.get("data", {}).get("fingerprint") != settings["data"]["fingerprint"]:
        print(f"{name}: note: it was trained on another copy of CIFAR-10 (e.g. the JPEG re-encoding vs the "
              "original download): the evaluation below uses yours, so numbers may differ slightly from the manifest's.")
    return Trained(module, report)
