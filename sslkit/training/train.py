"""The one training path: every method, supervised or self-supervised, is fit here.

:func:`fit` wraps the Lightning Trainer with what a long run needs:

- **run identity**: the folder records what made it (:mod:`sslkit.training.runs`); a run with other
  settings refuses to resume or reload it, naming the differences and the two ways out;
- **resume that continues**: training picks up from the newest intact checkpoint (a torn
  ``last.ckpt`` is skipped for the previous epoch's), and because the loader's order and the
  augmentation stream of every epoch derive from (seed, epoch), a run killed and resumed ends
  with the same weights as one that never stopped (on CPU); a finished run only reloads;
- a progress bar and CSV logs (``<run>/logs/version_N/metrics.csv``; a resumed run writes a
  new version and :func:`sslkit.training.runs.read_metrics` joins them, each epoch once);
- a collapse monitor (:class:`sslkit.parts.monitor.CollapseMonitor`) for every method;
- the wall time of every segment, killed ones included, in ``<run>/wall_time.json``;
- one process or several (``devices=2``: DDP, negatives gathered across processes);
- the profile's precision and memory layout (:func:`sslkit.parts.profiles.fast_settings`: bf16 or
  float16 autocast + channels_last on GPU, bf16 + channels_last on CPUs with native bf16);
- on CPU, torch threads matched to the cores other processes leave free, re-checked every
  epoch (:mod:`sslkit.parts.threads`), so a busy browser or test runner costs its share, not 5×.
"""

from __future__ import annotations

import collections
import gc
import json
import logging
import signal
import time
import uuid
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback, ModelCheckpoint, TQDMProgressBar
from lightning.pytorch.loggers import CSVLogger
from torch import nn

from sslkit.methods import method_class
from sslkit.parts.data import DeviceLoader, ImageSet, epoch_seed
from sslkit.parts.monitor import CollapseMonitor
from sslkit.parts.profiles import Profile, channels_last_safe, get_profile, hardware, resolved
from sslkit.parts.threads import ThreadGovernor, physical_cores
from sslkit.training import runs
from sslkit.training.runs import wall_time


class _Chatter(logging.Filter):
    """Drops Lightning's routine lines (hardware found, checkpoint restored, a logging tip);
    the ones that say why training stopped (max_epochs, a Timer, an early stop) and every
    warning still reach the notebook."""

    ROUTINE = ("available:", "LOCAL_RANK", "Tip:", "to estimate number of stepping batches",
               "Restoring states from the checkpoint", "Restored all states")

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(w in record.getMessage() for w in self.ROUTINE)


def _quiet_lightning() -> None:
    """Put :class:`_Chatter` on Lightning's loggers once (by :func:`fit`, not on import)."""
    for name in ("lightning.pytorch.utilities.rank_zero", "lightning.pytorch.accelerators.cuda"):
        log = logging.getLogger(name)
        if not any(isinstance(f, _Chatter) for f in log.filters):
            log.addFilter(_Chatter())


class _EpochBar(TQDMProgressBar):
    """Lightning's bar without the nested validation bar, which floods notebook output."""

    def init_validation_tqdm(self):
        # created disabled: a notebook bar disabled after creation has already been displayed,
        # leaving one empty "Validation 0/?" widget per epoch in the saved notebook
        from lightning.pytorch.callbacks.progress.tqdm_progress import Tqdm

        return Tqdm(disable=True)

    def get_metrics(self, trainer, pl_module):
        items = super().get_metrics(trainer, pl_module)
        items.pop("v_num", None)
        return items


def train_batch_size(profile: Profile, train: ImageSet) -> int:
    """The training batch :func:`loaders` uses: the profile's, or every image when there are fewer."""
    return min(profile.batch_size, len(train))


def loaders(train: ImageSet, test: ImageSet | None, profile: Profile | None = None, seed: int = 0):
    """(train loader, test loader) on the profile's device; the train loader shuffles and
    drops the last partial batch, the test loader keeps every image in order."""
    p = get_profile(profile)
    train_loader = DeviceLoader(train, train_batch_size(p, train), shuffle=True, device=p.device, seed=seed)
    test_loader = DeviceLoader(test, 1024, shuffle=False, device=p.device) if test is not None else None
    return train_loader, test_loader


class _Checkpoints(ModelCheckpoint):
    """Lightning's checkpointing, with each file's sha256 written atomically beside it
    (:func:`sslkit.training.runs.write_checksum`), so a resume can tell a whole checkpoint from a damaged one."""

    def _save_checkpoint(self, trainer, filepath):
        super()._save_checkpoint(trainer, filepath)
        if trainer.is_global_zero:
            runs.write_checksum(filepath)

    def _remove_checkpoint(self, trainer, filepath):
        super()._remove_checkpoint(trainer, filepath)
        if trainer.is_global_zero:
            runs.checksum_path(filepath).unlink(missing_ok=True)


class _Identity(Callback):
    """Writes the run's settings (its ``run.json``) into every checkpoint it saves, so a checkpoint
    copied into another run's folder is recognised and refused there
    (:func:`sslkit.training.runs.checkpoint_mismatch`)."""

    def __init__(self, settings: dict):
        self.settings = settings

    def on_save_checkpoint(self, trainer, pl_module, checkpoint):
        checkpoint[runs.IDENTITY_KEY] = self.settings


class _EpochStreams(Callback):
    """At each epoch start: the loader's order and the global RNG (the augmentations' random
    stream) are set from (seed, epoch, rank), so a resumed epoch repeats exactly."""

    def __init__(self, seed: int):
        self.seed = seed

    def on_train_epoch_start(self, trainer, pl_module):
        loader = trainer.train_dataloader
        if hasattr(loader, "set_epoch"):
            loader.set_epoch(trainer.current_epoch)
        torch.manual_seed(epoch_seed(self.seed, trainer.current_epoch, trainer.global_rank))


class _Threads(Callback):
    """On CPU: intra-op threads = the physical cores other processes leave free, chosen at the
    start of training and re-chosen at each epoch start from the load over the last epoch."""

    def __init__(self):
        self.governor = ThreadGovernor()

    def on_train_start(self, trainer, pl_module):
        self.governor.start()
        self._say(trainer)

    def on_train_epoch_start(self, trainer, pl_module):
        seen = len(self.governor.changes)
        self.governor.update()
        if len(self.governor.changes) > seen:
            self._say(trainer)

    def _say(self, trainer):
        ch = self.governor.changes
        if ch and trainer.global_rank == 0 and (len(ch) > 1 or ch[-1][2] < physical_cores()):
            print(f"sslkit: {ch[-1][1]:.1f} cores busy with other processes → training on {ch[-1][2]} thread(s) "
                  f"of {physical_cores()}.", flush=True)


class _WallClock(Callback):
    """Keeps ``wall_time.json`` current during training: every segment (one start of training,
    killed or not) with its wall seconds, its process CPU seconds (all threads: on CPU the
    compute spent, which pauses and other processes do not inflate) and the epochs done,
    rewritten at each epoch end and at most every ``every_s`` seconds in between, so a killed
    segment loses at most that much.

    A process stopped and continued (``kill -STOP`` / ``kill -CONT``, or ctrl-Z and ``fg``) is not
    training while it is stopped: the clock hears the SIGCONT and takes the gap it ended, less
    one typical step, out of ``seconds`` and into the segment's ``paused_seconds``. (It listens
    only where Python lets it, in the main thread; elsewhere a pause still counts.)"""

    def __init__(self, run_dir: Path, every_s: float = 10.0):
        self.run_dir, self.every_s = run_dir, every_s
        self.started = False  # a finished run only reloads: no training, no segment
        self.token = uuid.uuid4().hex  # marks this fit's segment (also when DDP trains in other processes)

    def on_train_start(self, trainer, pl_module):
        self.started = True
        self.t0 = self.last = self.tick = time.perf_counter()
        self.c0 = time.process_time()
        self.paused, self.continued, self.steps_s = 0.0, False, collections.deque(maxlen=50)
        self._listen(True)
        self.record = wall_time(self.run_dir)
        self.record["segments"].append({"started": time.strftime("%Y-%m-%d %H:%M:%S"), "token": self.token, "seconds": 0.0,
                                        "from_epoch": trainer.current_epoch, "to_epoch": trainer.current_epoch})

    def _listen(self, on: bool) -> None:
        """Hear SIGCONT while training (``on``), or give the handler back."""
        if not hasattr(signal, "SIGCONT"):  # Windows has no job control
            return
        try:
            if on:
                self.before = signal.signal(signal.SIGCONT, self._on_continue)
            elif getattr(self, "before", None) is not None:
                signal.signal(signal.SIGCONT, self.before)
                self.before = None
        except ValueError:  # not the main thread: a pause will count as training time
            self.before = None

    def _on_continue(self, signum, frame):
        self.continued = True
        if callable(self.before):
            self.before(signum, frame)

    def _tick(self, step_ended: bool = False) -> None:
        """Called at each batch's start and end: a gap that a SIGCONT ended was a pause, less the
        typical step (the median of the last 50 unpaused steps) that also ran in it."""
        now = time.perf_counter()
        gap, self.tick = now - self.tick, now
        if self.continued:
            self.continued = False
            typical = sorted(self.steps_s)[len(self.steps_s) // 2] if self.steps_s else 0.0
            self.paused += max(0.0, gap - typical)
        elif step_ended:
            self.steps_s.append(gap)

    def _write(self, trainer, epochs_done: int | None = None) -> None:
        if trainer.global_rank != 0:
            return
        self._tick()
        self.last = time.perf_counter()
        seg = self.record["segments"][-1]
        seg["seconds"] = round(self.last - self.t0 - self.paused, 2)
        if self.paused:
            seg["paused_seconds"] = round(self.paused, 2)
        seg["cpu_seconds"] = round(time.process_time() - self.c0, 2)
        self.record["steps"] = trainer.global_step
        if epochs_done is not None:  # the epochs the weights now hold
            seg["to_epoch"] = self.record["epochs"] = epochs_done
        self.record["seconds"] = round(sum(s["seconds"] for s in self.record["segments"]), 2)
        self.record["cpu_seconds"] = round(sum(s.get("cpu_seconds", 0.0) for s in self.record["segments"]), 2)
        tmp = self.run_dir / "wall_time.tmp"
        tmp.write_text(json.dumps(self.record, indent=1) + "\n")
        tmp.replace(self.run_dir / "wall_time.json")

    def on_train_batch_start(self, trainer, *args):
        self._tick()

    def on_train_batch_end(self, trainer, *args):
        self._tick(step_ended=True)
        if time.perf_counter() - self.last > self.every_s:
            self._write(trainer)

    def on_train_epoch_end(self, trainer, pl_module):
        # the intra-op threads this epoch ran on: another count sums floats in another order, so
        # a resume is bitwise only where the counts match (README, "Runs")
        epoch, n = trainer.current_epoch, torch.get_num_threads()
        threads = self.record.setdefault("threads", {})
        before = threads.get(str(epoch - 1))
        seg = self.record["segments"][-1]
        if epoch == seg["from_epoch"] and before is not None and before != n and trainer.global_rank == 0:
            print(f"{self.run_dir.name}: resumed on {n} thread(s) where epoch {epoch - 1} ran on {before}: the weights "
                  "may now differ in their last bits from a run that never stopped (floats summed in another "
                  "order). Pin SSLKIT_THREADS for runs that must resume bit for bit.", flush=True)
        threads[str(epoch)] = n
        self._write(trainer, epoch + 1)

    def on_train_end(self, trainer, pl_module):
        self._write(trainer)
        self._listen(False)

    def on_exception(self, trainer, pl_module, exception):
        if self.started:
            self._write(trainer)
            self._listen(False)


def fit(
    module: L.LightningModule, train_loader: DeviceLoader, run_dir: str | Path, epochs: int,
    profile: Profile | None = None, val_loader=None, overwrite: bool = False, progress: bool = True,
    callbacks=(), monitor: bool = True, devices: int = 1, strategy: str = "auto", wait: bool = False,
) -> L.Trainer:
    """Train ``module`` for ``epochs`` epochs, logging and checkpointing into ``run_dir``.

    The process holds the folder throughout (:func:`sslkit.training.runs.owned`): a second process
    asking for it gets :class:`~sslkit.training.runs.RunBusy` naming the holder, or waits with
    ``wait=True``; ``overwrite`` never deletes a folder another process holds.

    The folder must be new or hold a run of exactly these settings (:func:`sslkit.training.runs.claim`:
    method, hyper-parameters, augmentation, epochs, batch, seed, data, profile, processes);
    it then continues from its newest intact checkpoint, or only reloads a finished run.
    ``overwrite=True`` deletes what the folder held and trains anew. ``devices`` > 1 trains
    with DDP (on CPU pass ``strategy="ddp_spawn"`` from a notebook or test; the batch stays
    global). ``monitor`` adds a :class:`~sslkit.parts.monitor.CollapseMonitor`. Returns the Trainer.
    """
    p = get_profile(profile)
    _check_count("epochs", epochs, 1, "the epochs to train")
    _quiet_lightning()
    run_dir = Path(run_dir)
    settings = runs.run_settings(module, train_loader.data, epochs=epochs, batch_size=train_loader.batch_size,
                                 seed=train_loader.seed, profile=p, devices=devices)
    with runs.owned(run_dir, wait=wait):
        return _fit_owned(module, train_loader, run_dir, epochs, p, settings, val_loader, overwrite, progress,
                          callbacks, monitor, devices, strategy)


def _fit_owned(module, train_loader, run_dir: Path, epochs: int, p: Profile, settings: dict, val_loader, overwrite: bool,
               progress: bool, callbacks, monitor: bool, devices: int, strategy: str) -> L.Trainer:
    """:func:`fit`'s work, done while this process holds the run folder (:func:`sslkit.training.runs.owned`)."""
    runs.claim(run_dir, settings, overwrite)
    ckpt_path, start_epoch = runs.latest_checkpoint(run_dir, settings)
    if ckpt_path:
        print(f"{run_dir.name}: found {ckpt_path.name} after epoch {start_epoch} of {epochs}; "
              + ("reloading it." if start_epoch >= epochs else "resuming from it."))
    if p.channels_last and channels_last_safe(module, p.device):
        module = module.to(memory_format=torch.channels_last)
    trainer = L.Trainer(
        max_epochs=epochs,
        accelerator="gpu" if p.device == "cuda" else "cpu",
        devices=devices,
        strategy=strategy,
        precision=p.precision,
        logger=CSVLogger(run_dir, name="logs"),
        callbacks=[
            _Checkpoints(
                dirpath=run_dir / "checkpoints", filename="{epoch:03d}", every_n_epochs=1, save_top_k=1, save_last=True
            ),
            _Identity(settings),
            _EpochStreams(train_loader.seed),
            _WallClock(run_dir),
            *([_Threads()] if p.device == "cpu" and devices == 1 else []),
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
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*does not have many workers.*")
        warnings.filterwarnings("ignore", ".*exists and is not empty.*")
        warnings.filterwarnings("ignore", ".*treespec.*")
        warnings.filterwarnings("ignore", ".*no `val_dataloader`.*")
        warnings.filterwarnings("ignore", ".*is not a `DataLoader`.*")
        trainer.fit(module, train_loader, val_loader, ckpt_path=str(ckpt_path) if ckpt_path else None)
    return trainer


@dataclass
class RunReport:
    """How a run went: what a caller needs to report it (``report`` of what :func:`pretrain`
    returns)."""

    run_dir: Path
    epochs: int  # epochs the run has completed
    steps: int  # optimizer steps taken in all
    images: int  # training images per epoch
    batch_size: int  # global batch
    seconds: float  # training wall time over every segment
    trained_now: bool  # False when a finished run was only reloaded
    reference: dict | None = None  # the manifest entry, when a committed reference was loaded instead

    @property
    def images_per_s(self) -> float:
        """Training throughput over the whole run (images seen per wall-clock second)."""
        return self.steps * self.batch_size / self.seconds if self.seconds else float("nan")


class Trained(NamedTuple):
    """What :func:`pretrain` (and :func:`sslkit.records.policy.load_or_pretrain`) return: the
    trained ``module`` and its :class:`RunReport` — ``model, run = pretrain(...)``."""

    module: nn.Module
    report: RunReport


def _check_count(name: str, value, least: int, why: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"{name} must be a whole number ≥ {least} ({why}), got {value!r}.")


def build(method_cls, train: ImageSet, profile: Profile | None = None, epochs: int | None = None,
          batch_size: int | None = None, seed: int = 0, **kwargs):
    """(profile, epochs, module): ``method_cls`` built as :func:`pretrain` builds it — the
    profile's backbone size, lr = ``base_lr`` × batch / 256, 10% warmup, the seed's init —
    with the profile resized to ``batch_size`` when given, or to the number of training images when
    that is smaller (the loader can fill no larger batch; the learning rate follows the batch
    used, and a line says so). No training. ``method_cls`` may be a
    class or a name (:func:`sslkit.methods.method_class`); bad sizes raise, naming the range."""
    method_cls = method_class(method_cls)
    p = get_profile(profile)
    if batch_size is not None:
        _check_count("batch_size", batch_size, 2, "BatchNorm and the contrastive losses need at least two images a batch")
        p = replace(p, batch_size=batch_size)
    if epochs is not None:
        _check_count("epochs", epochs, 1, "None takes the profile's")
    epochs = p.pretrain_epochs if epochs is None else epochs
    used = train_batch_size(p, train) if hasattr(train, "__len__") else p.batch_size  # a stand-in may give no size
    if used < p.batch_size:  # the loader cannot fill the batch asked for: train at, and scale lr for, the one used
        p = replace(p, batch_size=used)
        if "lr" not in kwargs:
            print(f"batch_size is larger than the {len(train):,} training images: training at batch {used}, "
                  f"learning rate {p.scaled_lr(method_cls.base_lr):g} (base {method_cls.base_lr:g} × {used} / 256).",
                  flush=True)
    kwargs.setdefault("arch", p.arch)
    kwargs.setdefault("width", p.width)
    kwargs.setdefault("lr", p.scaled_lr(method_cls.base_lr))
    kwargs.setdefault("warmup_epochs", 0.1 * epochs)
    torch.manual_seed(seed)
    return p, epochs, method_cls(num_classes=train.num_classes, **kwargs)


def planned_settings(method_cls, train: ImageSet, profile: Profile | None = None, epochs: int | None = None,
                     batch_size: int | None = None, seed: int = 0, **kwargs):
    """(module, settings): the module :func:`pretrain` would train and the run settings it would
    record (:func:`sslkit.training.runs.run_settings`), without training — to match a reference run."""
    p, epochs, module = build(method_cls, train, profile, epochs, batch_size, seed, **kwargs)
    # the batch the loaders would use, without building them (on a GPU that would copy every image there)
    return module, runs.run_settings(module, train, epochs=epochs, batch_size=train_batch_size(p, train), seed=seed,
                                     profile=resolved(p))


def pretrain(
    method_cls, train: ImageSet, test: ImageSet | None, run_dir: str | Path | None = None, epochs: int | None = None,
    profile: Profile | None = None, batch_size: int | None = None, progress: bool = True, seed: int = 0,
    callbacks=(), overwrite: bool = False, devices: int = 1, strategy: str = "auto", stem: str | None = None,
    _halved: bool = False, **kwargs,
):
    """Build ``method_cls`` at the profile's backbone size and fit it on ``train``.

    ``kwargs`` go to the method and may override the profile's backbone (``arch``, ``width``,
    ``depth``, ``norm``) as well as set method settings (e.g. ``temperature``). The learning
    rate is ``method_cls.base_lr × batch / 256`` unless ``lr`` is given, with a warmup over the
    first 10% of epochs; the online probe is validated on ``test`` every epoch.

    ``run_dir`` defaults to ``runs/<profile>/<name>``, the name made from ``stem`` (default: the
    method's name in lower case) and the settings given here that differ from their defaults
    (:func:`sslkit.training.runs.run_name`), so the settings are given once:
    ``pretrain(SimCLR, train, test, temperature=0.2)`` trains in ``runs/cpu/simclr-temperature=0.2``.

    Returns :class:`Trained` — ``(module, report)``: the trained module (reloaded, not retrained,
    when ``run_dir`` already holds this finished run) and a :class:`RunReport` (folder, epochs,
    steps, wall time, images/s, whether it trained now).

    When the GPU runs out of memory, the batch is halved once, with a printed line, and the run
    trains in its own folder (``<run_dir>-batch_size=<half>``: another batch is another run); out of
    memory again, it stops with what to do instead of a raw traceback's worth of CUDA internals.
    """
    if run_dir is None:
        cls = method_class(method_cls)
        named = {**({"epochs": epochs} if epochs is not None else {}),
                 **({"batch_size": batch_size} if batch_size is not None else {}), "seed": seed, **kwargs}
        run_dir = runs.run_dir(stem or cls.__name__.lower(), cls, get_profile(profile), **named)
    elif stem is not None:
        raise ValueError("give run_dir or stem, not both: stem names the folder only when run_dir is not given.")
    p, epochs, module = build(method_cls, train, profile, epochs, batch_size, seed, **kwargs)
    train_loader, test_loader = loaders(train, test, p, seed)
    hp = module.hparams
    print(f"{Path(run_dir).name}: {type(module).__name__} on {len(train):,} images, {hp.arch} width {hp.width:g}, "
          f"batch {train_loader.batch_size}, {epochs} epochs, seed {seed}, {p.device} {p.precision}"
          + (f", {devices} processes" if devices > 1 else ""), flush=True)
    try:
        trainer = fit(module, train_loader, run_dir, epochs, p, val_loader=test_loader, progress=progress,
                      callbacks=callbacks, overwrite=overwrite, devices=devices, strategy=strategy)
    except torch.cuda.OutOfMemoryError:
        batch, name = train_loader.batch_size, type(module).__name__
        del module
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        where = hardware().split(",")[0]
        if _halved or batch < 2:
            raise RuntimeError(
                f"{name} ran out of GPU memory at batch {batch} on {where}{', after halving it once' if _halved else ''}. "
                "Fix: the live "
                "profile's smaller runs (SSLKIT_PROFILE=live, or setup(..., retrain=True)), a smaller batch_size, "
                "or a GPU with more memory.") from None
        half = batch // 2
        run_dir = Path(run_dir)
        halved = run_dir.with_name(f"{run_dir.name}-batch_size={half}")
        print(f"{run_dir.name}: {name} ran out of GPU memory at batch {batch} on {where}; training at batch {half} "
              f"instead, in {halved} (the learning rate follows the batch unless lr was given).", flush=True)
        return pretrain(method_cls, train, test, halved, epochs, profile, half, progress, seed, callbacks, overwrite,
                        devices, strategy, _halved=True, **kwargs)
    return Trained(module.to(p.device), run_report(run_dir, trainer, len(train), train_loader.batch_size))


def run_report(run_dir: str | Path, trainer: L.Trainer, images: int, batch_size: int) -> RunReport:
    """The :class:`RunReport` of the run :func:`fit` just finished (or reloaded) in ``run_dir``
    with ``trainer``: read from the run folder, so also right after DDP in spawned processes."""
    t = wall_time(run_dir)
    token = next(c.token for c in trainer.callbacks if isinstance(c, _WallClock))
    return RunReport(Path(run_dir), t["epochs"], t["steps"], images, batch_size, t["seconds"],
                     trained_now=any(s.get("token") == token for s in t["segments"]))
