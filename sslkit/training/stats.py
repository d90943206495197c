"""Judging an experiment: is a difference between settings beyond the seed-to-seed spread?

Every experiment trains each setting once per seed; :func:`judge` compares the two lists of
accuracies, :func:`verdict` prints the one-line verdict the notebooks show. ± in these lines is
the standard error of the difference of means; :func:`mean_sd` gives a setting's mean ± its
sample standard deviation.
"""

from __future__ import annotations

import statistics as st

OPPOSITE = "opposite at this size"  # never "reversed": the papers' regimes are far from these runs


def judge(baseline: list[float], other: list[float], direction: str = "higher") -> tuple[str, float, float]:
    """(verdict, difference of means, its standard error): is ``other`` ``direction`` ("higher" or
    "lower") than ``baseline``, beyond the seed-to-seed spread?

    The difference of the means counts as real when it exceeds twice its standard error,
    √(s_a²/n_a + s_b²/n_b) with the seeds' sample standard deviations — a 2σ screen, not a
    significance test (with 3 seeds a t-test would ask for more). Verdict: "shown" (the claimed
    direction), "opposite at this size" (beyond it the other way: a finding about this size, which
    the notebook compares with the paper's regime before reading it as a contradiction), or "not
    shown at this size".
    """
    if min(len(baseline), len(other)) < 2:
        raise ValueError("judge needs at least 2 seeds per setting to measure a spread; use sweep_seeds.")
    diff = st.mean(other) - st.mean(baseline)
    se = (st.variance(baseline) / len(baseline) + st.variance(other) / len(other)) ** 0.5
    return verdict_for(diff, se, direction), diff, se


def verdict_for(diff: float, se: float, direction: str = "higher") -> str:
    """The :func:`judge` verdict of a difference ``diff`` with standard error ``se`` (e.g. a
    difference of two differences): "shown" beyond 2·se in the given ``direction``
    ("higher" or "lower"), "opposite at this size" beyond it the other way, else "not shown at this
    size"."""
    if direction not in ("higher", "lower"):
        raise ValueError(f"direction must be 'higher' or 'lower', got {direction!r}.")
    signed = diff if direction == "higher" else -diff
    if signed > 2 * se:
        return "shown"
    if signed < -2 * se:
        return OPPOSITE
    return "not shown at this size"


# under a summary of mean_sd values, so a reader knows which ± is which
SPREAD_LEGEND = ("*a ± b*: mean ± standard deviation (sd) over the seeds; in a verdict line, ± is the standard "
                 "error (SE) of the difference of means.")


def mean_sd(accs: list[float], points: bool = True) -> str:
    """"31.6 ± 0.3": mean ± sample standard deviation over seeds, in points (accuracies in 0–1);
    ``points=False``: "-2.914 ± 0.021" in the values' own unit (a measure that is no accuracy).
    One value has no spread and is shown alone ("31.6"), e.g. a fine-tune on all the labels."""
    if not accs:
        raise ValueError("mean_sd needs at least one value; got none (did every run of the setting fail to load?).")
    scale, fmt = (100, ".1f") if points else (1, ".3f")
    mean = format(scale * st.mean(accs), fmt)
    return mean if len(accs) == 1 else f"{mean} ± {format(scale * st.stdev(accs), fmt)}"


def verdict(claim: str, baseline: list[float], other: list[float], direction: str = "higher",
            points: bool = True) -> None:
    """Print one line — the claim, the difference of means ± its standard error (labelled SE) in
    points (accuracies in 0–1; ``points=False``: in the values' own unit, for a measure that is
    no accuracy, such as uniformity), the :func:`judge` verdict, and then each setting's mean ±
    sd (``other`` first, as the claim names it), so that every number a notebook's prose quotes
    about the experiment is printed. Returns nothing, so a notebook cell that ends with it shows
    the line once (code that needs the verdict calls :func:`judge`).

    Example line: ``RotNet better than random init: +7.7 ± 0.8 (SE) points → shown
    (28.7 ± 1.1 vs 21.0 ± 0.9, mean ± sd)``.
    """
    v, d, se = judge(baseline, other, direction)
    sides = f"({mean_sd(other, points)} vs {mean_sd(baseline, points)}, mean ± sd)"
    if points:
        print(f"{claim}: {100 * d:+.1f} ± {100 * se:.1f} (SE) points → {v} {sides}")
    else:
        print(f"{claim}: {d:+.3f} ± {se:.3f} (SE) → {v} {sides}")


def verdict_of_contrast(claim: str, first: tuple[list[float], list[float]], second: tuple[list[float], list[float]],
                        direction: str = "higher") -> None:
    """Print the verdict line of a difference of two differences: ``first`` = (baseline, other)
    of one experiment, ``second`` the same for another; the contrast is (other − baseline) of the
    first minus that of the second, its SE √(SE₁² + SE₂²), judged by :func:`verdict_for`. E.g.
    "BYOL's change from batch 64 to 256 minus SimCLR's" for "BYOL is less sensitive to the batch".
    Accuracies in 0–1, printed in points."""
    _, d1, se1 = judge(*first)
    _, d2, se2 = judge(*second)
    d, se = d1 - d2, (se1 ** 2 + se2 ** 2) ** 0.5
    print(f"{claim}: {100 * d:+.1f} ± {100 * se:.1f} (SE) points → {verdict_for(d, se, direction)} "
          f"(the two changes: {100 * d1:+.1f} ± {100 * se1:.1f} and {100 * d2:+.1f} ± {100 * se2:.1f})")
