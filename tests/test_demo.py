import os

import pytest

from sslkit.course import demo
from sslkit.parts.profiles import get_profile
from sslkit.records.results import load_results


def test_demo_runs_to_the_end_and_prints_the_table(digits_20_per_class, monkeypatch, capsys, tmp_path):
    # digits stand in for CIFAR-10, which needs SSLKIT_DATA or the internet
    monkeypatch.setattr(demo, "cifar10", lambda p: digits_20_per_class)
    results = demo.main(["--profile", "smoke"])
    out = capsys.readouterr().out
    assert "| floor (random init) |" in out and "| SimCLR |" in out and "| supervised |" in out
    assert set(results) == {"floor (random init)", "SimCLR", "supervised"}
    assert set(load_results(get_profile("smoke"))) >= {"floor", "simclr", "supervised"}
    # a second run reloads both finished runs instead of training again
    demo.main(["--profile", "smoke"])
    assert capsys.readouterr().out.count("reloading it") == 2


@pytest.mark.skipif(not os.environ.get("SSLKIT_DATA"), reason="needs CIFAR-10 offline (SSLKIT_DATA; CI sets it)")
def test_the_default_demo_loads_the_references_and_trains_nothing(monkeypatch, capsys, checkout_data):
    def no_training(*args, **kwargs):
        raise AssertionError("the default demo trained a run instead of loading its reference")

    monkeypatch.setattr("sslkit.records.policy.pretrain", no_training)
    monkeypatch.delenv("SSLKIT_REFERENCES")  # the repository's committed references
    results = demo.main([])
    out = capsys.readouterr().out
    assert out.count("loaded the reference run (sha256 checked)") == 2 and "profile: cpu" in out
    assert results["SimCLR"]["knn"] > results["floor (random init)"]["knn"] + 0.05
    for plot in ("accuracy.png", "augmentations.png", "embedding_simclr.png", "training_curves.png"):
        assert plot in out
