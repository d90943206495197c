"""Judging an experiment against its seed spread, and the plot every experiment shares."""

import math

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from sslkit.experiments import judge  # noqa: E402
from sslkit.plots import seed_bars  # noqa: E402


def test_judge_compares_the_difference_with_twice_its_standard_error():
    a, b = [0.30, 0.31, 0.32], [0.35, 0.36, 0.37]
    verdict, diff, se = judge(a, b)
    assert verdict == "shown" and diff == pytest.approx(0.05)
    assert se == pytest.approx(math.sqrt(0.01 ** 2 / 3 + 0.01 ** 2 / 3))  # sample sd 0.01 each
    assert judge(b, a)[0] == "reversed"
    assert judge(b, a, claim="lower")[0] == "shown"
    assert judge(a, [0.29, 0.33, 0.33])[0] == "not shown at this size"  # +0.7 points, sd 2.3
    with pytest.raises(ValueError, match="2 seeds"):
        judge([0.3], [0.4, 0.5])
    with pytest.raises(ValueError, match="higher"):
        judge(a, b, claim="bigger")


def test_seed_bars_draw_means_spreads_and_reference_lines_from_a_stated_start():
    fig = seed_bars({"a": [0.30, 0.32, 0.34], "b": [0.40, 0.40, 0.43]}, floor=0.21, main=0.41, ystart=0)
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx([32.0, 41.0])
    assert ax.get_ylim()[0] == 0 and "from 0" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("floor" in t and "21.0" in t for t in labels) and any("main run" in t for t in labels)
    assert any(t.get_text() == "32.0 ± 2.0" for t in ax.texts)


def test_verdict_prints_the_claim_difference_and_verdict(capsys):
    from sslkit.experiments import mean_sd, verdict

    assert verdict("b beats a", [0.30, 0.31, 0.32], [0.35, 0.36, 0.37]) == "shown"
    assert capsys.readouterr().out == "b beats a: +5.0 ± 0.8 points → shown\n"
    assert mean_sd([0.30, 0.31, 0.32]) == "31.0 ± 1.0"
