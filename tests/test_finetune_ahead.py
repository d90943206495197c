"""bench/finetune_ahead.py keeps notebook 08's fine-tunes across machines: each finished one is
packed once (half-trained ones only when asked), and a machine without a fine-tune's folder
unpacks it to reload the same finished run, never over a folder it has."""

import json
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
finetune_ahead = pytest.importorskip("finetune_ahead")
from test_main_runs import _byol_run, stray_pack  # noqa: E402  (a tiny run trained through fit)


def _run(folder: Path, epochs: int, done: int | None = None):
    weights = _byol_run(folder, epochs, done)
    assert json.loads((folder / "run.json").read_text())["epochs"] == epochs  # fit wrote the run's identity
    return weights


def test_finished_fine_tunes_are_packed_once_and_unpacked_where_missing(tmp_path, monkeypatch):
    from sslkit.training.runs import latest_checkpoint

    monkeypatch.setattr(finetune_ahead, "FINETUNES", tmp_path / "packed")
    here = tmp_path / "a"
    trained = _run(here / "finetune-x-1pct-draw0", epochs=2)
    _run(here / "finetune-x-1pct-draw1", epochs=3, done=1)
    (here / "finetune-x-1pct-draw2").mkdir()  # no run.json: nothing to pack
    assert [p.name for p in finetune_ahead.pack(here)] == ["finetune-x-1pct-draw0.tar.gz"]
    assert finetune_ahead.pack(here) == []  # packed once
    assert [p.name for p in finetune_ahead.pack(here, unfinished=True)] == ["finetune-x-1pct-draw1.tar.gz"]

    there = tmp_path / "b"
    (there / "finetune-x-1pct-draw1").mkdir(parents=True)
    (there / "finetune-x-1pct-draw1" / "mine").write_text("kept")
    assert finetune_ahead.restore(there) == ["finetune-x-1pct-draw0"]  # never over a folder this machine has
    assert (there / "finetune-x-1pct-draw1" / "mine").read_text() == "kept"
    assert finetune_ahead.finished(there / "finetune-x-1pct-draw0")
    assert latest_checkpoint(there / "finetune-x-1pct-draw0")[1] == 2
    reloaded = _run(there / "finetune-x-1pct-draw0", epochs=2)  # fit only reloads it
    assert all(torch.equal(reloaded[k], trained[k]) for k in trained)


def test_a_pack_holding_another_folder_is_refused(tmp_path, monkeypatch):
    packed = tmp_path / "packed"
    packed.mkdir()
    monkeypatch.setattr(finetune_ahead, "FINETUNES", packed)
    stray_pack(packed / "finetune-x-1pct-draw0.tar.gz", tmp_path)
    with pytest.raises(ValueError, match="not unpacking"):
        finetune_ahead.restore(tmp_path / "runs")
