"""bench/main_runs.py's run folders: a run started under the method's bare name, or only in a
committed snapshot, is found again under the name the notebooks ask for, and never overwritten."""

import json
import sys
import tarfile
from pathlib import Path

import pytest

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
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "x").write_text("x")
    with tarfile.open(snaps / "rotnet.tar.gz", "w:gz") as tar:
        tar.add(stray, arcname="elsewhere")
    with pytest.raises(ValueError, match="not unpacking"):
        main_runs.restore(tmp_path / "runs" / "rotnet-epochs=20", "rotnet", WANTED)
