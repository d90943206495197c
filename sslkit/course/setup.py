"""A notebook's first cell and its result cell: :func:`setup` (the profile, the run mode and the
first lines of output) and :func:`report` (evaluate, save, show the table).

The run mode (:class:`sslkit.records.policy.Mode`, which library functions take as an argument)
starts here: ``SSLKIT_RETRAIN=1`` (or true/yes), or ``setup(..., retrain=True)``, trains every run
here instead of loading references — at the live profile's size unless ``SSLKIT_PROFILE`` names
one. The reference command (:mod:`sslkit.course.references`) passes its record mode and profile
to the notebook explicitly: it runs ``setup(..., profile=..., mode=...)`` in the kernel right
after the notebook's own first cell.
"""

from __future__ import annotations

import os
from pathlib import Path

from sslkit.course.calibration import calibration_table
from sslkit.course.estimate import training_minutes
from sslkit.parts import config
from sslkit.parts.profiles import Profile, describe, get_profile, run_profile
from sslkit.records.manifest import load_manifest
from sslkit.records.policy import Mode
from sslkit.records.results import METHOD_ROWS, comparison_rows, format_table, save_result
from sslkit.training.evaluate import evaluate


def mode_from_env(retrain: bool = False) -> Mode:
    """The :class:`~sslkit.records.policy.Mode` a reader's notebook runs in: ``retrain=True`` (a
    notebook's ``RETRAIN`` switch) asks for training as ``SSLKIT_RETRAIN=1`` does: either one trains."""
    return Mode(train=bool(retrain) or config.retrain())


def summary(notebook: str, mode: Mode, profile: Profile | None = None) -> str:
    """What a notebook will do with its runs, for its first output: how many reference runs it
    has for this profile, what made them and how long they trained — or why it trains live."""
    p = get_profile(profile)
    if p.name == "smoke":
        return "reference runs: not used under the smoke profile (every run trains here, in seconds)."
    if not p.references:
        return (f"reference runs: not used: every run of this notebook trains here at the {p.name} size, in "
                f"runs/{p.name}/ (resumed after an interruption), never mixed with the references.\n"
                + _estimate(notebook, p))
    entries = [e for e in load_manifest(p)["runs"].values() if e.get("notebook") == notebook and e.get("files")]
    if mode.train or not entries:
        why = ("SSLKIT_RETRAIN=1, so every run of this notebook trains here" if mode.train else
               f"none for {notebook} under profile {p.name!r}, so its runs train here")
        return f"reference runs: {why} (their folders under runs/ resume after an interruption).\n" + _estimate(notebook, p)
    secs = sum(e.get("wall_time_s", 0) for e in entries)
    main = sum(e["kind"] == "main" for e in entries)
    made = sorted({f"{e['hardware']} ({e['date']})" for e in entries})
    return (f"reference runs: {len(entries)} for this notebook ({main} main, {len(entries) - main} experiment runs), "
            f"made by `python -m sslkit.course.references {notebook} --profile {p.name}` on {'; '.join(made)}; "
            f"they trained {secs / 60:.0f} min in all. Each is loaded after its sha256 is checked; "
            "RETRAIN = True (SSLKIT_RETRAIN=1) trains them here instead, at the live size.")


def _estimate(notebook: str, p: Profile) -> str:
    try:
        minutes, how = training_minutes(notebook, p)
    except ValueError:
        return "training time: no estimate for this notebook."
    return f"estimated training time here: {minutes:.0f} min ({how}; timed over a few steps on this machine)."


DRIVE_HOME = "/content/drive/MyDrive/sslkit"
_set_here = None  # the SSLKIT_PROFILE setup() last set itself


def keep_on_drive(folder: str = DRIVE_HOME) -> Path:
    """Colab: mount Google Drive and keep ``data/`` and ``runs/`` in ``folder`` on it
    (``SSLKIT_HOME``), so runs survive a disconnect and resume. Outside Colab it refuses with
    what to do instead."""
    try:
        from google.colab import drive
    except ImportError:
        raise RuntimeError("drive=True needs Google Colab (google.colab is not installed here). Elsewhere set "
                           "SSLKIT_HOME to the folder that should hold data/ and runs/.") from None
    if not os.path.ismount("/content/drive"):  # the notebook's first cell may have mounted it
        drive.mount("/content/drive")
    os.environ["SSLKIT_HOME"] = folder
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


def setup(notebook: str, retrain: bool = False, drive: bool = False, *, profile: str | None = None,
          mode: Mode | None = None) -> tuple[Profile, Mode]:
    """(profile, mode) of a notebook's runs, after printing what a reader needs first: sslkit's
    version, the profile and hardware (:func:`sslkit.parts.profiles.describe`) and whether this
    notebook's runs load or train (:func:`summary`).

    The profile is ``SSLKIT_PROFILE``'s, else cpu (the committed references' sizes, loaded on
    any device, evaluated on a GPU when there is one); ``retrain=True`` or ``SSLKIT_RETRAIN=1``
    (:func:`mode_from_env`) trains every run here instead, at the live
    profile's size unless ``SSLKIT_PROFILE`` names another. ``drive=True`` keeps data and runs
    on Google Drive in Colab (:func:`keep_on_drive`). ``profile`` and ``mode``, when given, are
    used as they are (the reference command passes its record mode this way)."""
    if drive:
        print(f"data and runs kept on Google Drive: {keep_on_drive()}")
    global _set_here
    mode = mode if mode is not None else mode_from_env(retrain)
    chosen = config.profile_name()
    chosen = "" if chosen == _set_here else chosen  # what an earlier setup() set is not the reader's choice
    given = profile
    profile = run_profile(mode.train, given or chosen)
    if given or not chosen:  # every later call in this kernel (profile=None) uses the same profile
        os.environ["SSLKIT_PROFILE"] = _set_here = profile.name
    print(describe(profile))
    if mode.train and not (given or chosen):
        print("retrain: every run trains here at the live size, in minutes; the references (profile cpu) are "
              "untouched. SSLKIT_PROFILE=cpu retrains at the references' size instead (hours on a CPU).")
    print(summary(notebook, mode, profile))
    return profile, mode


def report(name: str, model, train, test, *, profile: Profile, mode: Mode, reference: dict,
           compare="baselines", run=None) -> dict:
    """A method notebook's result cell: ``model`` evaluated (kNN and linear probe,
    :func:`sslkit.training.evaluate.evaluate`), saved as ``name`` (recorded with ``run``, its
    run's report from :func:`sslkit.records.policy.load_or_pretrain`, in record ``mode``) and
    shown in a table beside the saved results in ``reference``: the floor and the
    supervised baseline (``compare="baselines"``), these and the results named in a tuple
    ``compare``, or every method's (``"all"``), in course order. Returns the result."""
    from IPython.display import Markdown, display

    result = evaluate(model, train, test)
    save_result(name, result, mode=mode, profile=profile, run=run)
    shown = reference if compare == "all" else {
        k: v for k, v in reference.items() if k in ("floor", "supervised") or (compare != "baselines" and k in compare)}
    rows = comparison_rows(shown, name, result)
    if name not in dict(METHOD_ROWS):
        rows = {**rows, name: result}
    display(Markdown(f"**CIFAR-10 test top-1, profile `{profile.name}`**\n\n" + format_table(rows)))
    calibration = calibration_note(name, result, len(train), run, getattr(model, "hparams", {}).get("width"))
    if calibration:
        display(Markdown(calibration))
    return result


def calibration_note(name: str, result: dict, images: int, run=None, width: float | None = None) -> str:
    """Markdown under a method's result table: its kNN beside the published CIFAR-10 ResNet-18
    numbers for the method (:mod:`sslkit.course.calibration`) with this run's share of their
    compute — how far from converged a number is and why. Empty for the floor, the baseline, a
    name outside the course's methods, or a run whose epochs or width are unknown."""
    label = dict(METHOD_ROWS).get(name, "").split(" (")[0]
    if name in ("floor", "supervised") or not label or run is None or not getattr(run, "epochs", 0) or not width:
        return ""
    metrics = {k: result[k] for k in ("knn", "linear", "classifier") if k in result}
    table = calibration_table({label: {**metrics, "images": images, "epochs": run.epochs, "width": width}})
    return "**Calibration**: published CIFAR-10 numbers for this method, and this run's share of their compute\n\n" + table
