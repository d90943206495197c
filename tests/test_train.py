import pytest
import torch

from sslkit.methods import Supervised
from sslkit.methods.base import Step, warmup_cosine
from sslkit.parts.profiles import get_profile
from sslkit.training.evaluate import evaluate_classifier
from sslkit.training.runs import RunMismatch, read_metrics, wall_time
from sslkit.training.train import fit, loaders

SMOKE = get_profile("smoke")


def small_module(**kw):
    torch.manual_seed(0)
    return Supervised(width=0.125, lr=0.1, **kw)


def test_supervised_loss_falls_and_logs_per_epoch(digits, tmp_path):
    train, test = digits
    module = small_module()
    a, b = loaders(train, test, SMOKE)
    fit(module, a, tmp_path / "run", 4, SMOKE, val_loader=b, progress=False)
    df = read_metrics(tmp_path / "run")
    assert list(df.index) == [0, 1, 2, 3]
    assert df["train/loss_epoch"].iloc[-1] < 0.8 * df["train/loss_epoch"].iloc[0]
    assert df["val/acc"].notna().all()
    assert (tmp_path / "run" / "checkpoints" / "last.ckpt").is_file()
    assert wall_time(tmp_path / "run")["epochs"] == 4


def test_finished_run_reloads_and_a_longer_run_is_refused(digits, tmp_path):
    train, test = digits
    a, b = loaders(train, test, SMOKE)
    run = tmp_path / "run"
    first = small_module()
    fit(first, a, run, 2, SMOKE, progress=False)
    reloaded = small_module()
    fit(reloaded, a, run, 2, SMOKE, progress=False)  # already finished: weights come from last.ckpt
    for p, q in zip(first.parameters(), reloaded.parameters()):
        assert torch.equal(p, q)
    assert wall_time(run)["epochs"] == 2 and len(wall_time(run)["segments"]) == 1  # reloading is not training
    with pytest.raises(RunMismatch, match="epochs"):  # 3 epochs has another cosine schedule than 2
        fit(small_module(), a, run, 3, SMOKE, progress=False)


def test_nan_loss_stops_with_a_clear_error(digits, tmp_path):
    train, _ = digits
    module = small_module()
    module.step = lambda batch: Step(torch.tensor(float("nan"), requires_grad=True), torch.zeros(len(batch.x), 64))
    with pytest.raises(FloatingPointError, match="learning rate"):
        fit(module, loaders(train, None, SMOKE)[0], tmp_path / "nan", 1, SMOKE, progress=False)


def test_online_probe_learns_without_touching_the_backbone(digits):
    from sslkit.methods.base import Method

    class Frozen(Method):  # a "method" whose own loss is zero: only the probe can learn
        def step(self, batch):
            h = self.backbone(self.prepare(batch.x))
            return Step(h.sum() * 0, h)

    train, _ = digits
    torch.manual_seed(0)
    m = Frozen(width=0.125, lr=0.1, probe_lr=0.5)
    before = [p.clone() for p in m.backbone.parameters()]
    optim = torch.optim.SGD(m.parameters(), lr=0.5)
    batch = next(iter(loaders(train, None, SMOKE)[0]))
    losses = []
    for _ in range(40):
        out = m.training_step(batch, 0)
        loss = out["loss"]
        assert set(out) == {"loss", "h"} and not out["h"].requires_grad  # detached, for callbacks
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]
    for p, q in zip(before, m.backbone.parameters()):
        assert torch.equal(p, q)  # detached: no gradient reached the backbone


def test_fine_tune_starts_from_the_given_backbone(digits, tmp_path):
    train, test = digits
    pretrained = small_module()
    module = Supervised.from_backbone(pretrained.backbone, 10, lr=0.1)
    for p, q in zip(pretrained.backbone.parameters(), module.backbone.parameters()):
        assert torch.equal(p, q)
    fit(module, loaders(train, None, SMOKE)[0], tmp_path / "ft", 3, SMOKE, progress=False)
    acc = evaluate_classifier(module, test)
    assert 0.3 < acc <= 1  # three epochs on 1,438 digits: far above chance (0.1)


def test_warmup_cosine_schedule():
    assert warmup_cosine(0, 100, 10) == pytest.approx(0.1)
    assert warmup_cosine(9, 100, 10) == pytest.approx(1.0)
    assert warmup_cosine(10, 100, 10) == pytest.approx(1.0)
    assert warmup_cosine(55, 100, 10) == pytest.approx(0.5)
    assert warmup_cosine(100, 100, 10) == pytest.approx(0.0)


def test_a_method_may_choose_its_optimizer(digits, tmp_path):
    class AdamSupervised(Supervised):
        def make_optimizer(self, groups):
            return torch.optim.Adam(groups, lr=self.hparams.lr)

    train, _ = digits
    torch.manual_seed(0)
    m = AdamSupervised(width=0.125, lr=1e-3)
    trainer = fit(m, loaders(train, None, SMOKE)[0], tmp_path / "adam", 1, SMOKE, progress=False)
    assert isinstance(trainer.optimizers[0], torch.optim.Adam)


def test_an_early_stop_records_the_epochs_it_ran(digits, tmp_path):
    from lightning.pytorch.callbacks import Callback

    class StopAfterOne(Callback):
        def on_train_epoch_end(self, trainer, module):
            trainer.should_stop = True

    train, _ = digits
    run = tmp_path / "run"
    fit(small_module(), loaders(train, None, SMOKE)[0], run, 3, SMOKE, progress=False, callbacks=[StopAfterOne()])
    assert wall_time(run)["epochs"] == 1  # what ran, not the 3 planned
    fit(small_module(), loaders(train, None, SMOKE)[0], run, 3, SMOKE, progress=False)  # the same run continues
    assert wall_time(run)["epochs"] == 3 and len(wall_time(run)["segments"]) == 2


def test_the_progress_bar_never_draws_a_validation_bar(digits, tmp_path, capsys):
    train, test = digits
    a, b = loaders(train.balanced(per_class=20), test.balanced(per_class=5), SMOKE)
    fit(small_module(), a, tmp_path / "run", 2, SMOKE, val_loader=b, progress=True)
    out = capsys.readouterr()
    assert "Epoch 1" in out.out + out.err  # the training bar is there
    assert "Validation" not in out.out + out.err  # in a notebook each one stayed as an empty widget


def test_pretrain_names_its_folder_from_the_settings_it_was_given(digits):
    from sslkit.parts import paths
    from sslkit.training.train import pretrain

    train, _ = digits
    small = train.subset(torch.arange(64))
    model, run = pretrain(Supervised, small, None, epochs=1, profile=SMOKE, lr=0.05, progress=False)
    assert isinstance(model, Supervised) and run.run_dir == paths.runs_dir() / "smoke" / "supervised-epochs=1-lr=0.05"
    mine = pretrain(Supervised, small, None, epochs=1, profile=SMOKE, stem="mine", progress=False)
    assert mine.report.run_dir.name == "mine-epochs=1"
    with pytest.raises(ValueError, match="not both"):
        pretrain(Supervised, small, None, "somewhere", epochs=1, profile=SMOKE, stem="mine")


def test_out_of_gpu_memory_halves_the_batch_once_then_says_what_to_do(digits, tmp_path, monkeypatch, capsys):
    """A CUDA OOM (raised here by hand: no GPU) retrains at half the batch in its own folder, with
    a printed line; a second one stops with the fix, not CUDA's traceback."""
    from sslkit.training import train as train_module

    real_fit, seen = train_module.fit, []

    def fit_with_little_memory(module, loader, run_dir, *args, limit=16, **kwargs):
        seen.append((loader.batch_size, run_dir.name))
        if loader.batch_size > limit:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real_fit(module, loader, run_dir, *args, **kwargs)

    monkeypatch.setattr(train_module, "fit", fit_with_little_memory)
    tr, te = digits
    model, run = train_module.pretrain(Supervised, tr, te, tmp_path / "sup", epochs=1, profile=SMOKE, progress=False)
    assert seen == [(32, "sup"), (16, "sup-batch_size=16")] and run.run_dir.name == "sup-batch_size=16"
    assert "ran out of GPU memory at batch 32" in capsys.readouterr().out
    monkeypatch.setattr(train_module, "fit", lambda *a, **k: fit_with_little_memory(*a, limit=4, **k))
    with pytest.raises(RuntimeError, match="at batch 16 .* after halving it once. Fix: the live profile"):
        train_module.pretrain(Supervised, tr, te, tmp_path / "sup2", epochs=1, profile=SMOKE, progress=False)


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGSTOP"), reason="no job control on this OS")
def test_a_stopped_and_continued_training_does_not_count_the_pause(digits, tmp_path):
    import os
    import subprocess
    import time

    from lightning.pytorch.callbacks import Callback

    class StopOnce(Callback):  # on the third step another process stops us for about 2 s
        def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
            if batch_idx == 2 and trainer.current_epoch == 0:
                subprocess.Popen(["sh", "-c", f"sleep 0.2; kill -STOP {os.getpid()}; sleep 2; kill -CONT {os.getpid()}"])
                time.sleep(0.5)  # stopped in here

    import signal

    train, _ = digits
    run = tmp_path / "run"
    handler = signal.getsignal(signal.SIGCONT)
    t0 = time.perf_counter()
    fit(small_module(), loaders(train, None, SMOKE)[0], run, 1, SMOKE, progress=False, callbacks=[StopOnce()])
    elapsed = time.perf_counter() - t0
    seg = wall_time(run)["segments"][-1]
    assert 1.5 < seg["paused_seconds"] < 3.0
    assert seg["seconds"] < elapsed - 1.5
    assert signal.getsignal(signal.SIGCONT) == handler  # the clock gave the handler back
