"""bench/main_runs.py's run folders: a run started under the method's bare name, or only in a
committed snapshot, is found again under the name the notebooks ask for, and never overwritten; a
finished run's snapshot drops its optimizer momentum and still reloads as the same finished run."""

import json
import sys
import tarfile
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
main_runs = pytest.importorskip("main_runs")

WANTED = {"method": "sslkit.methods.rotnet.RotNet", "epochs": 20, "hparams": {"width": 0.125}}


def legacy_run(root: Path, settings: dict) -> Path:
    run = root / "rotnet"
    (run / "checkpoints").mkdir(parents=True)
    (run / "run.json").write_text(json.dumps(settings))
    (run / "checkpoints" / "last.ckpt").write_bytes(b"weights")
    return run


def test_a_run_under_its_bare_name_is_renamed_only_when_its_settings_match(tmp_path, monkeypatch):
    monkeypatch.setattr(main_runs, "SNAPSHOTS", tmp_path / "snapshots")
    legacy_run(tmp_path, WANTED)
    target = tmp_path / "rotnet-epochs=20"
    main_runs.restore(target, "rotnet", WANTED)
    assert (target / "checkpoints" / "last.ckpt").read_bytes() == b"weights" and not (tmp_path / "rotnet").exists()

    other = tmp_path / "other"
    legacy_run(other, {**WANTED, "epochs": 30})
    main_runs.restore(other / "rotnet-epochs=20", "rotnet", WANTED)
    assert (other / "rotnet").is_dir() and not (other / "rotnet-epochs=20").exists()  # another run: left alone


def test_a_snapshot_is_unpacked_only_where_no_run_is_and_never_over_a_newer_one(tmp_path, monkeypatch):
    snaps = tmp_path / "snapshots"
    monkeypatch.setattr(main_runs, "SNAPSHOTS", snaps)
    packed = legacy_run(tmp_path / "old", WANTED)
    snaps.mkdir()
    with tarfile.open(snaps / "rotnet.tar.gz", "w:gz") as tar:
        tar.add(packed, arcname="rotnet")
    runs = tmp_path / "runs"
    main_runs.restore(runs / "rotnet-epochs=20", "rotnet", WANTED)  # a new machine: unpacked, then renamed
    assert (runs / "rotnet-epochs=20" / "checkpoints" / "last.ckpt").read_bytes() == b"weights"

    # a machine where the run went on training under its bare name: the older snapshot is not unpacked over it
    newer = legacy_run(tmp_path / "busy", WANTED)
    (newer / "checkpoints" / "last.ckpt").write_bytes(b"newer weights")
    main_runs.restore(tmp_path / "busy" / "rotnet-epochs=20", "rotnet", WANTED)
    assert (tmp_path / "busy" / "rotnet-epochs=20" / "checkpoints" / "last.ckpt").read_bytes() == b"newer weights"


def test_a_snapshot_holding_another_folder_is_refused(tmp_path, monkeypatch):
    snaps = tmp_path / "snapshots"
    snaps.mkdir()
    monkeypatch.setattr(main_runs, "SNAPSHOTS", snaps)
    stray_pack(snaps / "rotnet.tar.gz", tmp_path)
    with pytest.raises(ValueError, match="not unpacking"):
        main_runs.restore(tmp_path / "runs" / "rotnet-epochs=20", "rotnet", WANTED)


def stray_pack(packed: Path, tmp_path: Path) -> None:
    """A pack at ``packed`` whose one folder is named otherwise than the run it claims to hold."""
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "x").write_text("x")
    with tarfile.open(packed, "w:gz") as tar:
        tar.add(stray, arcname="elsewhere")


def _byol_run(folder: Path, epochs: int, done: int | None = None):
    """A tiny BYOL run on digits (momentum in its optimizer), trained through ``fit`` for
    ``done`` of its ``epochs`` epochs (all of them by default); returns its weights."""
    from dataclasses import replace

    from lightning.pytorch.callbacks import Callback

    from sslkit.methods import BYOL
    from sslkit.parts.data import load_digits
    from sslkit.parts.profiles import get_profile
    from sslkit.training.train import fit, loaders

    class Stop(Callback):
        def on_train_epoch_end(self, trainer, module):
            trainer.should_stop = done is not None and trainer.current_epoch + 1 >= done

    smoke = replace(get_profile("smoke"), batch_size=64)
    torch.manual_seed(0)
    module = BYOL(width=0.125, lr=0.1, proj_hidden=32, proj_dim=16)
    loader, _ = loaders(load_digits("train").balanced(per_class=12), None, smoke, seed=3)
    fit(module, loader, folder, epochs, smoke, progress=False, monitor=False, callbacks=[Stop()])
    return {k: v.clone() for k, v in module.state_dict().items()}


def _packed_momentum(snap: Path, name: str):
    import io

    with tarfile.open(snap) as tar:
        ckpt = torch.load(io.BytesIO(tar.extractfile(f"{name}/checkpoints/last.ckpt").read()), weights_only=True)
    return [v for s in ckpt["optimizer_states"] for st in s["state"].values() for v in st.values()
            if torch.is_tensor(v) and v.is_floating_point() and v.dim() > 0]


def test_a_finished_run_is_packed_without_its_momentum_and_reloads_to_the_same_weights(tmp_path, monkeypatch):
    from sslkit.training.runs import latest_checkpoint

    snaps = tmp_path / "snapshots"
    monkeypatch.setattr(main_runs, "SNAPSHOTS", snaps)
    trained = _byol_run(tmp_path / "a" / "byol", epochs=2)
    snap = main_runs.snapshot(tmp_path / "a" / "byol", "byol")
    momentum = _packed_momentum(snap, "byol")
    assert momentum and all(not v.any() for v in momentum)  # zeroed: nothing left to pack

    # another machine: the snapshot is unpacked, its checksum holds, and fit only reloads it
    main_runs.restore(tmp_path / "b" / "byol", "byol", {})
    assert latest_checkpoint(tmp_path / "b" / "byol")[1] == 2
    reloaded = _byol_run(tmp_path / "b" / "byol", epochs=2)
    assert reloaded.keys() == trained.keys() and all(torch.equal(reloaded[k], trained[k]) for k in trained)


def test_a_run_still_training_keeps_its_momentum_in_its_snapshot(tmp_path, monkeypatch):
    monkeypatch.setattr(main_runs, "SNAPSHOTS", tmp_path / "snapshots")
    _byol_run(tmp_path / "byol", epochs=3, done=1)
    momentum = _packed_momentum(main_runs.snapshot(tmp_path / "byol", "byol"), "byol")
    assert momentum and any(v.any() for v in momentum)
