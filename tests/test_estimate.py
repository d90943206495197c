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
    sweeps = 7 * SMOKE.sweep_epochs * 10 * SMOKE.sweep_per_class
    assert minutes == pytest.approx((main + sweeps) / 100 / 60)
    assert seen == [(SimCLR, SMOKE.width), (SimCLR, SMOKE.sweep_width)] and "7 sweep runs" in how
    byol, _ = estimate.training_minutes("05_byol", SMOKE)  # BYOL's main run trains twice the epochs
    assert byol == pytest.approx((2 * main + sweeps) / 100 / 60)
    with pytest.raises(ValueError, match="No training plan"):
        estimate.training_minutes("99_nothing", SMOKE)
