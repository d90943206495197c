"""The one training path: every method, supervised or self-supervised, is fit here.

:func:`fit` wraps the Lightning Trainer with what a long run needs:

- a progress bar and CSV logs (``<run>/logs/version_N/metrics.csv``; a resumed run writes a
  new version, so no earlier curve is lost; :func:`sslkit.plots.training_curves` joins them);
- a collapse monitor (:class:`sslkit.monitor.CollapseMonitor`): the spread and effective
  rank of the representations, logged beside the loss for every method;
- a checkpoint every epoch plus ``<run>/checkpoints/last.ckpt``;
- automatic resume: when the run folder already holds ``last.ckpt`` training continues from
  it, and a finished run just reloads its weights (re-running a notebook costs nothing);
- bf16 autocast and channels_last on GPU, float32 on CPU (from the profile).
"""

from __future__ import annotations

import json
import logging
import time
import warnings
from dataclasses import replace
from pathlib import Path

import lightning as L
import torch
from lightning.pytorch.callbacks import ModelCheckpoint, TQDMProgressBar
from lightning.pytorch.loggers import CSVLogger

from .data import DeviceLoader, ImageSet
from .monitor import CollapseMonitor
from .profiles import PROFILE, Profile

for _name in ("lightning.pytorch.utilities.rank_zero", "lightning.pytorch.accelerators.cuda"):
    logging.getLogger(_name).setLevel(logging.WARNING)  # no "GPU available: …" chatter in notebooks


class _EpochBar(TQDMProgressBar):
    """Lightning's bar without the nested validation bar, which floods notebook output."""

    def init_validation_tqdm(self):
        bar = super().init_validation_tqdm()
        bar.disable = True
        return bar

    def get_metrics(self, trainer, pl_module):
        items = super().get_metrics(trainer, pl_module)
        items.pop("v_num", None)
        return items


def loaders(train: ImageSet, test: ImageSet | None, profile: Profile | None = None, seed: int = 0):
    """(train loader, test loader) on the profile's device; the train loader shuffles and
    drops the last partial batch, the test loader keeps every image in order."""
    p = profile or PROFILE
    bs = min(p.batch_size, len(train))
    train_loader = DeviceLoader(train, bs, shuffle=True, device=p.device, seed=seed)
    test_loader = DeviceLoader(test, 1024, shuffle=False, device=p.device) if test is not None else None
    return train_loader, test_loader


def fit(
    module: L.LightningModule, train_loader, run_dir: str | Path, epochs: int, profile: Profile | None = None,
    val_loader=None, resume: bool = True, progress: bool = True, callbacks=(), monitor: bool = True,
) -> L.Trainer:
    """Train ``module`` for ``epochs`` epochs, logging and checkpointing into ``run_dir``.

    With ``resume`` (default) an existing ``run_dir/checkpoints/last.ckpt`` is continued from
    (or, if it already reached ``epochs``, only its weights are loaded). ``monitor`` adds a
    :class:`~sslkit.monitor.CollapseMonitor`. Returns the Trainer.
    """
    p = profile or PROFILE
    run_dir = Path(run_dir)
    last = run_dir / "checkpoints" / "last.ckpt"
    ckpt_path = str(last) if resume and last.is_file() else None
    start_epoch = _epochs_done(ckpt_path)
    if ckpt_path:
        print(f"{run_dir.name}: found last.ckpt after epoch {start_epoch} of {epochs}; "
              + ("reloading it." if start_epoch >= epochs else "resuming from it."))
    if p.channels_last:
        module = module.to(memory_format=torch.channels_last)
        module.channels_last = True
    trainer = L.Trainer(
        max_epochs=epochs,
        accelerator="gpu" if p.device == "cuda" else "cpu",
        devices=1,
        precision=p.precision,
        logger=CSVLogger(run_dir, name="logs"),
        callbacks=[
            ModelCheckpoint(
                dirpath=run_dir / "checkpoints", filename="{epoch:03d}", every_n_epochs=1, save_top_k=1, save_last=True
            ),
            *([_EpochBar(refresh_rate=max(1, len(train_loader) // 20))] if progress else []),
            *([CollapseMonitor()] if monitor else []),
            *callbacks,
        ],
        log_every_n_steps=max(1, min(50, len(train_loader) // 4)),
        num_sanity_val_steps=0,
        enable_model_summary=False,
        enable_progress_bar=progress,
        default_root_dir=run_dir,
    )
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*does not have many workers.*")
        warnings.filterwarnings("ignore", ".*exists and is not empty.*")
        warnings.filterwarnings("ignore", ".*treespec.*")
        warnings.filterwarnings("ignore", ".*no `val_dataloader`.*")
        warnings.filterwarnings("ignore", ".*dirpath has changed.*")  # a run folder that was moved
        trainer.fit(module, train_loader, val_loader, ckpt_path=ckpt_path)
    _add_wall_time(run_dir, time.perf_counter() - t0, trainer.current_epoch - start_epoch)
    return trainer


def _epochs_done(ckpt_path: str | None) -> int:
    if not ckpt_path:
        return 0
    return torch.load(ckpt_path, map_location="cpu", weights_only=False).get("epoch", -1) + 1


def _add_wall_time(run_dir: Path, seconds: float, epochs: int) -> None:
    if epochs <= 0:  # a finished run only reloaded: its training time is already recorded
        return
    t = wall_time(run_dir)
    t = {"seconds": t["seconds"] + seconds, "epochs": t["epochs"] + epochs}
    (run_dir / "wall_time.json").write_text(json.dumps(t) + "\n")


def wall_time(run_dir: str | Path) -> dict:
    """{"seconds": …, "epochs": …}: training wall time of a run summed over its resumes."""
    f = Path(run_dir) / "wall_time.json"
    return json.loads(f.read_text()) if f.is_file() else {"seconds": 0.0, "epochs": 0}


def pretrain(
    method_cls, train: ImageSet, test: ImageSet | None, run_dir: str | Path, epochs: int | None = None,
    profile: Profile | None = None, batch_size: int | None = None, progress: bool = True, seed: int = 0,
    callbacks=(), **kwargs,
):
    """Build ``method_cls`` at the profile's backbone size and fit it on ``train``.

    The learning rate is ``method_cls.base_lr × batch / 256`` unless ``lr`` is given, with a
    warmup over the first 10% of epochs; the online probe is validated on ``test`` every
    epoch. ``kwargs`` go to the method (e.g. ``temperature``). Returns the trained module
    (reloaded, not retrained, when ``run_dir`` already holds a finished run).
    """
    p = profile or PROFILE
    if batch_size:
        p = replace(p, batch_size=batch_size)
    epochs = epochs or p.pretrain_epochs
    kwargs.setdefault("lr", method_cls.base_lr * p.batch_size / 256)
    kwargs.setdefault("warmup_epochs", 0.1 * epochs)
    torch.manual_seed(seed)
    module = method_cls(arch=p.arch, width=p.width, num_classes=train.num_classes, **kwargs)
    train_loader, test_loader = loaders(train, test, p, seed)
    fit(module, train_loader, run_dir, epochs, p, val_loader=test_loader, progress=progress, callbacks=callbacks)
    return module.to(p.device)
