import pytest
import torch

from sslkit.parts import profiles
from sslkit.records.policy import LOAD
from sslkit.records.results import format_table, load_reference, load_results, reference_lines, save_result


def test_profile_by_name_and_environment(monkeypatch):
    assert profiles.get_profile("smoke").train_per_class == 20
    monkeypatch.setenv("SSLKIT_PROFILE", "CPU ")
    assert profiles.get_profile().name == "cpu"
    with pytest.raises(ValueError, match="SSLKIT_PROFILE.*smoke, cpu, live, gpu"):
        profiles.get_profile("laptop")


def test_gpu_profile_without_cuda_runs_on_cpu(monkeypatch):
    monkeypatch.setattr(profiles, "_cuda", lambda: False)
    p = profiles.get_profile("gpu")
    assert p.device == "cpu" and p.train_per_class is None
    assert p.precision == profiles.get_profile("cpu").precision  # the CPU's own fast setting
    monkeypatch.delenv("SSLKIT_PROFILE", raising=False)
    assert profiles.get_profile().name == "cpu"
    assert "profile: gpu" in profiles.describe(p) and "hardware:" in profiles.describe(p)


def test_a_gpu_runtime_gets_the_references_sizes_on_its_gpu(monkeypatch):
    """Colab: without SSLKIT_PROFILE the committed references' sizes (cpu) are used on any machine,
    evaluated on the GPU; the full-scale gpu profile only when asked for."""
    import sslkit

    monkeypatch.setattr(profiles, "_cuda", lambda: True)
    monkeypatch.setattr(profiles, "cuda_has_bf16", lambda: False)  # a T4
    p = profiles.get_profile()
    assert (p.name, p.device, p.precision) == ("cpu", "cuda", "16-mixed")
    assert p.references and p.train_per_class == profiles.PROFILES["cpu"].train_per_class
    assert profiles.get_profile("smoke").device == "cpu"  # CI's size stays on the CPU
    monkeypatch.setattr(profiles, "hardware", lambda: "GPU Tesla T4 (15 GiB)")
    line = profiles.describe(profiles.get_profile("live"))
    assert line.startswith(f"sslkit {sslkit.__version__}, profile: live (train it yourself")


def test_profiles_without_references_always_train():
    from sslkit.records.policy import TRAIN

    for name, trains in (("smoke", True), ("live", True), ("cpu", False), ("gpu", False)):
        p = profiles.get_profile(name)
        assert LOAD.trains_live(p) is trains and TRAIN.trains_live(p), name


def test_scaled_lr_follows_batch_size():
    p = profiles.get_profile("smoke")
    assert p.scaled_lr(0.1) == pytest.approx(0.1 * p.batch_size / 256)


def test_results_round_trip_and_table():
    smoke = profiles.get_profile("smoke")
    save_result("floor", {"knn": 0.25, "linear": 0.3}, mode=LOAD, profile=smoke)
    save_result("supervised", {"knn": 0.5, "linear": 0.6, "wall_s": 12.0}, mode=LOAD, profile=smoke)
    res = load_results(smoke)
    assert res["floor"]["knn"] == 0.25 and res["supervised"]["profile"] == "smoke"
    assert load_results(profiles.get_profile("cpu")) == {}
    table = format_table(res, ("knn", "linear", "wall_s"))
    assert "| floor | 25.0% | 30.0% | – |" in table and "| supervised | 50.0% | 60.0% | 12 s |" in table


def test_reference_lines_and_the_missing_baseline_hint(capsys):
    smoke = profiles.get_profile("smoke")
    assert load_reference(smoke) == {}
    assert "run notebook 00" in capsys.readouterr().out
    save_result("floor", {"knn": 0.25, "linear": 0.3}, mode=LOAD, profile=smoke)
    save_result("supervised", {"knn": 0.6}, mode=LOAD, profile=smoke)
    results = load_reference(smoke)
    assert capsys.readouterr().out == ""
    assert reference_lines(results) == {"floor (kNN)": 0.25, "supervised (kNN)": 0.6}
    assert reference_lines(results, metric="linear") == {"floor (linear)": 0.3}


def test_the_profile_is_read_when_used_not_at_import(monkeypatch):
    from sslkit.parts.data import ImageSet
    from sslkit.training.train import loaders

    monkeypatch.setenv("SSLKIT_PROFILE", "smoke")
    assert profiles.get_profile().name == "smoke"
    data = ImageSet(torch.zeros(300, 3, 4, 4, dtype=torch.uint8), torch.zeros(300, dtype=torch.long), ("x",))
    assert loaders(data, None)[0].batch_size == profiles.PROFILES["smoke"].batch_size != 128
    monkeypatch.setenv("SSLKIT_PROFILE", "cpu")  # changed after sslkit was imported
    assert profiles.get_profile().name == "cpu" and loaders(data, None)[0].batch_size == 128
    assert not hasattr(profiles, "PROFILE")  # no import-time constant that would freeze the first profile


def test_precision_follows_the_device(monkeypatch):
    monkeypatch.delenv("SSLKIT_PRECISION", raising=False)
    monkeypatch.setattr(profiles, "_cuda", lambda: True)
    monkeypatch.setattr(profiles, "cuda_has_bf16", lambda: False)  # a T4: float16 with loss scaling
    p = profiles.get_profile("gpu")
    assert p.device == "cuda" and p.precision == "16-mixed" and p.channels_last
    monkeypatch.setattr(profiles, "cuda_has_bf16", lambda: True)  # an A100 / H100
    assert profiles.get_profile("gpu").precision == "bf16-mixed"
    monkeypatch.setattr(profiles, "_cuda", lambda: False)
    monkeypatch.setattr(profiles, "cpu_has_bf16", lambda: True)
    assert profiles.get_profile("cpu").precision == "bf16-mixed"
    monkeypatch.setattr(profiles, "cpu_has_bf16", lambda: False)  # emulated bf16 would be slower
    assert profiles.get_profile("cpu").precision == "32-true"


def test_a_hand_built_profile_gets_the_device_settings():
    hand = profiles.Profile("mine", train_per_class=10, test_per_class=5)
    assert hand.precision == "auto" and hand.channels_last is None
    r = profiles.resolved(hand)
    assert r.precision in profiles.PRECISIONS and isinstance(r.channels_last, bool)
    assert profiles.resolved(r) is r


def test_precision_override_and_its_errors(monkeypatch):
    monkeypatch.setenv("SSLKIT_PRECISION", "32-true")
    assert profiles.get_profile("cpu").precision == "32-true"
    monkeypatch.setenv("SSLKIT_PRECISION", "fp8")
    with pytest.raises(ValueError, match="SSLKIT_PRECISION='fp8'.*32-true, bf16-mixed, 16-mixed"):
        profiles.get_profile("cpu")
    monkeypatch.setenv("SSLKIT_PRECISION", "16-mixed")
    monkeypatch.setattr(profiles, "_cuda", lambda: False)
    with pytest.raises(ValueError, match="needs a GPU"):
        profiles.get_profile("cpu")


def test_comparison_rows_put_this_result_among_the_others_in_course_order():
    from sslkit.records.results import comparison_rows

    refs = {"floor": {"knn": 0.2}, "simclr": {"knn": 0.4}, "swav": {"knn": 0.1}, "supervised": {"knn": 0.6}}
    rows = comparison_rows(refs, "swav", {"knn": 0.45})
    assert list(rows) == ["floor (random init)", "SimCLR (04)", "SwAV", "supervised"]
    assert rows["SwAV"] == {"knn": 0.45}  # this run's, not the reference's
    assert list(comparison_rows({}, "deepcluster", {})) == ["floor (random init)", "DeepCluster", "supervised"]


def test_narrow_cpu_networks_stay_out_of_channels_last():
    """oneDNN's channels_last kernels corrupted memory on an AVX2 CPU for 4- and 6-channel layers."""
    from sslkit.parts.backbones import resnet18
    from sslkit.parts.profiles import channels_last_safe

    assert not channels_last_safe(resnet18(width=0.0625), "cpu")  # 4 channels after the stem
    assert channels_last_safe(resnet18(width=0.125), "cpu") and channels_last_safe(resnet18(width=0.0625), "cuda")


def test_a_profile_is_a_name_a_profile_or_none_everywhere(monkeypatch):
    from dataclasses import replace

    from sslkit.parts.data import load_digits
    from sslkit.training.runs import run_dir
    from sslkit.training.train import build

    smoke = profiles.get_profile("smoke")
    assert profiles.get_profile(smoke) is smoke  # already resolved: returned as it is
    hand = replace(smoke, precision="auto", channels_last=None)  # made by hand: resolved on the way in
    assert profiles.get_profile(hand).precision in profiles.PRECISIONS and profiles.get_profile(hand).channels_last in (True, False)
    monkeypatch.setenv("SSLKIT_PROFILE", "smoke")
    assert profiles.get_profile(None) == smoke
    assert run_dir("x", profile="smoke") == run_dir("x", profile=smoke) == run_dir("x")
    assert build("SimCLR", load_digits("test"), "smoke")[0] == build("SimCLR", load_digits("test"), smoke)[0]
    with pytest.raises(TypeError, match="a name"):
        profiles.get_profile(3)


def test_retrain_trains_at_the_live_size_unless_a_profile_is_named(monkeypatch, capsys):
    from sslkit.course.setup import setup

    profile, mode = setup("04_simclr")
    assert (profile.name, mode.train) == ("cpu", False)
    profile, mode = setup("04_simclr", retrain=True)
    out = capsys.readouterr().out
    assert (profile.name, mode.train) == ("live", True)
    assert "references (profile cpu) are untouched" in out and "runs/live/" in out
    monkeypatch.setenv("SSLKIT_RETRAIN", "1")
    assert setup("04_simclr")[0].name == "live"
    assert setup("04_simclr", retrain=False)[1].train  # either the switch or the variable asks for training
    monkeypatch.setenv("SSLKIT_PROFILE", "smoke")
    assert setup("04_simclr")[0].name == "smoke"


def test_drive_outside_colab_says_what_to_do_instead():
    from sslkit.course.setup import setup

    with pytest.raises(RuntimeError, match="needs Google Colab.*SSLKIT_HOME"):
        setup("04_simclr", drive=True)


def test_setup_makes_its_profile_the_kernels_and_a_second_setup_may_change_it():
    """Library calls without a profile follow the one setup chose (a notebook passes PROFILE to
    most, not all); re-running the setup cell with RETRAIN flipped switches it back."""
    from sslkit.course.setup import setup

    assert setup("01_rotnet", retrain=True)[0].name == "live" and profiles.get_profile().name == "live"
    assert setup("01_rotnet")[0].name == "cpu" and profiles.get_profile().name == "cpu"


def test_main_runs_can_have_their_own_sizes_while_experiments_keep_the_profiles():
    live, cpu = profiles.get_profile("live"), profiles.get_profile("cpu")
    assert live.main_profile() is live  # no main sizes: the main runs are the profile's size
    main = cpu.main_profile()
    assert (main.train_per_class, main.test_per_class, main.width, main.batch_size) == (None, None, 0.125, 256)
    assert main.main_profile() is main  # idempotent: a main profile has no further main sizes
    assert main.precision == "32-true"  # pinned: every machine asks for the same runs
    assert main.main_run("simclr") == {"epochs": 50, "lr": 0.3, "temperature": 0.2}
    assert main.main_run("rotnet") == {"epochs": 20} and main.main_run("supervised") == {"epochs": 100}
    # the experiments keep the sizes their committed runs were recorded at (10,000 images at
    # width 1/4; sweep runs 2,000 images × 8 epochs at width 1/8, batch 128)
    sizes = lambda q: (q.train_per_class, q.test_per_class, q.width, q.batch_size, q.pretrain_epochs)  # noqa: E731
    assert sizes(cpu.sweep()) == (200, 500, 0.125, 128, 8)
    assert (cpu.train_per_class, cpu.width, cpu.batch_size) == (1000, 0.25, 128)
    assert "main runs: width 0.125, train all, batch 256" in profiles.describe(cpu)
    with pytest.raises(ValueError, match="Unknown profile 'cpu-full'"):
        profiles.get_profile("cpu-full")  # the staging name is gone: cpu is the full-scale profile


def test_a_method_result_is_shown_beside_the_published_numbers_and_its_compute_share():
    from types import SimpleNamespace

    from sslkit.course.setup import calibration_note

    note = calibration_note("simclr", {"knn": 0.412}, 10_000, SimpleNamespace(epochs=16), 0.25)
    assert "41.2% kNN" in note and "82.2% kNN" in note  # ours beside lightly's 200-epoch kNN number
    # 10,000 images x 16 epochs at width 1/4 against 50,000 x 200 at width 1: 1/1,000 of its compute
    assert "1/1,000" in note
    assert "no CIFAR-10" in calibration_note("rotnet", {"knn": 0.4}, 10_000, SimpleNamespace(epochs=16), 0.25)
    assert calibration_note("supervised", {"knn": 0.6}, 10_000, SimpleNamespace(epochs=15), 0.25) == ""
    assert calibration_note("simclr", {"knn": 0.4}, 10_000, None, 0.25) == ""  # no run, no compute to compare
