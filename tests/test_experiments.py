"""Judging an experiment against its seed spread, and the plot every experiment shares."""

import math

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from sslkit.course.plots import seed_bars  # noqa: E402
from sslkit.training.stats import judge  # noqa: E402


def test_judge_compares_the_difference_with_twice_its_standard_error():
    a, b = [0.30, 0.31, 0.32], [0.35, 0.36, 0.37]
    verdict, diff, se = judge(a, b)
    assert verdict == "shown" and diff == pytest.approx(0.05)
    assert se == pytest.approx(math.sqrt(0.01 ** 2 / 3 + 0.01 ** 2 / 3))  # sample sd 0.01 each
    assert judge(b, a)[0] == "opposite at this size"
    assert judge(b, a, direction="lower")[0] == "shown"
    assert judge(a, [0.29, 0.33, 0.33])[0] == "not shown at this size"  # +0.7 points, sd 2.3
    with pytest.raises(ValueError, match="2 seeds"):
        judge([0.3], [0.4, 0.5])
    with pytest.raises(ValueError, match="higher"):
        judge(a, b, direction="bigger")


def test_verdict_for_a_difference_and_its_standard_error():
    from sslkit.training.stats import verdict_for

    assert verdict_for(0.021, 0.01) == "shown" and verdict_for(0.019, 0.01) == "not shown at this size"
    assert verdict_for(-0.03, 0.01) == "opposite at this size" and verdict_for(-0.03, 0.01, "lower") == "shown"
    with pytest.raises(ValueError, match="higher"):
        verdict_for(0.1, 0.01, "bigger")


def test_seed_bars_draw_means_spreads_and_reference_lines_from_a_stated_start():
    fig = seed_bars({"a": [0.30, 0.32, 0.34], "b": [0.40, 0.40, 0.43]}, floor=0.21, main=0.41, ystart=0)
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx([32.0, 41.0])
    assert ax.get_ylim()[0] == 0 and "from 0" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("floor" in t and "21.0" in t for t in labels) and any("main run" in t for t in labels)
    assert any(t.get_text() == "32.0 ± 2.0" for t in ax.texts)


def test_seed_bars_group_series_side_by_side_and_refuse_a_mix():
    fig = seed_bars({"stage 1": {"ssl": [0.30, 0.34], "random": [0.20, 0.22]},
                     "stage 2": {"ssl": [0.40, 0.44], "random": [0.25, 0.25]}})
    ax = fig.axes[0]
    bars = sorted((round(p.get_x() + p.get_width() / 2, 3), p.get_height()) for p in ax.patches)
    assert [h for _, h in bars] == pytest.approx([32.0, 21.0, 42.0, 25.0])  # ssl left of random in each group
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("ssl:") and labels[1].startswith("random:")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["stage 1", "stage 2"]
    with pytest.raises(ValueError, match="mixes"):
        seed_bars({"a": [0.3, 0.3], "b": {"x": [0.2, 0.2]}})


def test_verdict_prints_the_claim_difference_and_verdict(capsys):
    from sslkit.training.stats import mean_sd, verdict

    assert verdict("b beats a", [0.30, 0.31, 0.32], [0.35, 0.36, 0.37]) is None  # a cell ending with it shows one line
    # 5.0 points apart; SE = sqrt(0.01²/3 + 0.01²/3) = 0.8 points
    assert capsys.readouterr().out == "b beats a: +5.0 ± 0.8 (SE) points → shown (36.0 ± 1.0 vs 31.0 ± 1.0, mean ± sd)\n"
    assert mean_sd([0.30, 0.31, 0.32]) == "31.0 ± 1.0"
    assert mean_sd([-2.0, -2.1, -1.9], points=False) == "-2.000 ± 0.100"
    assert mean_sd([0.806]) == "80.6" and mean_sd([-2.0], points=False) == "-2.000"  # one run: no spread
    with pytest.raises(ValueError, match="at least one"):
        mean_sd([])
    verdict("uniformity falls", [-2.0, -2.1, -1.9], [-3.0, -3.1, -2.9], "lower", points=False)  # not an accuracy
    assert capsys.readouterr().out == "uniformity falls: -1.000 ± 0.082 (SE) → shown (-3.000 ± 0.100 vs -2.000 ± 0.100, mean ± sd)\n"


def test_random_init_seeds_give_one_floor_per_seed_at_the_sweep_size():
    from dataclasses import replace

    from sslkit.experiments.baselines import random_floor
    from sslkit.parts.data import load_digits
    from sslkit.experiments.sweeps import random_init_seeds
    from sslkit.parts.profiles import get_profile

    p = replace(get_profile("smoke"), sweep_width=0.0625)
    train, test = load_digits("train").balanced(per_class=10), load_digits("test").balanced(per_class=5)
    floors = random_init_seeds(train, test, seeds=(0, 1), profile=p)
    assert len(floors) == 2 and floors[0] != floors[1]  # another network per seed
    assert floors[0] == random_floor(train, test, p.sweep(), seed=0)[1]["knn"]  # the sweep size, not the main one


def test_random_init_seeds_take_a_measure_of_each_seeds_module():
    from dataclasses import replace

    from sslkit.experiments.sweeps import random_init_seeds
    from sslkit.methods import SimCLR
    from sslkit.parts.data import load_digits
    from sslkit.parts.profiles import get_profile

    p = replace(get_profile("smoke"), sweep_width=0.0625)
    train, test = load_digits("train").balanced(per_class=10), load_digits("test").balanced(per_class=5)
    first_weight = lambda module, tr, te: float(next(module.parameters()).flatten()[0])  # noqa: E731
    got = random_init_seeds(train, test, seeds=(0, 1, 0), profile=p, method_cls=SimCLR, measure=first_weight)
    assert got[0] == got[2] != got[1]  # one module per seed, built from that seed
    with pytest.raises(ValueError, match="method_cls"):
        random_init_seeds(train, test, profile=p, measure=first_weight)


def test_random_init_seeds_of_a_method_read_that_methods_features():
    from dataclasses import replace

    import torch

    from sslkit.parts.data import load_digits
    from sslkit.training.evaluate import evaluate
    from sslkit.experiments.sweeps import random_init_seeds
    from sslkit.methods import CPC
    from sslkit.parts.profiles import get_profile

    p = replace(get_profile("smoke"), sweep_width=0.0625)
    train, test = load_digits("train").balanced(per_class=10), load_digits("test").balanced(per_class=5)
    floors = random_init_seeds(train, test, seeds=(0, 1), profile=p, method_cls=CPC, steps=2)
    for seed, floor in zip((0, 1), floors):  # each seed's floor is that seed's own random patch encoder
        torch.manual_seed(seed)
        cpc = CPC(arch=p.arch, width=0.0625, num_classes=10, steps=2).eval()  # pooled codes of a random patch encoder
        assert floor == evaluate(cpc, train, test, probe=False)["knn"]
    # (two seeds' accuracies may coincide on 50 test images, 2 points a step: compare features instead)
    feats = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        feats.append(CPC(arch=p.arch, width=0.0625, num_classes=10, steps=2).eval().features(test.images[:4]))
    assert not torch.equal(*feats)


def test_verdict_of_contrast_judges_a_difference_of_differences(capsys):
    from sslkit.training.stats import verdict_of_contrast

    # first: 30 → 24 (−6.0, SE √(1²/3 + 1²/3) = 0.816); second: 30 → 28 (−2.0, same SE)
    # contrast −4.0, SE √(2 · 0.816²) = 1.155: beyond 2·SE the other way
    verdict_of_contrast("first less sensitive", ([0.29, 0.30, 0.31], [0.23, 0.24, 0.25]),
                        ([0.29, 0.30, 0.31], [0.27, 0.28, 0.29]))
    assert capsys.readouterr().out == ("first less sensitive: -4.0 ± 1.2 (SE) points → opposite at this size "
                                       "(the two changes: -6.0 ± 0.8 and -2.0 ± 0.8)\n")
    verdict_of_contrast("first less sensitive", ([0.29, 0.30, 0.31], [0.27, 0.28, 0.29]),
                        ([0.29, 0.30, 0.31], [0.23, 0.24, 0.25]))
    assert "+4.0 ± 1.2 (SE) points → shown" in capsys.readouterr().out


def test_knn_curves_place_each_point_at_the_cpu_its_run_had_spent():
    from sslkit.course.plots import knn_curves

    runs = {"A": [{"cpu_s": 240.0, "knn": 0.3}, {"cpu_s": 1200.0, "knn": 0.5}],
            "B": [{"cpu_s": 600.0, "knn": 0.4}]}
    ax = knn_curves(runs, floor=0.27).axes[0]
    a, b = ax.lines[:2]
    assert list(a.get_xdata()) == [2.0, 10.0] and list(a.get_ydata()) == [30.0, 50.0]  # CPU s / 2 cores / 60
    assert list(b.get_xdata()) == [5.0]
    assert ax.lines[2].get_ydata()[0] == pytest.approx(27.0)  # the floor
    with pytest.raises(ValueError, match="cpu_s"):  # a curve from before sslkit kept CPU seconds
        knn_curves({"C": [{"epoch": 1, "train_s": 100.0, "knn": 0.4}]})


def test_pretext_vs_features_draws_the_task_the_knn_curve_and_the_rank_per_epoch(tmp_path):
    import json

    import pandas as pd

    from sslkit.course.plots import pretext_vs_features

    pd.DataFrame({"epoch": [0, 1, 2], "train/pretext_acc": [0.1, 0.9, 0.99], "collapse/h_rank": [27.5, 20.0, 14.0],
                  "collapse/h_dim": [64, 64, 64]}).to_csv(tmp_path / "metrics.csv", index=False)
    (tmp_path / "curve.json").write_text(json.dumps([{"epoch": 1, "knn": 0.26}, {"epoch": 3, "knn": 0.21}]))
    a1, a2 = pretext_vs_features(tmp_path, floor=0.27).axes
    task, knn, floor = a1.lines
    assert list(task.get_xdata()) == [1, 2, 3] and list(task.get_ydata()) == pytest.approx([10.0, 90.0, 99.0])
    assert list(knn.get_xdata()) == [1, 3] and list(knn.get_ydata()) == pytest.approx([26.0, 21.0])
    assert floor.get_ydata()[0] == pytest.approx(27.0)
    rank, dim = a2.lines
    assert list(rank.get_ydata()) == [27.5, 20.0, 14.0] and dim.get_ydata()[0] == 64
    (tmp_path / "curve.json").unlink()  # a run without a recorded curve (smoke, live): no kNN line
    assert len(pretext_vs_features(tmp_path).axes[0].lines) == 1
    pd.DataFrame({"epoch": [0], "train/loss_epoch": [1.0]}).to_csv(tmp_path / "metrics.csv", index=False)
    with pytest.raises(ValueError, match="pretext_acc"):  # SimCLR and the others log no pretext task
        pretext_vs_features(tmp_path)
