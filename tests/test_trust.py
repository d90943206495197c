"""Loading can never be turned against the user: one verified path for every recorded run,
checkpoints that know they are whole, a content-keyed data cache, and errors that name the fix.
Grouped by guarantee (the sections below); docs/reliability.md states each one for users."""

import json
import os
import urllib.request
from dataclasses import replace

import pytest
import torch
from harness import in_two_processes, same_weights, train_in_subprocess

from sslkit.methods import SimCLR, SwAV, method_class
from sslkit.parts import paths
from sslkit.parts.files import file_sha256
from sslkit.parts import data as D
from sslkit.parts.profiles import get_profile
from sslkit.records import manifest as reference
from sslkit.records import pretrained
from sslkit.records.manifest import ManifestError, UnverifiedRun
from sslkit.records.policy import Mode, load_or_pretrain
from sslkit.training.runs import wall_time
from sslkit.training.train import pretrain

TINY = replace(get_profile("smoke"), name="tiny", pretrain_epochs=1, sweep_epochs=1, references=True)
SMOKE = get_profile("smoke")


RECORD = Mode(record=True, command="python -m sslkit.course.references test --profile tiny")


@pytest.fixture
def recorded(digits_strided, monkeypatch):
    """A SimCLR main run recorded as a reference of profile "tiny" (weights, run.json, metrics)."""
    model, _ = load_or_pretrain(SimCLR, *digits_strided, "simclr", mode=RECORD, profile=TINY, progress=False)
    return model, paths.references_dir() / "tiny" / "simclr"


def _run_folder(tmp_path, method, hparams, weights=None):
    folder = tmp_path / "handed" / "tiny" / "run"
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"method": method, "hparams": hparams}))
    torch.save(weights if weights is not None else {}, folder / "weights.pt")
    return folder


# ----------------------------------------------------------------------------- a run folder never chooses code

def test_a_run_json_naming_any_callable_runs_nothing_and_deletes_nothing(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    folder = _run_folder(tmp_path, "sslkit.training.runs.claim", {"run_dir": str(victim), "settings": {}, "overwrite": True})
    with pytest.raises(UnverifiedRun, match="allow_unverified"):
        pretrained.load_method(folder)  # in no manifest: refused before anything is read
    with pytest.raises(ValueError, match="never chooses which code runs"):
        pretrained.load_method(folder, allow_unverified=True)
    assert (victim / "keep.txt").read_text() == "precious"
    for name in ("os.system", "builtins.eval", "sslkit.methods.base.Method", "Method"):
        with pytest.raises(ValueError, match="Unknown method"):
            method_class(name)


def test_recorded_settings_are_checked_against_the_constructor(tmp_path):
    model = SimCLR(width=0.125, proj_hidden=16, proj_dim=8)
    state = reference.half_state(model)
    bad = {**dict(model.hparams), "run_dir": "/tmp/x"}
    with pytest.raises(ValueError, match="takes no setting 'run_dir'"):
        pretrained.load_method(_run_folder(tmp_path / "a", "SimCLR", bad, state), allow_unverified=True)
    bad = {**dict(model.hparams), "temperature": "0.5"}
    with pytest.raises(ValueError, match="'temperature' must be like its default"):
        pretrained.load_method(_run_folder(tmp_path / "b", "sslkit.methods.simclr.SimCLR", bad, state),
                               allow_unverified=True)
    ok = pretrained.load_method(_run_folder(tmp_path / "c", "sslkit.methods.simclr.SimCLR", dict(model.hparams), state),
                                allow_unverified=True)
    assert isinstance(ok, SimCLR)


def test_no_module_lookup_on_a_name_read_from_a_file():
    import pathlib
    import re

    src = "\n".join(p.read_text() for p in pathlib.Path(pretrained.__file__).parent.rglob("*.py"))
    assert not re.search(r"import_module\(", src)
    assert not re.search(r"getattr\([^)]*(made|settings|entry|record)\[", src)


# ----------------------------------------------------------------------------- every load is verified

def test_a_copied_folder_is_checked_against_sslkits_manifest_not_one_that_came_with_it(recorded, tmp_path):
    import shutil

    _, folder = recorded
    copy = tmp_path / "download" / "tiny" / "simclr"
    shutil.copytree(folder, copy)
    assert pretrained.load_backbone(copy).settings["width"] == TINY.width  # an intact copy: verified, loads
    state = {k: v * 0.5 if v.is_floating_point() else v for k, v in torch.load(copy / "weights.pt").items()}
    torch.save(state, copy / "weights.pt")
    forged = {"runs": {"simclr": {"files": {f"results/tiny/simclr/{f.name}": file_sha256(f)
                                            for f in copy.iterdir()}, "settings": "results/tiny/simclr/run.json"}}}
    (copy.parent.parent / "tiny-manifest.json").write_text(json.dumps(forged))  # a manifest that came with it
    with pytest.raises(UnverifiedRun, match="weights.pt does not match"):
        pretrained.load_backbone(copy)


def test_flipped_rescaled_or_edited_files_of_a_reference_are_refused(recorded):
    _, folder = recorded
    net = pretrained.load_backbone("simclr", TINY)  # intact: loads
    assert net.settings["width"] == TINY.width and reference.verified("simclr", TINY).settings["hparams"]["temperature"] == 0.5
    weights = folder / "weights.pt"
    good = weights.read_bytes()
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0xFF
    weights.write_bytes(bytes(flipped))
    with pytest.raises(UnverifiedRun, match="weights.pt does not match its sha256"):
        pretrained.load_backbone("simclr", TINY)
    with pytest.raises(UnverifiedRun, match="does not match"):
        pretrained.load_backbone(folder)  # by folder: the same check
    weights.write_bytes(good)
    halved = {k: v * 0.5 if v.is_floating_point() else v for k, v in torch.load(weights, weights_only=True).items()}
    torch.save(halved, weights)
    with pytest.raises(UnverifiedRun):
        pretrained.load_method("simclr", TINY)
    weights.write_bytes(good)
    run_json = folder / "run.json"
    made = json.loads(run_json.read_text())
    made["hparams"]["temperature"] = 0.1
    run_json.write_text(json.dumps(made))
    with pytest.raises(UnverifiedRun, match="run.json does not match"):
        pretrained.load_method("simclr", TINY)


# ----------------------------------------------------------------------------- the data cache follows content

def test_a_same_size_image_with_its_old_mtime_is_not_served_stale(tmp_path):
    from torchvision.io import write_png

    root = tmp_path / "cifar"
    g = torch.Generator().manual_seed(0)
    for split in ("train", "test"):
        for c in ("cat", "dog"):
            (root / split / c).mkdir(parents=True)
            for i in range(2):
                img = torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8, generator=g)
                write_png(img, str(root / split / c / f"{i}.png"), compression_level=0)
    with pytest.warns(UserWarning):
        before = D.load_cifar10("test", root)
    f = root / "test" / "dog" / "1.png"
    st = f.stat()
    write_png(torch.full((3, 32, 32), 7, dtype=torch.uint8), str(f), compression_level=0)
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert f.stat().st_size == st.st_size and f.stat().st_mtime_ns == st.st_mtime_ns  # only the bytes differ
    with pytest.warns(UserWarning):
        after = D.load_cifar10("test", root)
    assert (after.images[3] == 7).all() and not torch.equal(after.images, before.images)


# ----------------------------------------------------------------------------- checkpoints and resume

# A checkpoint whose bytes no longer match its sha256 is skipped, and the resumed run ends with the
# same weights: tests/test_runs.py::test_a_torn_or_altered_last_ckpt_is_skipped_and_the_resumed_run_ends_the_same


def test_swav_with_its_queue_resumes_bit_for_bit(tmp_path):
    kw = "dict(queue_size=64, queue_start_epoch=1, n_prototypes=10, proj_hidden=32, proj_dim=16, n_local=2)"
    # the queue starts in epoch 1 (full after its first step); the kill falls in epoch 2, which must
    # resume with the queue its checkpoint saved
    proc, straight = train_in_subprocess(tmp_path, "straight", 3, method="SwAV", kw=kw)
    assert proc.returncode == 0, proc.stderr[-2000:]
    proc, _ = train_in_subprocess(tmp_path, "run", 3, kill_epoch=2, kill_batch=1, method="SwAV", kw=kw)
    assert proc.returncode == -9
    proc, out = train_in_subprocess(tmp_path, "run", 3, method="SwAV", kw=kw)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert same_weights(torch.load(out, weights_only=True), torch.load(straight, weights_only=True))


def test_each_epoch_records_its_threads_and_a_resume_on_other_threads_says_so(tmp_path):
    proc, _ = train_in_subprocess(tmp_path, "run", 4, kill_epoch=2, kill_batch=0, threads="1")
    assert proc.returncode == -9
    proc, _ = train_in_subprocess(tmp_path, "run", 4, threads="2")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert wall_time(tmp_path / "run")["threads"] == {"0": 1, "1": 1, "2": 2, "3": 2}
    assert "resumed on 2 thread(s) where epoch 1 ran on 1" in proc.stdout


# ----------------------------------------------------------------------------- the public boundary: inputs and settings

def test_encoders_refuse_uint8_and_0_255_floats(images):
    from sslkit.parts.backbones import resnet18

    net = resnet18(width=0.125).eval()
    with pytest.raises(ValueError, match="uint8"):
        net((images * 255).to(torch.uint8))
    with pytest.raises(ValueError, match="0-255 pixels: divide by 255"):
        net(images * 255)
    with pytest.raises(ValueError, match="normalized"):
        net((images - 0.5) / 0.25)
    module = SimCLR(width=0.125).eval()
    with pytest.raises(ValueError, match="divide by 255"):
        module.features(images * 255)
    assert module.features((images * 255).to(torch.uint8)).shape == (16, module.backbone.feature_dim)


@pytest.mark.parametrize("kw,match", [(dict(batch_size=0), "batch_size must be"), (dict(batch_size=1), "at least two"),
                                      (dict(epochs=0), "epochs must be"), (dict(epochs=-1), "epochs must be"),
                                      (dict(temperature=-1.0), "temperature must be"),
                                      (dict(temperature=0.0), "temperature must be")])
def test_pretrain_refuses_bad_sizes_and_settings_naming_the_range(digits_strided, tmp_path, kw, match):
    with pytest.raises(ValueError, match=match):
        pretrain(SimCLR, digits_strided[0], None, tmp_path / "run", profile=SMOKE, progress=False, **kw)
    assert not (tmp_path / "run" / "checkpoints").exists()


def test_losses_and_methods_refuse_a_non_positive_temperature_or_eps():
    from sslkit.parts.losses import nt_xent, swav_loss

    z = torch.randn(4, 8)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        nt_xent(z, z, 0.0)
    with pytest.raises(ValueError, match="eps must be > 0"):
        swav_loss([torch.randn(4, 5)] * 2, eps=0.0)
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        SwAV(eps=-0.05)


def test_encoders_given_a_wrong_layout_or_type_name_the_fix(images):
    from sslkit.parts.backbones import resnet18

    net = resnet18(width=0.125).eval()
    with pytest.raises(ValueError, match=r"permute\(0, 3, 1, 2\)"):
        net(images.permute(0, 2, 3, 1))
    with pytest.raises(TypeError, match=r"x.float\(\)"):
        net(images.double())
    with pytest.raises(TypeError, match="torch.from_numpy"):
        net(images.numpy())
    with pytest.raises(ValueError, match="batch axis"):
        net(images[0])


def test_evaluate_names_the_type_it_takes(images):
    from sslkit.training.evaluate import evaluate

    with pytest.raises(TypeError, match="ImageSet"):
        evaluate(SimCLR(width=0.125), images, images)


def test_a_method_given_by_name_is_found_in_the_table_and_a_wrong_one_listed(digits_strided, tmp_path):
    m, _ = pretrain("simclr", digits_strided[0], None, tmp_path / "run", profile=SMOKE, epochs=1, progress=False,
                    proj_hidden=16, proj_dim=8)
    assert isinstance(m, SimCLR)
    with pytest.raises(ValueError, match="SimCLR"):
        pretrain("simclrr", digits_strided[0], None, tmp_path / "r2", profile=SMOKE, progress=False)
    with pytest.raises(TypeError, match="method class"):
        pretrain(42, digits_strided[0], None, tmp_path / "r3", profile=SMOKE, progress=False)


def test_a_payload_in_weights_pt_never_runs_and_the_error_never_suggests_weights_only_false(tmp_path):
    marker = tmp_path / "pwned"

    class RunsCode:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    model = SimCLR(width=0.125, proj_hidden=16, proj_dim=8)
    folder = _run_folder(tmp_path, "SimCLR", dict(model.hparams), {"x": RunsCode()})
    with pytest.raises(UnverifiedRun) as err:
        pretrained.load_backbone(folder, allow_unverified=True)
    assert not marker.exists()
    msg = str(err.value)
    assert "do not load it with weights_only=False" in msg and "will likely succeed" not in msg


# ----------------------------------------------------------------------------- concurrent recording

def _add_results(prefix: str, n: int) -> None:
    from sslkit.parts.profiles import get_profile
    from sslkit.records.manifest import record_results

    for i in range(n):
        record_results("shared", {f"{prefix}-{i}": i}, get_profile("smoke"), command="test")


def test_two_processes_adding_results_to_one_run_keep_every_key():
    in_two_processes(_add_results, 60)
    assert len(reference.load_manifest(get_profile("smoke"))["runs"]["shared"]["results"]) == 120


def test_a_re_recorded_number_that_moves_is_said(capsys):
    from sslkit.records.manifest import record_results

    smoke = get_profile("smoke")
    record_results("moving", {"knn": 0.253, "linear": 0.273}, smoke, command="test")
    record_results("moving", {"knn": 0.2532, "linear": 0.273}, smoke, command="test")  # 0.02 points: quiet
    assert "moved" not in capsys.readouterr().out
    record_results("moving", {"knn": 0.2532, "linear": 0.275}, smoke, command="test")
    out = capsys.readouterr().out
    assert "moving: re-recorded results moved: linear 27.3% → 27.5%" in out and "knn" not in out
    assert "re-execute every notebook" in out
    assert reference.load_manifest(smoke)["runs"]["moving"]["results"]["linear"] == 0.275


def test_re_recording_an_evaluation_stamps_it_again_and_a_run_keeps_its_training_stamp(monkeypatch):
    """The floor has no run: its entry is its results. Re-recorded at another size or on another
    machine, its date, hardware and command must say where the new numbers came from (at the
    full-scale switch the floor's entry kept 2026-11-29, native bf16 and a module since renamed)."""
    from sslkit.records import manifest
    from sslkit.records.manifest import record_results

    smoke = get_profile("smoke")
    monkeypatch.setattr(manifest, "hardware", lambda: "old machine")
    record_results("floorish", {"knn": 0.28}, smoke, command="python -m old.module", notebook="00")
    monkeypatch.setattr(manifest, "hardware", lambda: "new machine")
    monkeypatch.setattr(manifest.time, "strftime", lambda fmt: "2099-01-01")
    record_results("floorish", {"knn": 0.27}, smoke, command="python -m sslkit.course.references 00")
    e = reference.load_manifest(smoke)["runs"]["floorish"]
    assert (e["hardware"], e["date"], e["command"], e["notebook"]) == (
        "new machine", "2099-01-01", "python -m sslkit.course.references 00", "00")
    assert e["kind"] == "evaluation" and e["results"] == {"knn": 0.27}

    manifest._update_manifest(smoke, "trained", {"kind": "main", "files": {}, "hardware": "trainer",
                                                 "date": "2000-01-01", "command": "train", "results": {}})
    record_results("trained", {"knn": 0.5}, smoke, command="evaluate")
    e = reference.load_manifest(smoke)["runs"]["trained"]
    assert (e["hardware"], e["date"], e["command"], e["results"]) == ("trainer", "2000-01-01", "train", {"knn": 0.5})


# ----------------------------------------------------------------------------- manifests

def test_a_truncated_manifest_or_an_entry_without_settings_names_the_file_and_fix(recorded):
    path = reference.manifest_path(TINY)
    good = path.read_text()
    path.write_text(good[: len(good) // 2])
    with pytest.raises(ManifestError, match=r"tiny-manifest.json is not valid JSON .*git checkout"):
        pretrained.load_backbone("simclr", TINY)
    data = json.loads(good)
    del data["runs"]["simclr"]["settings"]
    path.write_text(json.dumps(data))
    with pytest.raises(ManifestError, match="has no 'settings'"):
        pretrained.load_backbone("simclr", TINY)


def test_references_in_a_folder_of_any_name_load(recorded, tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "my-copy"
    shutil.copytree(paths.references_dir(), copy)
    monkeypatch.setenv("SSLKIT_REFERENCES", str(copy))
    assert pretrained.load_backbone("simclr", TINY).settings["width"] == TINY.width


def test_a_deeply_nested_manifest_or_a_list_entry_is_a_manifest_error(recorded):
    path = reference.manifest_path(TINY)
    good = json.loads(path.read_text())
    path.write_text('{"runs": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ManifestError, match="nests brackets"):
        pretrained.load_backbone("simclr", TINY)
    path.write_text(json.dumps({**good, "runs": {**good["runs"], "simclr": ["weights.pt"]}}))
    with pytest.raises(ManifestError, match="'simclr' are not mappings"):
        pretrained.load_backbone("simclr", TINY)


def test_a_folder_in_the_working_directory_does_not_shadow_a_run_name(recorded, tmp_path, monkeypatch, capsys):
    model, _ = recorded
    monkeypatch.chdir(tmp_path)
    (tmp_path / "simclr").mkdir()  # an unrelated folder that happens to share the name
    loaded = pretrained.load_backbone("simclr", TINY)
    assert "read as the name of a reference run" in capsys.readouterr().out
    assert all(torch.equal(a.half().float(), b) for a, b in zip(model.backbone.state_dict().values(),
                                                               loaded.state_dict().values()))
    with pytest.raises(UnverifiedRun, match="simclr/metrics.csv is missing"):  # a path is still a path, checked
        pretrained.load_backbone(tmp_path / "simclr", TINY)


# ----------------------------------------------------------------------------- ImageNet downloads

def test_an_offline_download_names_the_url_and_where_to_put_the_file(tmp_path):
    from sslkit.records.pretrained import Weights, download

    w = Weights((tmp_path / "nowhere" / "r50.pth").as_uri(), "torchvision")
    with pytest.raises(ConnectionError, match=r"nowhere/r50.pth.*put it at"):
        download(w, tmp_path / "cache" / "r50.pth", progress=False)


def test_allow_unpinned_pins_only_a_file_that_loaded(tmp_path, monkeypatch):
    from torchvision.models import resnet50

    good = tmp_path / "src" / "r50.pth"
    good.parent.mkdir()
    torch.save(resnet50(weights=None).state_dict(), good)
    monkeypatch.setitem(pretrained.REGISTRY, "test-r50", pretrained.Weights(good.as_uri(), "torchvision"))
    cached = pretrained.cache_dir() / "test-r50" / "r50.pth"
    pin = cached.with_name("r50.pth.sha256")
    cached.parent.mkdir(parents=True)
    cached.write_bytes(good.read_bytes()[:1000])  # a download cut short
    with pytest.raises(ValueError, match="Delete it and load again"):
        pretrained.load_imagenet("test-r50", allow_unpinned=True, progress=False)
    assert not pin.exists()  # nothing pinned from a file that never loaded
    cached.write_bytes(good.read_bytes())  # the good file put in its place
    assert pretrained.load_imagenet("test-r50", allow_unpinned=True, progress=False) is not None
    assert pin.is_file()
    cached.write_bytes(good.read_bytes()[:-8] + b"changed!")
    with pytest.raises(pretrained.HashMismatch, match=r"delete .*r50.pth.sha256"):
        pretrained.load_imagenet("test-r50", progress=False)


# ----------------------------------------------------------------------------- pip installs fetch one run

def test_a_pip_install_fetches_only_the_run_it_loads(recorded, digits_strided, tmp_path, monkeypatch):
    load_or_pretrain(SimCLR, *digits_strided, "simclr", mode=RECORD, profile=TINY, progress=False, temperature=0.3)
    repo = paths.references_dir().parent  # serves as the repository (a file:// URL)
    monkeypatch.setattr(paths, "in_checkout", lambda: False)
    monkeypatch.setattr(reference, "_UNFETCHABLE", set())
    monkeypatch.setenv("SSLKIT_REFERENCE_URL", repo.as_uri())
    monkeypatch.setenv("SSLKIT_REFERENCES", str(tmp_path / "fetched" / "results"))
    opened = []
    real = urllib.request.urlopen
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, *a, **k: opened.append(url) or real(url, *a, **k))
    net = pretrained.load_backbone("simclr", TINY)
    assert net.settings["width"] == TINY.width
    names = sorted(u.rsplit("/", 2)[-2] + "/" + u.rsplit("/", 1)[-1] for u in opened)
    assert names == ["results/tiny-manifest.json", "simclr/metrics.csv", "simclr/run.json", "simclr/weights.pt"]
    assert not (tmp_path / "fetched" / "results" / "tiny" / "simclr-temperature=0.3").exists()
