"""The live-training estimate a notebook prints first: timed steps × the images its runs will see."""

import collections
import json
import math
from dataclasses import replace

import pytest

from sslkit.course import estimate
from sslkit.methods import BYOL
from sslkit.parts import paths
from sslkit.parts.profiles import get_profile

SMOKE = get_profile("smoke")


def test_throughput_is_measured_on_a_real_training_step():
    rate = estimate.images_per_s(BYOL, SMOKE, steps=1)
    assert math.isfinite(rate) and rate > 0


def test_minutes_are_images_over_the_throughput(monkeypatch):
    monkeypatch.setattr(estimate, "images_per_s", lambda cls, p: 100.0)
    slow, how = estimate.training_minutes("04_simclr", SMOKE)
    monkeypatch.setattr(estimate, "images_per_s", lambda cls, p: 200.0)
    assert estimate.training_minutes("04_simclr", SMOKE)[0] == pytest.approx(slow / 2)
    double = replace(SMOKE, train_per_class=2 * SMOKE.train_per_class, sweep_per_class=2 * SMOKE.sweep_per_class)
    assert estimate.training_minutes("04_simclr", double)[0] == pytest.approx(slow)  # twice the images at twice the rate
    assert "SimCLR main" in how and "sweep runs" in how
    with pytest.raises(ValueError, match="No training plan"):
        estimate.training_minutes("99_nothing", SMOKE)


COMMITTED = paths.repo_root() / "results" / "cpu-manifest.json"


@pytest.mark.skipif(not COMMITTED.is_file(), reason="no committed cpu references")
def test_each_plan_counts_the_runs_its_notebook_recorded():
    """The plans against the runs the reference command recorded for each notebook (cpu): their
    kind and epochs. 08 (fine-tunes) and 09 (size sweeps) are counted by other rules."""
    cpu = get_profile("cpu")
    recorded = collections.defaultdict(collections.Counter)
    for e in json.loads(COMMITTED.read_text())["runs"].values():
        if e["kind"] != "evaluation":
            recorded[e["notebook"]][e["kind"], e["epochs"]] += 1
    for notebook, plan in estimate._plans().items():
        if notebook in ("08_transfer", "09_scaling"):
            continue
        planned = collections.Counter()
        for cls, kind, factor, runs in plan:
            if kind in ("main", "supervised"):
                planned["main", cpu.main_run(cls.__name__.lower())["epochs"]] += runs
            elif kind == "sweep-main-size":
                planned["sweep", int(cpu.pretrain_epochs * factor)] += runs
            else:
                planned["sweep", int(cpu.sweep_epochs * factor)] += runs
        assert planned == recorded[notebook], notebook


def test_every_notebook_with_references_has_a_training_plan():
    from sslkit.course.references import NOTEBOOKS

    assert set(NOTEBOOKS) <= set(estimate._plans())


def test_deepcluster_and_swav_steps_can_be_timed():
    from sslkit.methods import DeepCluster, SwAV

    for cls in (DeepCluster, SwAV):
        assert estimate.images_per_s(cls, SMOKE, steps=1) > 0


def test_sweeps_on_the_main_data_count_the_main_images(monkeypatch):
    p = replace(SMOKE, train_per_class=40, seeds=3)  # main 400 images, sweep 200; the plan's 3 seeds
    monkeypatch.setattr(estimate, "images_per_s", lambda cls, q: 100.0)
    minutes, _ = estimate.training_minutes("06_deepcluster", p)
    main = p.pretrain_epochs * 400
    runs = estimate._plans()["06_deepcluster"][1][3]  # its sweep runs, each on the main run's 400 images
    assert minutes == pytest.approx((main + runs * p.sweep_epochs * 400) / 100 / 60)


def test_sweep_runs_are_counted_at_the_profiles_seeds(monkeypatch):
    monkeypatch.setattr(estimate, "images_per_s", lambda cls, p: 100.0)
    three = replace(SMOKE, seeds=3, train_per_class=0)  # no main-run images: only the sweeps count
    two = replace(three, seeds=2)
    assert estimate.training_minutes("05_byol", two)[0] == pytest.approx(estimate.training_minutes("05_byol", three)[0] * 2 / 3)


def test_a_flop_rate_is_the_counted_flops_at_the_assumed_speed_plus_the_step_overhead():
    from sslkit.methods import SimCLR
    from sslkit.training.flops import step_flops
    from sslkit.training.train import build
    from types import SimpleNamespace

    _, _, module = build(SimCLR, SimpleNamespace(num_classes=10), SMOKE)
    per_image = step_flops(module, batch=4)
    assert estimate.flop_rate(2.0)(SimCLR, SMOKE) == pytest.approx(2e12 / per_image, rel=1e-6)
    # an infinitely fast device is bound by its per-step overhead: batch images per step time
    assert estimate.flop_rate(1e12, 0.01)(SimCLR, SMOKE) == pytest.approx(SMOKE.batch_size / 0.01, rel=1e-3)


def test_notebook_09s_equal_compute_runs_are_counted_at_simclrs_flops():
    """Supervised training given SimCLR's training FLOPs runs 2-2.5x SimCLR's epochs at each width;
    the estimate counts those epochs, not the sweep's."""
    from sslkit.experiments import scaling
    from sslkit.methods import SimCLR, Supervised

    live = get_profile("live")
    large = scaling.scaling_profiles(live)["large"]
    sweep = scaling.main_size(large).sweep()
    n = 10 * sweep.train_per_class
    epochs = [scaling.equal_compute_epochs(Supervised, SimCLR, estimate._Images(n=n, num_classes=10), s, large)
              for s in scaling.width_sizes(live)]
    assert all(1.8 * sweep.pretrain_epochs < e < 3 * sweep.pretrain_epochs for e in epochs), epochs
    seconds = estimate._equal_compute_seconds(live, lambda cls, q, **size: 1000.0)
    assert seconds == pytest.approx(sum(epochs) * n / 1000.0)
    _, how = estimate.training_minutes("09_scaling", live, rate=lambda cls, q, **size: 1000.0)
    assert f"Supervised at SimCLR's FLOPs, {live.seeds} seeds: {live.seeds * seconds / 60:.1f} min" in how
