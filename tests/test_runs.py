"""Run identity, safe checkpoint loading, and resume that continues (sslkit.training.runs, sslkit.training.train)."""

import json
import os
import shutil

import pytest
import torch
from harness import same_weights, train_in_subprocess

from sslkit.methods import SimCLR, Supervised
from sslkit.parts.augment import simclr_augment
from sslkit.parts.data import load_digits
from sslkit.parts.profiles import get_profile
from sslkit.training.runs import RunMismatch, latest_checkpoint, read_metrics, run_name, wall_time
from sslkit.training.train import pretrain

SMOKE = get_profile("smoke")
SMALL = dict(epochs=1, profile=SMOKE, batch_size=32, progress=False, proj_hidden=32, proj_dim=16)


@pytest.mark.parametrize("change,shown", [
    (dict(temperature=0.2), "hparams.temperature"),
    (dict(batch_size=16), "batch_size"),
    (dict(seed=1), "seed"),
    (dict(augment=simclr_augment().replace(jitter_p=0.0)), "augment.jitter_p"),
    ("subset", "data.fingerprint"),
])
def test_a_changed_setting_is_refused_with_both_values(digits_12_per_class, tmp_path, change, shown):
    train, _ = digits_12_per_class
    run = tmp_path / "run"
    pretrain(SimCLR, train, None, run, **SMALL)
    kw = dict(SMALL)
    if change == "subset":
        train = load_digits("train").balanced(per_class=12, seed=1)  # same size, other images
    else:
        kw.update(change)
    with pytest.raises(RunMismatch, match=shown) as err:
        pretrain(SimCLR, train, None, run, **kw)
    assert "overwrite=True" in str(err.value) and "→" in str(err.value)


def test_same_settings_reload_and_overwrite_retrains(digits_12_per_class, tmp_path):
    train, _ = digits_12_per_class
    run = tmp_path / "run"
    first, report = pretrain(SimCLR, train, None, run, **SMALL)
    assert report.trained_now and report.epochs == 1 and report.steps == len(train) // 32
    again, report = pretrain(SimCLR, train, None, run, **SMALL)
    assert not report.trained_now
    assert all(torch.equal(p, q) for p, q in zip(first.parameters(), again.parameters()))
    other = pretrain(SimCLR, train, None, run, overwrite=True, **{**SMALL, "temperature": 0.2})
    assert other.report.trained_now and json.loads((run / "run.json").read_text())["hparams"]["temperature"] == 0.2
    assert len(wall_time(run)["segments"]) == 1  # the old run's record went with it


def test_a_folder_from_before_run_identity_is_not_trusted(digits_12_per_class, tmp_path):
    train, _ = digits_12_per_class
    run = tmp_path / "run"
    pretrain(SimCLR, train, None, run, **SMALL)
    (run / "run.json").unlink()
    with pytest.raises(RunMismatch, match="no run.json"):
        pretrain(SimCLR, train, None, run, **SMALL)


def test_pretrain_takes_backbone_settings_and_reports(digits_12_per_class, tmp_path):
    train, _ = digits_12_per_class
    m, r = pretrain(SimCLR, train, None, tmp_path / "wide", width=0.25, **SMALL)
    assert m.hparams.width == 0.25 and m.backbone.feature_dim == 128
    assert r.images == len(train) and r.batch_size == 32 and r.seconds > 0
    assert r.images_per_s == pytest.approx(r.steps * 32 / r.seconds)


def test_run_names_show_only_what_differs_from_the_defaults():
    assert run_name("simclr", SimCLR, SMOKE, temperature=0.5, batch_size=SMOKE.batch_size, seed=0) == "simclr"
    assert run_name("simclr", SimCLR, SMOKE, temperature=0.1, batch_size=2 * SMOKE.batch_size) == \
        f"simclr-batch_size={2 * SMOKE.batch_size}-temperature=0.1"
    no_colour = simclr_augment().replace(jitter_p=0.0, gray_p=0.0)
    assert run_name("s", SimCLR, augment=no_colour) == "s-augment.jitter_p=0-augment.gray_p=0"  # field order
    assert run_name("s", SimCLR, augment=simclr_augment()) == "s"
    assert run_name("sup", Supervised, SMOKE, epochs=SMOKE.pretrain_epochs + 1) == f"sup-epochs={SMOKE.pretrain_epochs + 1}"
    with pytest.raises(ValueError, match="folder name"):
        run_name("a b", SimCLR)


class RunsCode:
    """Pickles to a call of os.system: what a malicious last.ckpt would hold."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_checkpoint_that_runs_code_is_refused(digits_12_per_class, tmp_path, capsys):
    train, _ = digits_12_per_class
    run = tmp_path / "run"
    pretrain(SimCLR, train, None, run, **SMALL)
    marker = tmp_path / "pwned"
    for ckpt in (run / "checkpoints").glob("*.ckpt"):
        torch.save({"epoch": 0, "state_dict": {}, "payload": RunsCode(marker)}, ckpt)
    assert latest_checkpoint(run) == (None, 0)
    assert not marker.exists() and "unsafe checkpoint" in capsys.readouterr().out
    pretrain(SimCLR, train, None, run, **SMALL)  # trains anew instead of loading it
    assert not marker.exists() and latest_checkpoint(run)[1] == 1


# ----------------------------------------------------------------------------- kill and resume

def test_killed_after_epoch_2_and_resumed_equals_an_uninterrupted_run(tmp_path, uninterrupted):
    proc, _ = train_in_subprocess(tmp_path, "run", 6, kill_epoch=2, kill_batch=0)
    assert proc.returncode == -9  # SIGKILL: no cleanup ran
    assert latest_checkpoint(tmp_path / "run")[1] == 2
    proc, out = train_in_subprocess(tmp_path, "run", 6)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert same_weights(torch.load(out, weights_only=True), uninterrupted)
    t = wall_time(tmp_path / "run")
    assert len(t["segments"]) == 2 and t["segments"][0]["seconds"] > 0 and t["epochs"] == 6  # killed time counted
    assert t["seconds"] == pytest.approx(sum(s["seconds"] for s in t["segments"]), abs=0.05)
    assert list(read_metrics(tmp_path / "run").index) == list(range(6))


def test_a_torn_or_altered_last_ckpt_is_skipped_and_the_resumed_run_ends_the_same(tmp_path, uninterrupted, capsys):
    proc, _ = train_in_subprocess(tmp_path, "run", 6, kill_epoch=3, kill_batch=2)
    assert proc.returncode == -9
    altered = tmp_path / "altered"
    shutil.copytree(tmp_path / "run", altered)
    last = altered / "checkpoints" / "last.ckpt"  # bytes flipped in place: its sha256 no longer matches
    data = bytearray(last.read_bytes())
    data[len(data) // 2:len(data) // 2 + 64] = bytes(b ^ 0x5A for b in data[len(data) // 2:len(data) // 2 + 64])
    last.write_bytes(bytes(data))
    assert latest_checkpoint(altered) == (altered / "checkpoints" / "epoch=002.ckpt", 3)
    assert "do not match last.ckpt.sha256" in capsys.readouterr().out
    last = tmp_path / "run" / "checkpoints" / "last.ckpt"
    last.write_bytes(last.read_bytes()[: last.stat().st_size // 2])  # a write cut short
    (last.parent / "last.ckpt.sha256").unlink()  # as a checkpoint from before the checksums
    assert latest_checkpoint(tmp_path / "run") == (tmp_path / "run" / "checkpoints" / "epoch=002.ckpt", 3)
    assert "unreadable" in capsys.readouterr().out
    proc, out = train_in_subprocess(tmp_path, "run", 6)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "continuing from epoch=002.ckpt" in proc.stdout
    assert same_weights(torch.load(out, weights_only=True), uninterrupted)
    df = read_metrics(tmp_path / "run")
    assert list(df.index) == list(range(6)) and df["train/loss_epoch"].notna().all()  # each epoch once, none lost


def test_run_names_count_the_learning_rate_pretrain_would_use():
    default_lr = SimCLR.base_lr * SMOKE.batch_size / 256
    assert run_name("s", SimCLR, SMOKE, lr=default_lr) == "s"
    assert run_name("s", SimCLR, SMOKE, lr=0.1) == "s-lr=0.1"  # 0.1 is Method's default, not pretrain's


def test_overwrite_in_a_relaunched_ddp_rank_deletes_nothing(digits_12_per_class, tmp_path, monkeypatch):
    train, _ = digits_12_per_class
    run = tmp_path / "run"
    pretrain(SimCLR, train, None, run, **SMALL)
    monkeypatch.setenv("LOCAL_RANK", "1")  # what Lightning's "ddp" launcher sets in the other ranks
    again = pretrain(SimCLR, train, None, run, overwrite=True, **SMALL)
    assert not again.report.trained_now and latest_checkpoint(run)[1] == 1  # rank 0's run is kept


def test_a_setting_added_later_with_a_none_default_keeps_older_runs_identity():
    from sslkit.training.runs import differences

    old = {"method": {"temperature": 0.5}, "seed": 0}  # recorded before SimCLR had ``negatives``
    assert differences(old, {"method": {"temperature": 0.5, "negatives": None}, "seed": 0}) == []
    assert differences(old, {"method": {"temperature": 0.5, "negatives": 16}, "seed": 0}) == [
        ("method.negatives", "—", 16)]
    assert differences({"a": None}, {"a": 0}) == [("a", None, 0)]  # present on both sides: compared as ever
