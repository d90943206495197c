"""A run folder belongs to one run: one process at a time, checkpoints bound to their run, files
verified on the bytes that are loaded (sslkit.training.runs, sslkit.parts.files, sslkit.records.manifest)."""

import io
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile

import pytest
import torch

from sslkit.methods import SimCLR
from sslkit.parts.files import UnreadableFile, load_torch_file
from sslkit.parts.profiles import get_profile
from sslkit.records.manifest import UnverifiedRun, read_weights
from sslkit.training import runs
from sslkit.training.runs import DamagedRunFile, RunBusy, latest_checkpoint, owned
from sslkit.training.train import pretrain

SMOKE = get_profile("smoke")
SMALL = dict(epochs=1, profile=SMOKE, batch_size=32, progress=False, proj_hidden=32, proj_dim=16)


def hold(run_dir, seconds: float) -> subprocess.Popen:
    """Another process that holds ``run_dir`` (as a training would) for ``seconds``, once it has it."""
    code = ("import sys, time; from sslkit.training.runs import owned\n"
            f"with owned({str(run_dir)!r}):\n    print('held', flush=True); time.sleep({seconds})\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


# ----------------------------------------------------------------------------- one process per folder

def test_a_second_process_is_refused_with_the_holders_pid_and_overwrite_deletes_nothing(digits_12_per_class, tmp_path):
    train, _ = digits_12_per_class
    run = tmp_path / "run"
    pretrain(SimCLR, train, None, run, **SMALL)
    before = sorted(p.name for p in run.rglob("*"))
    other = hold(run, 30)
    try:
        with pytest.raises(RunBusy, match=f"process {other.pid}"):
            pretrain(SimCLR, train, None, run, **SMALL)
        with pytest.raises(RunBusy):  # other settings + overwrite: the held run is not deleted
            pretrain(SimCLR, train, None, run, overwrite=True, **{**SMALL, "temperature": 0.2})
        assert sorted(p.name for p in run.rglob("*")) == before
        assert json.loads((run / "run.json").read_text())["hparams"]["temperature"] != 0.2
    finally:
        other.kill()
        other.wait()
    # the holder died: the operating system released its lock, and the run is ours again
    assert not pretrain(SimCLR, train, None, run, **SMALL).report.trained_now


def test_wait_true_waits_for_the_holder(tmp_path):
    other = hold(tmp_path / "run", 1.5)
    start = time.perf_counter()
    with owned(tmp_path / "run", wait=True):
        waited = time.perf_counter() - start
    other.wait()
    assert waited > 0.5


# ----------------------------------------------------------------------------- checkpoints bound to their run

def test_a_copied_in_checkpoint_of_another_run_is_refused(digits_12_per_class, tmp_path, capsys):
    train, _ = digits_12_per_class
    pretrain(SimCLR, train, None, tmp_path / "theirs", **{**SMALL, "temperature": 0.2})
    mine = tmp_path / "mine"
    pretrain(SimCLR, train, None, mine, **SMALL)
    settings = json.loads((mine / "run.json").read_text())
    shutil.rmtree(mine / "checkpoints")
    shutil.copytree(tmp_path / "theirs" / "checkpoints", mine / "checkpoints")  # with their .sha256 files
    capsys.readouterr()
    assert latest_checkpoint(mine, settings) == (None, 0)
    assert "hparams.temperature" in capsys.readouterr().out
    assert pretrain(SimCLR, train, None, mine, **SMALL).report.trained_now  # trains anew, never their weights


def test_a_checkpoint_without_its_checksum_is_not_resumed(digits_12_per_class, tmp_path, capsys):
    train, _ = digits_12_per_class
    run = tmp_path / "run"
    pretrain(SimCLR, train, None, run, **SMALL)
    last = run / "checkpoints" / "last.ckpt"
    data = bytearray(last.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 64] = bytes(b ^ 0x5A for b in data[mid:mid + 64])
    last.write_bytes(bytes(data))
    for f in (run / "checkpoints").glob("*.sha256"):
        f.unlink()
    assert latest_checkpoint(run) == (None, 0)
    assert "no last.ckpt.sha256" in capsys.readouterr().out


# ----------------------------------------------------------------------------- verify what you load

def test_the_bytes_hashed_are_the_bytes_loaded(tmp_path):
    path = tmp_path / "weights.pt"
    torch.save({"w": torch.ones(3)}, path)
    swapped = tmp_path / "other.pt"
    torch.save({"w": torch.zeros(3)}, swapped)

    def swap_after_hashing(digest):  # a concurrent writer replaces the file between check and load
        os.replace(swapped, path)

    state, digest = load_torch_file(path, "weights", "restore it", check=swap_after_hashing)
    assert torch.equal(state["w"], torch.ones(3))  # what was hashed, not what is on disk now
    with pytest.raises(UnverifiedRun, match="changed since it was checked"):
        read_weights(path, sha256=digest)  # the file on disk now is another one


def deflated_bomb(path, megabytes: int = 64):
    """A torch.save file whose members are re-packed deflated: a few hundred KB that would inflate
    to ``megabytes`` MB."""
    plain = io.BytesIO()
    torch.save({"w": torch.zeros(megabytes * 2**18)}, plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, src.read(info))
    assert path.stat().st_size < megabytes * 2**20 / 50


def test_a_compressed_weights_file_is_refused_by_every_reader(tmp_path):
    from sslkit.records import pretrained

    bomb = tmp_path / "weights.pt"
    deflated_bomb(bomb)
    with pytest.raises(UnverifiedRun, match="compressed"):
        read_weights(bomb)
    with pytest.raises(ValueError, match="compressed"):
        pretrained.read_checkpoint(bomb)
    runs.write_checksum(bomb)
    with pytest.raises(UnreadableFile, match="compressed"):
        runs.read_checkpoint(bomb)


def test_bytes_of_another_format_are_named_not_an_index_error(tmp_path):
    junk = tmp_path / "weights.pt"
    junk.write_bytes(os.urandom(4096))
    with pytest.raises(UnverifiedRun, match="not a torch.save file"):
        read_weights(junk)


# ----------------------------------------------------------------------------- damaged run files

@pytest.mark.parametrize("name,content", [("run.json", '{"method": "sslkit.meth'), ("wall_time.json", "[1, 2]")])
def test_a_damaged_run_file_names_itself_and_the_fix(digits_12_per_class, tmp_path, name, content):
    train, _ = digits_12_per_class
    run = tmp_path / "run"
    pretrain(SimCLR, train, None, run, **SMALL)
    (run / name).write_text(content)
    with pytest.raises(DamagedRunFile, match=f"{name}.*Fix: delete"):
        pretrain(SimCLR, train, None, run, **SMALL)


def test_a_batch_larger_than_the_data_scales_the_learning_rate_for_the_batch_used(digits_12_per_class, tmp_path, capsys):
    train, _ = digits_12_per_class  # 120 images
    model, report = pretrain(SimCLR, train, None, tmp_path / "run", **{**SMALL, "batch_size": 1000})
    assert report.batch_size == len(train)
    assert model.hparams.lr == pytest.approx(SimCLR.base_lr * len(train) / 256)
    assert f"training at batch {len(train)}" in capsys.readouterr().out
