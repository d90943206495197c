"""The full-scale main runs' kNN curves side by side (issue 30), from the files
``bench/main_runs.py`` keeps in ``bench/main_runs_results/``:

    python bench/plot_main_runs.py          # writes bench/main_runs_results/curves.png and prints
                                            # what each curve says a missed target would take, and
                                            # where each clears the random-init floor by 10 points

Every run was sized to one budget, SimCLR's ~125 idle minutes of the 2-core CPU (epochs = budget x
the method's measured images/s, ``bench/main_queue.sh``), so the x-axis puts each point at its share
of that budget: epoch / the run's epochs x 125 min. That is the compute a point cost on an idle
machine, not its recorded wall time (pauses and foreground work inflate that; ``cpu_s`` in the
curve files, where present, is the CPU time each point really used).
"""

from __future__ import annotations

import json
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from main_runs import RESULTS  # noqa: E402  (bench/ is on the path when this script runs)

BUDGET_MIN = 125  # SimCLR's 50 epochs at 150 idle s an epoch: every main run's budget


def curves() -> dict[str, tuple[list[float], list[float]]]:
    """{run name: (budget minutes, kNN %)} for every kept run that has a curve and its settings."""
    out = {}
    for f in sorted(RESULTS.glob("*_curve.json")):
        name = f.name.removesuffix("_curve.json")
        settings = RESULTS / f"{name}_run.json"
        if not settings.is_file():
            continue
        epochs = json.loads(settings.read_text())["epochs"]
        rows = json.loads(f.read_text())
        out[name] = ([r["epoch"] / epochs * BUDGET_MIN for r in rows], [100 * r["knn"] for r in rows])
    return out


TARGETS = {"simclr": 65.0, "byol": 55.0, "swav": 55.0, "cpc": 55.0, "deepcluster": 55.0}  # issue 30, kNN %


def floor_knn() -> float | None:
    """The random-init floor's kNN % at the main runs' size (``main_runs.py --floor``), or None."""
    f = RESULTS / "floor.json"
    return 100 * json.loads(f.read_text())["knn_mean"] if f.is_file() else None


def targets() -> dict[str, float]:
    """Issue 30's kNN targets, RotNet's (floor + 20) included once the floor is measured."""
    fl = floor_knn()
    return {**TARGETS, **({"rotnet": round(fl + 20, 1)} if fl is not None else {})}


def clearing_table(margin: float = 10.0) -> str:
    """For each run: the first curve point at least ``margin`` kNN points over the floor — the
    epochs of all 50,000 images an experiment's baseline needs at width 1/8 to clear it (issue 30,
    item 5), read off a point inside the run's longer schedule (markdown)."""
    fl = floor_knn()
    rows = [f"| run | first point ≥ floor + {margin:g} ({fl:.1f} + {margin:g}) | its kNN | budget minutes |",
            "|---|---:|---:|---:|"]
    for name, (x, y) in curves().items():
        epochs = json.loads((RESULTS / f"{name}_run.json").read_text())["epochs"]
        hit = next((i for i, v in enumerate(y) if v >= fl + margin), None)
        if hit is None:
            rows.append(f"| {name} | not within its {epochs} epochs | {y[-1]:.1f}% (last) | – |")
        else:
            rows.append(f"| {name} | epoch {round(x[hit] / BUDGET_MIN * epochs)} of {epochs} | {y[hit]:.1f}% "
                        f"| {x[hit]:.0f} |")
    return "\n".join(rows)


def doubling_fit(x: list[float], y: list[float], points: int = 3) -> tuple[float, float]:
    """(intercept, points gained per doubling of minutes): least squares of y on log2(x) over the
    last ``points`` points of a curve."""
    lx, ly = [math.log2(v) for v in x[-points:]], y[-points:]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    slope = sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)
    return my - slope * mx, slope


def extrapolation_table() -> str:
    """For each run below its target: the gain per doubling over its last three points and the
    budget minutes the log-linear fit puts at the target (markdown)."""
    rows = ["| run | kNN at 125 min | target | points per doubling (last 3 points) | minutes the fit puts at the target |",
            "|---|---:|---:|---:|---:|"]
    for name, (x, y) in curves().items():
        target = targets().get(name)
        if target is None or len(x) < 3:
            continue
        a, b = doubling_fit(x, y)
        at = "reached" if y[-1] >= target else ("never (flat)" if b <= 0 else f"{2 ** ((target - a) / b):,.0f}")
        rows.append(f"| {name} | {y[-1]:.1f}% | {target:g}% | {b:+.1f} | {at} |")
    return "\n".join(rows)


def main() -> None:
    fig, ax = plt.subplots(figsize=(8.6, 4.2))
    for name, (x, y) in curves().items():
        ax.plot(x, y, marker="o", label=f"{name} ({y[-1]:.1f}%)")
    fl = floor_knn()
    if fl is not None:
        ax.axhline(fl, color="k", ls="--", lw=1, label=f"random-init floor ({fl:.1f}%)")
        ax.axhline(fl + 10, color="gray", ls=":", lw=1, label="floor + 10")
    ax.set_xscale("log")
    ax.set_xlabel(f"2-core CPU minutes (share of the {BUDGET_MIN}-min budget, idle machine)")
    ax.set_ylabel("kNN top-1 on the 10,000 test images (%)")
    ax.set_title("Full-scale main runs: all 50,000 images, width 1/8, float32")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, borderaxespad=0)  # beside the plot: no curve hidden
    fig.tight_layout()
    fig.savefig(RESULTS / "curves.png", dpi=110)
    print(f"wrote {RESULTS / 'curves.png'}")
    print(extrapolation_table())
    if floor_knn() is not None:
        print(clearing_table())


if __name__ == "__main__":
    main()
