"""Reference runs: recorded once, loaded only when their files and settings match, trained otherwise."""

import json
import os
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import torch

from sslkit import REPOSITORY, __version__
from sslkit.course import references
from sslkit.course.setup import summary
from sslkit.experiments.sweeps import sweep_run
from sslkit.methods import SimCLR, Supervised
from sslkit.parts import paths
from sslkit.parts.profiles import get_profile
from sslkit.records import manifest as reference
from sslkit.records.policy import LOAD, Mode, TRAIN, load_or_pretrain
from sslkit.records.results import load_reference, results_path, save_result
from sslkit.parts.files import file_sha256
from sslkit.training.runs import read_metrics

# a tiny profile with references (smoke has none: it always trains)
TINY = replace(get_profile("smoke"), name="tiny", pretrain_epochs=1, sweep_epochs=1, references=True)


class Modes:
    """The mode the next call runs in: record, as under the reference command, until a test
    switches to load (a reader's notebook) or train."""

    def __init__(self):
        self.now = Mode(record=True, command="python -m sslkit.course.references test --profile tiny")


@pytest.fixture
def record():
    return Modes()


def _train_simclr(data, mode, **kw):
    train, test = data
    return load_or_pretrain(SimCLR, train, test, "simclr", mode=mode, profile=TINY, progress=False, **kw)


def test_float16_weights_round_trip_and_keep_what_float16_cannot_hold():
    net = torch.nn.BatchNorm1d(3)
    net.running_var.fill_(1e6)  # beyond float16's 65504: must stay float32
    net.weight.data = torch.tensor([0.1, 1 / 3, 2.0])
    state = reference.half_state(net)
    assert state["weight"].dtype == torch.float16 and state["running_var"].dtype == torch.float32
    assert state["num_batches_tracked"].dtype == torch.int64
    other = torch.nn.BatchNorm1d(3)
    reference.load_half_state(other, state)
    assert other.weight.dtype == torch.float32
    assert torch.equal(other.weight, net.weight.half().float()) and torch.equal(other.running_var, net.running_var)
    with pytest.raises(RuntimeError, match="does not fit"):
        reference.load_half_state(torch.nn.BatchNorm1d(4), {"weight": torch.zeros(4)})


def test_a_recorded_run_is_loaded_with_its_curves_and_the_same_weights(digits_strided, record, monkeypatch, capsys):
    trained, trained_run = _train_simclr(digits_strided, record.now)
    entry = reference.load_manifest(TINY)["runs"]["simclr"]
    assert {"files", "command", "hardware", "date", "wall_time_s", "results"} <= set(entry)
    assert 0 < entry["cpu_time_s"] <= 2 * entry["wall_time_s"] + 1  # the process's CPU seconds, two cores at most
    assert entry["command"] == "python -m sslkit.course.references test --profile tiny" and entry["kind"] == "main"
    for rel, digest in entry["files"].items():  # repo-relative paths, sha256 of each file
        f = paths.references_dir().parent / rel
        assert rel.startswith("results/tiny/simclr/") and file_sha256(f) == digest
    assert "knn_float32" in entry["results"]
    record.now = LOAD
    capsys.readouterr()
    loaded, run = _train_simclr(digits_strided, record.now, verbose=True)  # where it came from, on request
    out = capsys.readouterr().out
    assert "loaded the reference run" in out and "python -m sslkit.course.references test --profile tiny" in out
    assert run.trained_now is False and run.reference["date"] == entry["date"] and trained_run.reference is None
    # the trained module continued with its float16-rounded weights: exactly what was loaded
    for (k, a), b in zip(trained.state_dict().items(), loaded.state_dict().values()):
        assert torch.equal(a.cpu(), b.cpu()), k
    assert len(read_metrics(run.run_dir)) == len(read_metrics(trained_run.run_dir)) == 1


def test_a_tampered_missing_or_other_reference_trains_live(digits_strided, record, monkeypatch, capsys):
    from sslkit.training.train import planned_settings

    _train_simclr(digits_strided, record.now)
    record.now = LOAD
    # same name, other settings: refused, and the difference named
    entry, why = reference.find("simclr", planned_settings(SimCLR, digits_strided[0], TINY, temperature=0.2)[1], TINY)
    assert entry is None and "made with other settings (hparams.temperature: 0.5 → 0.2)" in why
    # another setting is another run: no reference
    capsys.readouterr()
    _train_simclr(digits_strided, record.now, temperature=0.3)
    assert "no reference run 'simclr-temperature=0.3'" in capsys.readouterr().out
    # a file that does not match its sha256
    weights = paths.references_dir() / "tiny" / "simclr" / "weights.pt"
    data = bytearray(weights.read_bytes())
    data[-20] ^= 0xFF
    weights.write_bytes(bytes(data))
    m = _train_simclr(digits_strided, record.now)
    assert "does not match its sha256" in capsys.readouterr().out and m.report.reference is None


def test_retrain_and_the_smoke_profile_always_train(digits_strided, record, monkeypatch, capsys):
    train, test = digits_strided
    _train_simclr(digits_strided, record.now)
    record.now = LOAD
    assert _train_simclr(digits_strided, TRAIN).report.reference is None
    assert _train_simclr(digits_strided, LOAD).report.reference is not None
    smoke = load_or_pretrain(SimCLR, train, test, "simclr", mode=LOAD, profile=replace(TINY, name="smoke"), progress=False)
    assert smoke.report.reference is None
    assert "not used under the smoke profile" in summary("04_simclr", LOAD, get_profile("smoke"))


def test_a_main_run_takes_its_sizes_epochs_and_settings_from_the_profile(digits_strided):
    train, test = digits_strided
    p = replace(TINY, name="smoke", main_runs={"simclr": {"epochs": 2, "temperature": 0.3}},  # smoke: always trains
                main_sizes={"batch_size": 16})  # the main runs' own batch (the profile's is 32)
    model, run = load_or_pretrain(SimCLR, train, test, "simclr", mode=LOAD, profile=p, progress=False)
    assert run.run_dir.name == "simclr-epochs=2-temperature=0.3" and run.epochs == 2 and run.batch_size == 16
    assert model.hparams.temperature == 0.3
    # a setting passed in the call wins over the table's, and names another run
    model, run = load_or_pretrain(SimCLR, train, test, "simclr", mode=LOAD, profile=p, progress=False, epochs=1)
    assert run.run_dir.name == "simclr-temperature=0.3" and run.epochs == 1 and model.hparams.temperature == 0.3


def test_a_main_runs_knn_curve_is_recorded_with_it(digits_strided, tmp_path):
    from sslkit.training.curve import KnnCurve, read_curve
    from sslkit.training.train import pretrain

    train, test = digits_strided
    run = tmp_path / "curved"
    model, _ = pretrain(SimCLR, train, test, run, epochs=2, profile=TINY, progress=False,
                        callbacks=[KnnCurve(run, train, test, [1, 2])])
    entry = reference.record_run("curved", run, TINY, "main", command="test", module=model)
    assert any(f.endswith("curve.json") for f in entry["files"])  # hashed like the weights
    kept = read_curve(reference.artefact_dir(TINY, "curved"))
    assert [r["epoch"] for r in kept] == [1, 2] and kept == read_curve(run)


def test_sweep_runs_record_their_knn_and_curves_but_no_weights(digits_strided, record, monkeypatch):
    train, test = digits_strided
    first = sweep_run(SimCLR, train, test, "simclr-sweep", mode=record.now, profile=TINY, temperature=0.2)
    entry = reference.load_manifest(TINY)["runs"][first.name]
    assert entry["kind"] == "sweep" and entry["results"]["knn"] == first.knn
    assert not any(f.endswith("weights.pt") for f in entry["files"])
    record.now = LOAD
    again = sweep_run(SimCLR, train, test, "simclr-sweep", mode=record.now, profile=TINY, temperature=0.2)
    assert again.loaded and again.knn == first.knn
    # the same curves; a per-epoch mean of steps may differ in its last bit through the CSV
    pd.testing.assert_frame_equal(read_metrics(again.curves), read_metrics(first.curves), rtol=1e-12)


def test_sweep_measures_are_recorded_reloaded_and_a_reference_without_them_trains_again(digits_strided, record,
                                                                                         monkeypatch, capsys):
    train, test = digits_strided
    calls = []

    def n_train(model, tr, te):  # a measure that proves it saw the trained model and the data
        calls.append(type(model).__name__)
        return float(len(tr))

    first = sweep_run(SimCLR, train, test, "simclr-sweep", mode=record.now, profile=TINY, temperature=0.3, measures={"n": n_train})
    assert first.results == {"knn": first.knn, "n": float(len(train))} and calls == ["SimCLR"]
    assert reference.load_manifest(TINY)["runs"][first.name]["results"]["n"] == len(train)
    record.now = LOAD
    again = sweep_run(SimCLR, train, test, "simclr-sweep", mode=record.now, profile=TINY, temperature=0.3, measures={"n": n_train})
    assert again.loaded and again.results == first.results and calls == ["SimCLR"]  # not measured again
    other = sweep_run(SimCLR, train, test, "simclr-sweep", mode=record.now, profile=TINY, temperature=0.3, measures={"m": n_train})
    assert not other.loaded and other.results["m"] == len(train) and "its reference lacks m" in capsys.readouterr().out
    with pytest.raises(ValueError, match="another name"):
        sweep_run(SimCLR, train, test, "simclr-sweep", mode=record.now, profile=TINY, measures={"knn": n_train})


def test_notebook_results_go_to_the_run_folder_and_the_manifest_only_when_recording(digits_strided, record, monkeypatch):
    model = _train_simclr(digits_strided, record.now)
    save_result("simclr", {"knn": 0.5, "linear": 0.6}, mode=record.now, profile=TINY, run=model)
    entry = reference.load_manifest(TINY)["runs"]["simclr"]
    assert entry["result"] == "simclr" and entry["results"]["knn"] == 0.5
    record.now = LOAD
    before = reference.manifest_path(TINY).read_bytes()
    save_result("simclr", {"knn": 0.7, "linear": 0.8}, mode=record.now, profile=TINY, run=model)
    assert reference.manifest_path(TINY).read_bytes() == before  # a notebook never writes the references
    assert results_path(TINY).parent == paths.runs_dir() / "tiny"
    assert load_reference(TINY)["simclr"]["knn"] == 0.7  # the user's own number first
    results_path(TINY).unlink()
    assert load_reference(TINY)["simclr"]["knn"] == 0.5  # else the reference's


def test_a_result_is_recorded_with_its_run_whatever_the_run_is_named(digits_strided, record, capsys):
    """BYOL's main run is named byol-epochs=32 and its result "byol": the result goes to that run's
    entry, as the notebooks pass it, never to a second entry claiming the same result."""
    module, run = _train_simclr(digits_strided, record.now, epochs=2)
    assert run.run_dir.name == "simclr-epochs=2"
    save_result("simclr", {"knn": 0.5, "linear": 0.6}, mode=record.now, profile=TINY, run=run)
    entries = reference.load_manifest(TINY)["runs"]
    assert entries["simclr-epochs=2"]["results"]["knn"] == 0.5 and "simclr" not in entries
    assert [n for n, e in entries.items() if e.get("result") == "simclr"] == ["simclr-epochs=2"]
    with pytest.raises(TypeError, match="run_dir"):
        save_result("simclr", {"knn": 0.5}, mode=record.now, profile=TINY, run=module)  # the module is not the run


def test_every_committed_result_has_one_manifest_entry():
    for manifest in (Path(__file__).parents[1] / "results").glob("*-manifest.json"):
        owners: dict[str, list[str]] = {}
        for name, e in json.loads(manifest.read_text())["runs"].items():
            if e.get("result"):
                owners.setdefault(e["result"], []).append(name)
        assert not {r: n for r, n in owners.items() if len(n) > 1}, f"{manifest.name}: a result recorded twice: {owners}"


def test_the_readme_table_comes_from_the_manifest(digits_strided, record, tmp_path):
    model = _train_simclr(digits_strided, record.now)
    save_result("floor", {"knn": 0.25, "linear": 0.3}, mode=record.now, profile=TINY)
    save_result("simclr", {"knn": 0.5, "linear": 0.6}, mode=record.now, profile=TINY, run=model)
    table = references.results_table(TINY)
    assert "| random init (floor) | 25.0% | 30.0% | – |" in table and "| SimCLR | 50.0% | 60.0% | +25.0 |" in table
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{references.BEGIN}\nold\n{references.END}\noutro\n")
    assert references.write_table(readme, TINY) and not references.write_table(readme, TINY)
    block = references.readme_block(TINY)
    assert block.startswith(table) and "| 50.0% kNN (" in block  # the calibration table follows, kNN beside kNN
    assert readme.read_text() == f"intro\n{references.BEGIN}\n{block}\n{references.END}\noutro\n"
    readme.write_text("no markers")
    with pytest.raises(ValueError, match="markers"):
        references.write_table(readme, TINY)


def test_the_table_shows_a_runs_cpu_minutes_beside_its_wall_minutes_when_recorded():
    old = {"epochs": 16, "wall_time_s": 354.0}  # recorded before sslkit counted CPU seconds
    assert references.training_time(old) == "16 epochs, 5.9 min"
    shared = {"epochs": 100, "wall_time_s": 7834.0, "cpu_time_s": 7257.0}  # trained beside other work
    assert references.training_time(shared) == "100 epochs, 130.6 min (121 CPU-min)"
    assert references.training_time({"epochs": 0, "wall_time_s": 0.0}) == "–"  # the floor: nothing trained


def test_fetch_checks_every_downloaded_file(digits_strided, record, tmp_path, monkeypatch, capsys):
    _train_simclr(digits_strided, record.now)
    source = paths.references_dir().parent  # serves as the "repository" (file:// URL)
    monkeypatch.setenv("SSLKIT_REFERENCES", str(tmp_path / "fetched" / "results"))
    assert reference.fetch(TINY, source.as_uri(), names=("simclr",))
    entry = reference.load_manifest(TINY)["runs"]["simclr"]
    assert reference.check(entry) is None
    for rel in entry["files"]:
        assert (tmp_path / "fetched" / rel).read_bytes() == (source / rel).read_bytes()
    (source / next(iter(entry["files"]))).write_bytes(b"tampered")
    monkeypatch.setenv("SSLKIT_REFERENCES", str(tmp_path / "again" / "results"))
    assert not reference.fetch(TINY, source.as_uri(), names=("simclr",))
    assert "does not match its sha256" in capsys.readouterr().out
    assert not [f for f in (tmp_path / "again").rglob("*") if f.is_file() and f.suffix != ".json"]  # nothing half-kept


def test_a_pip_install_fetches_once_and_trains_live_when_offline(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(paths, "in_checkout", lambda: False)
    monkeypatch.setattr(reference, "_UNFETCHABLE", set())
    monkeypatch.setenv("SSLKIT_REFERENCE_URL", (tmp_path / "nowhere").as_uri())
    assert reference.load_manifest(TINY) == {"runs": {}}
    assert reference.load_manifest(TINY) == {"runs": {}}
    assert capsys.readouterr().out.count("could not be fetched") == 1


def test_the_readme_table_is_the_committed_manifest(monkeypatch):
    readme = (paths.repo_root() / "README.md").read_text()
    monkeypatch.delenv("SSLKIT_REFERENCES")  # the repository's own references
    table = references.readme_block(get_profile("cpu"))
    assert f"{references.BEGIN}\n{table}\n{references.END}" in readme, \
        "README's table is stale: python -m sslkit.course.references table --profile cpu --write"


def test_every_committed_main_result_has_a_row_in_the_readme_table(monkeypatch):
    monkeypatch.delenv("SSLKIT_REFERENCES")
    results = {e["result"] for e in reference.load_manifest(get_profile("cpu"))["runs"].values() if e.get("result")}
    assert results <= {key for key, _ in references.TABLE_ROWS}, "add the new method to references.TABLE_ROWS"


def test_notebooks_take_the_repository_address_and_version_from_one_place():
    """Every notebook's install cell is the same and installs the package's own version from the
    repository sslkit names; the badge opens the same repository."""
    pyproject = (paths.repo_root() / "pyproject.toml").read_text()
    assert f'Homepage = "{REPOSITORY}"' in pyproject and f'version = "{__version__}"' in pyproject
    slug = REPOSITORY.removeprefix("https://github.com/")
    cells = set()
    for py in sorted((paths.repo_root() / "notebooks").glob("[0-9]*.py")):
        text = py.read_text()
        assert f"colab.research.google.com/github/{slug}/blob/main/notebooks/{py.stem}.ipynb" in text, py.name
        assert f'"git+{REPOSITORY}@v{__version__}"' in text, py.name
        assert f'setup("{py.stem}", retrain=RETRAIN, drive=DRIVE)' in text, py.name
        cells.add(_install_cell(py))
        named = set(re.findall(r"github(?:\.com)?/([\w.-]+/[\w.-]+?)(?:/|\"|\.git|$)", text, re.M))
        assert named == {slug}, f"{py.name} names another repository: {named}"
    assert len(cells) == 1, "the notebooks' install cells differ: keep them identical"


COMMITTED = paths.repo_root() / "results" / "cpu-manifest.json"


def _main_calls(cpu):
    """The notebooks' calls of every committed main run (00 supervised, 01–07), by run name: each
    asks only for its stem, the profile's main-run table gives the rest."""
    from sslkit.experiments.baselines import supervised_settings
    from sslkit.methods import BYOL, CPC, DeepCluster, Jigsaw, RotNet, SwAV

    return {"supervised": (Supervised, {"name": "supervised", **supervised_settings(cpu)}),
            "rotnet-epochs=20": (RotNet, {}), "jigsaw": (Jigsaw, {}),
            "cpc-epochs=16-first_step=3": (CPC, {}),
            "simclr-lr=0.3-temperature=0.2": (SimCLR, {}), "byol-epochs=31": (BYOL, {}),
            "deepcluster-epochs=70": (DeepCluster, {}), "swav-epochs=29": (SwAV, {})}


# scored again in full (about 30 s each on one CPU thread: 60,000 images at width 1/8): a plain
# backbone trained with labels, SwAV's (multi-crop), and the random-init floor; every main run is
# loaded (verified) by the test below. `make notebooks` scores them all
SCORED = ("supervised", "swav-epochs=29", "floor")
needs_cpu_references = [
    pytest.mark.skipif(not COMMITTED.is_file(), reason="no committed cpu references"),
    pytest.mark.skipif(not os.environ.get("SSLKIT_DATA"), reason="needs CIFAR-10 offline (SSLKIT_DATA; CI sets it)")]


def _never_train(monkeypatch, capsys):
    """A committed reference that did not load would train for an hour here: fail at once instead."""
    from sslkit.records import policy

    monkeypatch.setattr(policy, "pretrain", lambda *a, **k: pytest.fail(f"it would train: {capsys.readouterr().out}"))


@pytest.fixture(scope="module")
def cpu_data():
    """The cpu profile's main-run CIFAR-10 sets (every train and test image), decoded once for the
    module (from the checkout's data cache)."""
    from sslkit.parts.data import cifar10

    return cifar10(get_profile("cpu").main_profile())


@pytest.mark.parametrize("name", SCORED)
@needs_cpu_references[0]
@needs_cpu_references[1]
def test_committed_references_reproduce_the_knn_in_their_manifest(name, cpu_data, monkeypatch, capsys):
    from sslkit.experiments.baselines import random_floor
    from sslkit.training.evaluate import evaluate

    monkeypatch.delenv("SSLKIT_REFERENCES")
    _never_train(monkeypatch, capsys)
    cpu = get_profile("cpu")
    manifest = reference.load_manifest(cpu)["runs"]
    train, test = cpu_data
    if name == "floor":
        knn = random_floor(train, test, cpu.main_profile())[1]["knn"]
    else:
        cls, kw = _main_calls(cpu)[name]
        model, run = load_or_pretrain(cls, train, test, name.split("-")[0], mode=LOAD, profile=cpu, **kw)
        assert run.reference is not None, capsys.readouterr().out  # loaded, not trained
        knn = evaluate(model, train, test, probe=False)["knn"]
    # exact on the machine that made them; another CPU's kernels may move a few of 5,000 votes, and
    # one without native bf16 extracts features in float32 where the references were scored in bf16
    # (measured on a 2-core AMD EPYC without AVX512: at most 10 of 5,000 votes, 0.2 points)
    same = ("native bf16" in reference.hardware()) == ("native bf16" in manifest[name]["hardware"])
    assert abs(knn - manifest[name]["results"]["knn"]) <= (0.002 if same else 0.004)


@needs_cpu_references[0]
@needs_cpu_references[1]
def test_every_committed_main_reference_loads_through_the_notebooks_path(cpu_data, monkeypatch, capsys):
    monkeypatch.delenv("SSLKIT_REFERENCES")
    _never_train(monkeypatch, capsys)
    cpu = get_profile("cpu")
    calls = _main_calls(cpu)
    mains = {n for n, e in reference.load_manifest(cpu)["runs"].items() if e["kind"] == "main"}
    assert mains == set(calls), "a main reference run without a call here (or the other way round)"
    for name, (cls, kw) in calls.items():
        run = load_or_pretrain(cls, *cpu_data, name.split("-")[0], mode=LOAD, profile=cpu, **kw).report
        assert run.reference is not None, capsys.readouterr().out  # verified and loaded, not trained


def test_sweep_seeds_train_one_run_per_seed_and_seed_0_is_the_plain_run(digits_strided):
    from sslkit.experiments.sweeps import sweep_seeds

    train, test = digits_strided
    accs = sweep_seeds(SimCLR, train, test, "simclr-sweep", mode=LOAD, seeds=(0, 1), profile=TINY)
    assert len(accs) == 2 and all(0 <= a <= 1 for a in accs)
    names = sorted(d.name for d in (paths.runs_dir() / "tiny").iterdir())
    assert names == ["simclr-sweep", "simclr-sweep-seed=1"]


def test_prune_removes_the_references_no_notebook_asked_for(digits_strided, record, monkeypatch, tmp_path):
    train, test = digits_strided
    kept = sweep_run(SimCLR, train, test, "simclr-sweep", mode=record.now, profile=TINY, temperature=0.2)
    dropped = sweep_run(SimCLR, train, test, "simclr-sweep", mode=record.now, profile=TINY, temperature=0.7)
    used = tmp_path / "used"
    record.now = replace(record.now, used=used)
    again = sweep_run(SimCLR, train, test, "simclr-sweep", mode=record.now, profile=TINY, temperature=0.2)  # a later `all` asks for one
    assert again.loaded and used.read_text().split() == [kept.name]
    assert reference.prune(TINY, set(used.read_text().split())) == [dropped.name]
    assert list(reference.load_manifest(TINY)["runs"]) == [kept.name]
    assert not reference.artefact_dir(TINY, dropped.name).exists() and reference.artefact_dir(TINY, kept.name).is_dir()
    assert reference.check(reference.load_manifest(TINY)["runs"][kept.name]) is None


def _record_many(prefix: str, n: int) -> None:
    from sslkit.parts.profiles import get_profile
    from sslkit.records.manifest import _update_manifest

    for i in range(n):
        _update_manifest(get_profile("smoke"), f"{prefix}-{i}", {"kind": "sweep", "results": {"knn": i / n}})


def test_two_processes_recording_at_once_keep_every_entry():
    """Two recording processes (one per core) update the manifest under its lock: none of the
    read-modify-writes loses the other's entries."""
    from harness import in_two_processes

    from sslkit.parts.profiles import get_profile
    from sslkit.records.manifest import load_manifest

    in_two_processes(_record_many, 60)
    assert len(load_manifest(get_profile("smoke"))["runs"]) == 120


def test_the_reference_command_runs_a_notebook_again_after_a_cell_timeout(monkeypatch, capsys):
    from nbclient.exceptions import CellTimeoutError

    calls = []

    def run(notebook, profile, retrain, timeout, used=None):
        calls.append(timeout)
        if len(calls) == 1:
            raise CellTimeoutError("hung")
        return 1.0

    monkeypatch.setattr(references, "run_notebook", run)
    assert references._run_with_one_retry("00_data_and_baselines", get_profile("smoke"), False) == 1.0
    assert calls == [references.SMOKE_CELL_TIMEOUT_S] * 2 and "running the notebook once more" in capsys.readouterr().out
    monkeypatch.setattr(references, "run_notebook", lambda *a: (_ for _ in ()).throw(CellTimeoutError("hung")))
    with pytest.raises(TimeoutError):  # twice: a real failure, not retried for ever
        references._run_with_one_retry("00_data_and_baselines", get_profile("smoke"), False)


def test_a_notebook_reads_retrain_from_the_environment_and_takes_a_record_mode_explicitly(monkeypatch, tmp_path):
    from sslkit.course.setup import mode_from_env, setup

    assert mode_from_env() == LOAD
    monkeypatch.setenv("SSLKIT_RETRAIN", "yes")
    assert mode_from_env() == TRAIN
    record = Mode(record=True, command="python -m x", notebook="04_simclr", used=tmp_path / "used")
    profile, mode = setup("04_simclr", profile="smoke", mode=record)  # what the reference command runs in the kernel
    assert mode is record and profile.name == "smoke" and get_profile().name == "smoke"
    with pytest.raises(TypeError, match="mode"):  # a library call names its mode
        load_or_pretrain(SimCLR, None, None, "simclr")


def test_a_sweep_run_at_the_main_size_trains_the_main_epochs(digits_strided):
    from sslkit.training.runs import wall_time

    train, test = digits_strided
    p = replace(TINY, pretrain_epochs=2, sweep_epochs=1)
    small = sweep_run(SimCLR, train, test, "s", mode=LOAD, profile=p)
    main = sweep_run(SimCLR, train, test, "s-main", mode=LOAD, profile=p, size="main")  # a stem of its own
    assert wall_time(small.curves)["epochs"] == 1 and wall_time(main.curves)["epochs"] == 2
    with pytest.raises(ValueError, match="'sweep'.*'main'"):
        sweep_run(SimCLR, train, test, "s", mode=LOAD, profile=p, size="large")


def _install_cell(py=paths.repo_root() / "notebooks" / "04_simclr.py") -> str:
    """A notebook's first code cell, from its RETRAIN switch to the next cell."""
    text = py.read_text()
    start = text.index("RETRAIN = False  #")
    return text[start:text.index("# %%", start)]


@pytest.mark.parametrize("installed", [False, True])
def test_the_install_cell_installs_the_pinned_release_only_where_sslkit_is_missing(installed, monkeypatch):
    """pip itself is stubbed (no network, and no install into the test's environment): on a fresh
    runtime the cell hands pip the release these notebooks were written for; where sslkit is
    importable it runs nothing."""
    import importlib.util
    import subprocess

    calls = []
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object() if installed else None)
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append((cmd, kw)) or subprocess.CompletedProcess(cmd, 0))
    exec(_install_cell(), {})
    if installed:
        assert calls == []
    else:
        (cmd, kw), = calls
        assert cmd[-1] == f"git+{REPOSITORY}@v{__version__}" and cmd[1:4] == ["-m", "pip", "install"] and kw["check"]


@needs_cpu_references[0]
@needs_cpu_references[1]
def test_on_a_gpu_runtime_every_notebook_loads_its_references_and_says_the_device(cpu_data, monkeypatch, capsys):
    """Colab with a T4, mocked (no CUDA here): each notebook's setup picks the references' profile
    on the GPU and says so, and every main run a notebook asks for loads under that profile's
    settings (verified, never trained). The move to the GPU itself is
    test_a_loaded_reference_is_moved_to_the_profiles_device's."""

    from sslkit.course.references import NOTEBOOKS
    from sslkit.course.setup import setup
    from sslkit.parts import profiles

    monkeypatch.delenv("SSLKIT_REFERENCES")
    monkeypatch.delenv("SSLKIT_PROFILE", raising=False)
    monkeypatch.delenv("SSLKIT_RETRAIN", raising=False)
    monkeypatch.setattr(profiles, "_cuda", lambda: True)
    monkeypatch.setattr(profiles, "cuda_has_bf16", lambda: False)  # a T4
    monkeypatch.setattr(profiles, "hardware", lambda: "GPU Tesla T4 (15 GiB), CUDA (mocked)")
    _never_train(monkeypatch, capsys)
    for notebook in NOTEBOOKS:
        profile, mode = setup(notebook)
        out = capsys.readouterr().out
        assert (profile.name, profile.device, mode.train) == ("cpu", "cuda", False), notebook
        assert "Tesla T4" in out and "reference runs:" in out and "trains here" not in out, (notebook, out)
    # the T4 profile's settings (its float16 precision included), on the device this machine has
    on_this_machine = replace(profile, device="cpu")
    for name, (cls, kw) in _main_calls(profile).items():
        run = load_or_pretrain(cls, *cpu_data, name.split("-")[0], mode=mode, profile=on_this_machine, **kw)
        assert run.report.reference is not None, capsys.readouterr().out  # loaded, not trained


@pytest.mark.parametrize("device", [
    "meta",  # a device every machine has: a real move (the weights' values are dropped), so this runs anywhere
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")),
])
def test_a_loaded_reference_is_moved_to_the_profiles_device(digits_strided, record, device):
    """A reference loads into a module built on the CPU, then moves, buffers included, to the
    device of the profile it is loaded under (a GPU on Colab: the references were recorded on a CPU)."""
    train, test = digits_strided
    _train_simclr(digits_strided, record.now)
    model, run = load_or_pretrain(SimCLR, train, test, "simclr", mode=LOAD, profile=replace(TINY, device=device),
                                  progress=False)
    assert run.reference is not None  # loaded, not trained
    assert {t.device.type for t in (*model.parameters(), *model.buffers())} == {device}
