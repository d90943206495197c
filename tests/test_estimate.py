"""The live-training estimate a notebook prints first: timed steps × the images its runs will see."""

import math

import pytest

from sslkit import estimate
from sslkit.methods import BYOL, SimCLR
from sslkit.profiles import get_profile

SMOKE = get_profile("smoke")


def test_throughput_is_measured_on_a_real_training_step():
    rate = estimate.images_per_s(BYOL, SMOKE, steps=1)
    assert math.isfinite(rate) and rate > 0


def test_minutes_are_the_planned_images_over_the_throughput(monkeypatch):
    seen = []
    monkeypatch.setattr(estimate, "images_per_s", lambda cls, p: seen.append((cls, p.width)) or 100.0)
    minutes, how = estimate.training_minutes("04_simclr", SMOKE)
    main = SMOKE.pretrain_epochs * 10 * SMOKE.train_per_class
    sweep = 10 * SMOKE.sweep_per_class  # images per sweep epoch
    # 21 sweep runs at the sweep epochs, 3 at 17/8 and 3 at 35/8 of them (the fixed-steps batch runs)
    sweeps = sweep * (21 * SMOKE.sweep_epochs + 3 * int(2.125 * SMOKE.sweep_epochs) + 3 * int(4.375 * SMOKE.sweep_epochs))
    assert minutes == pytest.approx((main + sweeps) / 100 / 60)
    assert seen[:2] == [(SimCLR, SMOKE.width), (SimCLR, SMOKE.sweep_width)] and "21 sweep runs" in how
    byol, _ = estimate.training_minutes("05_byol", SMOKE)  # BYOL: twice the epochs, sweeps four times
    assert byol == pytest.approx((2 * main + 21 * 4 * SMOKE.sweep_epochs * sweep) / 100 / 60)
    with pytest.raises(ValueError, match="No training plan"):
        estimate.training_minutes("99_nothing", SMOKE)


def test_every_notebook_with_references_has_a_training_plan():
    from sslkit.reference import NOTEBOOKS

    assert set(NOTEBOOKS) <= set(estimate._plans())


def test_deepcluster_and_swav_steps_can_be_timed():
    from sslkit.methods import DeepCluster, SwAV

    for cls in (DeepCluster, SwAV):
        assert estimate.images_per_s(cls, SMOKE, steps=1) > 0


def test_sweeps_on_the_main_data_count_the_main_images(monkeypatch):
    from dataclasses import replace

    p = replace(SMOKE, train_per_class=40)  # main 400 images, sweep 200
    monkeypatch.setattr(estimate, "images_per_s", lambda cls, q: 100.0)
    minutes, _ = estimate.training_minutes("06_deepcluster", p)
    main = p.pretrain_epochs * 400
    assert minutes == pytest.approx((main + 18 * p.sweep_epochs * 400) / 100 / 60)
