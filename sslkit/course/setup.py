"""A notebook's first cell and its result cell: :func:`setup` (the profile, the run mode and the
first lines of output) and :func:`report` (evaluate, save, show the table).

The one place the run mode is read from the environment (library functions take it as an
argument, :class:`sslkit.records.policy.Mode`):

- ``SSLKIT_RETRAIN=1`` (or true/yes): train every run here instead of loading references;
- ``SSLKIT_RECORD``: set by the reference command (:mod:`sslkit.course.references`) for the
  notebook kernel it starts, so that what the notebook trains is recorded — a JSON object with
  the ``command`` and ``notebook`` a manifest entry names and, under ``--prune``, the ``used``
  file run names are written to.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sslkit.course.estimate import training_minutes
from sslkit.parts.profiles import Profile, describe, get_profile
from sslkit.records.manifest import load_manifest
from sslkit.records.policy import Mode
from sslkit.records.results import METHOD_ROWS, comparison_rows, format_table, save_result
from sslkit.training.evaluate import evaluate


def _flag(var: str) -> bool:
    return os.environ.get(var, "").strip().lower() in ("1", "true", "yes")


def mode_from_env() -> Mode:
    """The :class:`~sslkit.records.policy.Mode` the environment asks for (see the module docstring)."""
    train = _flag("SSLKIT_RETRAIN")
    raw = os.environ.get("SSLKIT_RECORD", "").strip()
    if not raw:
        return Mode(train=train)
    try:
        record = json.loads(raw)
        assert isinstance(record, dict) and isinstance(record.get("command"), str)
    except (json.JSONDecodeError, AssertionError):
        raise ValueError(f"SSLKIT_RECORD={raw[:80]!r} is not what the reference command sets (a JSON object with "
                         "'command'); unset it to load or train without recording.") from None
    return Mode(train=train, record=True, command=record["command"], notebook=record.get("notebook", ""),
                used=Path(record["used"]) if record.get("used") else None)


def summary(notebook: str, mode: Mode, profile: Profile | None = None) -> str:
    """What a notebook will do with its runs, for its first output: how many reference runs it
    has for this profile, what made them and how long they trained — or why it trains live."""
    p = get_profile(profile)
    if p.name == "smoke":
        return "reference runs: not used under the smoke profile (every run trains here, in seconds)."
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
            "SSLKIT_RETRAIN=1 trains them here instead.")


def _estimate(notebook: str, p: Profile) -> str:
    try:
        minutes, how = training_minutes(notebook, p)
    except ValueError:
        return "training time: no estimate for this notebook."
    return f"estimated training time here: {minutes:.0f} min ({how}; timed over a few steps on this machine)."


def setup(notebook: str) -> tuple[Profile, Mode]:
    """(profile, mode) of a notebook's runs, read once from the environment (``SSLKIT_PROFILE``,
    :func:`mode_from_env`), after printing what a reader needs first: the profile and hardware
    (:func:`sslkit.parts.profiles.describe`) and whether this notebook's runs load or train
    (:func:`summary`)."""
    profile, mode = get_profile(), mode_from_env()
    print(describe(profile))
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
    return result
