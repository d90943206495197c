"""Numbers per profile, saved by one notebook and read by the next.

``runs/<profile>/results.json`` (under ``SSLKIT_HOME``) maps a name ("floor", "supervised",
"simclr", …) to its metrics (accuracies in 0–1) plus where and when they were measured: what
*this user's* notebooks measured. Notebook 00 writes the floor and the supervised baseline;
every method notebook reads them to draw reference lines and fill its table.
:func:`load_reference` falls back on the committed reference runs' numbers
(``results/<profile>-manifest.json``, :mod:`sslkit.records.manifest`) for any name the user has not
measured, so notebook 04 has its reference lines without running notebook 00 first. Running a
notebook never writes a committed file; under ``python -m sslkit.course.references`` the numbers also
go into the manifest.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from sslkit.parts import paths
from sslkit.parts.profiles import Profile, get_profile, hardware
from sslkit.records.manifest import load_manifest
from sslkit.records.policy import Mode


def results_path(profile: Profile | None = None) -> Path:
    return paths.runs_dir() / get_profile(profile).name / "results.json"


def load_results(profile: Profile | None = None) -> dict[str, dict]:
    """All saved results of a profile ({} when none yet)."""
    path = results_path(profile)
    return json.loads(path.read_text()) if path.is_file() else {}


def save_result(name: str, metrics: dict, *, mode: Mode, profile: Profile | None = None, run=None) -> dict:
    """Store ``metrics`` under ``name`` for the profile, stamped with hardware and date.

    ``run``: the run the metrics describe — what :func:`sslkit.records.policy.load_or_pretrain`
    returned, or its report (``module, run = load_or_pretrain(...)``); in record ``mode`` that
    run's manifest entry gets the metrics (:meth:`Mode.record_results`), whatever its name (a run
    named ``byol-epochs=32`` for the result ``byol``). Without a run (the floor: nothing trained),
    an entry ``name`` holds them."""
    p = get_profile(profile)
    folder = getattr(getattr(run, "report", run), "run_dir", None)
    if run is not None and folder is None:
        raise TypeError(f"save_result: run must be what load_or_pretrain returned or its report (with a run_dir), "
                        f"got {type(run).__name__}.")
    mode.record_results(Path(folder).name if folder else name, metrics, p, result=name)
    path = results_path(p)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = load_results(p)
    entry = {**metrics, "profile": p.name, "hardware": hardware(), "date": time.strftime("%Y-%m-%d")}
    data[name] = entry
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)
    return entry


COLUMN_NAMES = {"knn": "kNN top-1", "linear": "linear probe", "classifier": "own classifier", "wall_s": "train time"}


def format_table(results: dict[str, dict], columns=("knn", "linear")) -> str:
    """A markdown table: one row per result, accuracies as percentages (:func:`markdown_table`)."""
    def cell(c, v):
        return "–" if v is None else (f"{v:.0f} s" if c == "wall_s" else f"{100 * v:.1f}%")

    return markdown_table({name: {COLUMN_NAMES.get(c, c): cell(c, r.get(c)) for c in columns}
                           for name, r in results.items()}, columns=[COLUMN_NAMES.get(c, c) for c in columns])


def markdown_table(rows: dict[str, dict], first: str = "model", columns=None) -> str:
    """A markdown table of any cells: one row per key of ``rows``, one column per key of its
    dict (in first-seen order, or ``columns``), cells as given (format numbers before); missing
    cells "–". The one table writer: notebook tables and the README's go through it."""
    columns = list(columns) if columns is not None else list(dict.fromkeys(c for r in rows.values() for c in r))
    lines = [f"| {first} | " + " | ".join(map(str, columns)) + " |", "|" + "---|" * (len(columns) + 1)]
    lines += [f"| {name} | " + " | ".join(str(r.get(c, "–")) for c in columns) + " |" for name, r in rows.items()]
    return "\n".join(lines)


# every result a notebook's table can show, in course order: (result name, row label)
METHOD_ROWS = (("floor", "floor (random init)"), ("rotnet", "RotNet (01)"), ("jigsaw", "Jigsaw (02)"),
               ("cpc", "CPC (03)"), ("simclr", "SimCLR (04)"), ("byol", "BYOL (05)"),
               ("deepcluster", "DeepCluster (06)"), ("swav", "SwAV (07)"), ("supervised", "supervised"))


def comparison_rows(results: dict[str, dict], name: str, result: dict) -> dict[str, dict]:
    """Rows for :func:`format_table`: ``result`` (this notebook's, saved as ``name``) among every
    other method's in ``results`` (e.g. :func:`load_reference`), in course order; the floor and
    the supervised baseline always (– when missing), other methods only when they have a result."""
    rows = {}
    for key, label in METHOD_ROWS:
        if key == name:
            rows[label.split(" (")[0] if key not in ("floor", "supervised") else label] = result
        elif key in ("floor", "supervised") or key in results:
            rows[label] = results.get(key, {})
    return rows


def load_reference(profile: Profile | None = None) -> dict[str, dict]:
    """The profile's results: the user's own (:func:`load_results`) over the reference runs'
    (smoke and live have none: they use what their own notebooks measured), with a hint when the floor
    and supervised baseline are missing (method notebooks draw those as reference lines)."""
    p = get_profile(profile)
    results = {}
    if p.references:
        for e in load_manifest(p)["runs"].values():
            if e.get("result"):
                results[e["result"]] = {**e["results"], "hardware": e["hardware"], "date": e["date"]}
    results.update(load_results(p))
    if not {"floor", "supervised"} <= set(results):
        print(f"No floor / supervised baseline saved for profile {p.name!r} yet: "
              "run notebook 00 under this profile first to get the reference lines.")
    return results


def reference_lines(results: dict[str, dict], names=("floor", "supervised"), metric: str = "knn") -> dict[str, float]:
    """{"floor (kNN)": 0.27, …}: the ``metric`` of each saved result in ``names``, for the
    ``reference`` argument of the plots."""
    label = COLUMN_NAMES.get(metric, metric).split()[0]
    return {f"{n} ({label})": results[n][metric] for n in names if metric in results.get(n, {})}
