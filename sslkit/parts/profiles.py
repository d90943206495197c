"""Run profiles: one switch that sizes every notebook, test and demo.

``SSLKIT_PROFILE`` = ``smoke`` | ``cpu`` | ``live`` | ``gpu``, read **at call time** like every
other sslkit setting (``SSLKIT_HOME``, ``SSLKIT_DATA``): functions that take ``profile=None``
call :func:`get_profile` when they run, so setting the variable after ``import sslkit`` works.
Without it: ``cpu``, on every machine — a profile names the *sizes* of the runs, not the
hardware; the device is this machine's (a GPU when CUDA is available, :func:`default_device`).

- **smoke**: CI. Seconds per notebook: a tiny class-balanced subset and a very narrow
  network. It proves the code path runs and the loss is finite and falls, nothing more;
  its accuracies mean nothing. Always trains.
- **cpu**: the committed reference runs' sizes. Each method's main run (its reference, the
  floor and the supervised baseline) on all 50,000 CIFAR-10 training images at width 1/8, for one
  equal budget of about two hours of a 2-core CPU (the epochs per method in ``main_runs``), evaluated on all 10,000 test images; the experiments on a fifth of CIFAR-10 or
  less. Notebooks load the references (on a GPU runtime too, where they are evaluated on the
  GPU) and run in minutes. Training them all again takes a day of CPU.
- **live**: "train it yourself" (``SSLKIT_RETRAIN=1`` or ``setup(..., retrain=True)`` pick it
  when no profile is set): every notebook's runs train here in about 10 minutes or less on a
  2-core laptop CPU (far less on a GPU), in their own ``runs/live/`` folders, never mixed with
  the references. Too small for the claims: its numbers show the code learning, not the papers.
  Always trains.
- **gpu**: full CIFAR-10 and a full-width ResNet-18, trained for 15 epochs, for whoever has a
  fast GPU and asks for it (``SSLKIT_PROFILE=gpu``): hours of a T4, far shorter than the
  papers' runs (their numbers need hundreds of epochs). No references are committed for it.

A profile sizes two kinds of runs. Its **main runs** — each method's reference, the floor and
the supervised baseline they are read against — take their images, width, batch and epochs from
:meth:`Profile.main_profile` (the profile itself unless it sets ``main_sizes``) and their epochs
and method settings from :meth:`Profile.main_run`; its **experiments** (sweeps, size sweeps,
fine-tunes) keep the profile's own sizes, so the main runs can grow without moving every
experiment.

Precision and memory layout are not part of a profile's sizes: :func:`fast_settings` picks
them for the device the profile runs on (``precision="auto"``), the fastest configuration
measured to be correct (``bench/train_step.py``, ``bench/precision_check.py``; results in
``bench/README.md``):

- a GPU with bf16 (Ampere and later): bf16 autocast + channels_last;
- a GPU without it (Colab's free T4, V100): float16 autocast with loss scaling (Lightning's
  ``16-mixed`` runs a GradScaler) + channels_last;
- a CPU whose oneDNN has native bf16 (AVX512-BF16 or AMX): bf16 autocast + channels_last —
  about 2× float32 for a ResNet-18 at width 1/4 on a 2-core AVX512-BF16 CPU, with loss and
  online-probe accuracy within float32's seed-to-seed spread;
- any other CPU: float32 + channels_last.

``SSLKIT_PRECISION`` (``32-true``, ``bf16-mixed``, ``16-mixed``) overrides the choice, e.g.
``SSLKIT_PRECISION=32-true`` to reproduce a float32 run. Losses are float32 inside either way
(:func:`sslkit.parts.losses.float32`).

Example::

    from sslkit.parts.profiles import describe, get_profile
    print(describe())          # profile and hardware, the first output of every notebook
    get_profile().batch_size   # read from SSLKIT_PROFILE on every call, never frozen at import
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field, replace

import torch

from sslkit.parts import config
from sslkit import __version__


@dataclass(frozen=True)
class Profile:
    name: str
    train_per_class: int | None  # images per class from CIFAR-10 train; None = all 5,000
    test_per_class: int | None  # images per class from CIFAR-10 test; None = all 1,000
    arch: str = "resnet18"
    width: float = 1.0  # channel multiplier of the backbone (1.0 = 64 channels in the stem)
    batch_size: int = 512
    supervised_epochs: int = 30  # supervised baseline / fine-tuning
    pretrain_epochs: int = 100  # self-supervised pretraining
    lr: float = 0.1  # SGD learning rate at batch 256, scaled linearly with batch size
    embed_points: int = 2000  # points in t-SNE / PCA plots
    # sweeps: the smaller runs an experiment repeats once per setting (batch size, temperature, …)
    sweep_per_class: int | None = None
    sweep_width: float = 1.0
    sweep_epochs: int = 20
    seeds: int = 3  # seeds per experiment setting (judge needs 2 or more to measure a spread)
    sweep_points: int | None = None  # sizes per scaling sweep (:meth:`points`): None = every one
    device: str = "auto"  # "auto" → default_device(): cuda when available, else cpu
    references: bool = True  # False: never looks for reference runs, always trains (smoke, live)
    about: str = ""  # what the profile is for, in the line every notebook prints first
    precision: str = "auto"  # Lightning precision; "auto" → fast_settings(device) in get_profile
    channels_last: bool | None = None  # None → fast_settings(device)
    # the main runs' sizes where they differ from the sizes above (which the experiments keep):
    # {"train_per_class": None, "width": 0.125, …}; read through main_profile()
    main_sizes: dict = field(default_factory=dict, hash=False)
    # the main runs' own settings: stem ("simclr", "byol", …, "supervised") → {"epochs": …,
    # method settings}; read through main_run()
    main_runs: dict = field(default_factory=dict, hash=False)

    def main_profile(self) -> "Profile":
        """This profile at its main runs' sizes (:attr:`main_sizes`): the images, width, batch and
        epochs of the runs a notebook loads or trains as its method's reference, its floor and
        its supervised baseline. Its experiments (sweeps, size sweeps, fine-tunes) keep this
        profile's own sizes, so main runs can grow without moving every experiment. Without
        :attr:`main_sizes` it is this profile."""
        return replace(self, **self.main_sizes, main_sizes={}) if self.main_sizes else self

    def main_run(self, stem: str) -> dict:
        """The settings of this profile's main run ``stem`` — the run a method's notebook loads or
        trains and notebook 08 transfers:
        ``epochs`` (the profile's ``pretrain_epochs``, ``supervised_epochs`` for "supervised",
        unless :attr:`main_runs` says otherwise) and the method settings :attr:`main_runs` gives
        it (e.g. SimCLR's ``temperature``). One table per profile, read by
        :func:`sslkit.records.policy.load_or_pretrain`, the supervised baseline, the demo and the
        live-training estimate, so each main run's settings are written once."""
        epochs = self.supervised_epochs if stem == "supervised" else self.pretrain_epochs
        return {"epochs": epochs, **self.main_runs.get(stem, {})}

    def sweep(self) -> "Profile":
        """This profile resized for one run of an experiment's sweep."""
        return replace(self, train_per_class=self.sweep_per_class, width=self.sweep_width,
                       pretrain_epochs=self.sweep_epochs)

    def points(self, settings: list) -> list:
        """``settings`` of a sweep (e.g. notebook 09's widths), thinned to ``sweep_points`` evenly
        spaced ones that keep both ends — smoke runs 2: the code path, not the curve."""
        n = self.sweep_points
        if n is None or n >= len(settings):
            return list(settings)
        if n < 2:
            raise ValueError(f"sweep_points must be None or at least 2 (both ends of a sweep), got {n}.")
        return [settings[round(i * (len(settings) - 1) / (n - 1))] for i in range(n)]

    def scaled_lr(self, base: float | None = None) -> float:
        """Linear scaling rule at this profile's batch: ``base * batch_size / 256`` (:func:`scaled_lr`)."""
        return scaled_lr(self.lr if base is None else base, self.batch_size)


def scaled_lr(base: float, batch_size: int) -> float:
    """The linear scaling rule (Goyal et al. 2017) every sslkit run uses: ``base × batch / 256``."""
    return base * batch_size / 256


def _cuda() -> bool:
    return torch.cuda.is_available()


def default_device() -> str:
    """"cuda" when this machine has a usable GPU, else "cpu": where every profile but smoke runs."""
    return "cuda" if _cuda() else "cpu"


PROFILES = {
    "smoke": Profile(
        "smoke", train_per_class=20, test_per_class=10, width=0.125, batch_size=32,
        supervised_epochs=2, pretrain_epochs=2, embed_points=100,
        sweep_per_class=10, sweep_width=0.125, sweep_epochs=1, seeds=2, sweep_points=2,  # the code path, not the claim
        main_runs={"jigsaw": {"epochs": 1}, "byol": {"epochs": 4}, "simclr": {"temperature": 0.5}},
        # sweeps on 100 images (their compute is most of CI's notebook time) at batch 32, so a
        # doubled-batch setting (64) still takes a step
        device="cpu", references=False, about="CI's size: seconds, accuracies mean nothing",
    ),
    # cpu: experiments at the sizes below (10,000 training and 5,000 test images; sweep runs 8
    # epochs at width 1/8, most on 2,000 images); main runs on every train and test image at
    # width 1/8, batch 256, with one equal budget of about 7,500 s of 2-core CPU each, turned into
    # epochs by each method's measured images/s. Each method's settings were chosen on a
    # validation split cut from the training images (docs/decisions.md): SimCLR's lr 0.3 at batch
    # 256 and τ 0.2, CPC's prediction of only 3 rows ahead (first_step=3, as CPC v2's reference
    # code); SwAV keeps the paper's ε 0.05 (0.02 collapsed at full scale). Its reference runs are
    # committed, so notebooks load them and run in minutes.
    "cpu": Profile(
        "cpu", train_per_class=1000, test_per_class=500, width=0.25, batch_size=128,
        supervised_epochs=15, pretrain_epochs=16, embed_points=1000,
        sweep_per_class=200, sweep_width=0.125, sweep_epochs=8,
        # float32 pinned: precision is part of a run's identity, so every machine asks for the same runs
        main_sizes={"train_per_class": None, "test_per_class": None, "width": 0.125, "batch_size": 256,
                    "pretrain_epochs": 50, "precision": "32-true"},
        main_runs={"supervised": {"epochs": 100}, "rotnet": {"epochs": 20}, "jigsaw": {"epochs": 50},
                   "cpc": {"epochs": 16, "first_step": 3}, "simclr": {"epochs": 50, "lr": 0.3, "temperature": 0.2},
                   "byol": {"epochs": 31}, "deepcluster": {"epochs": 70}, "swav": {"epochs": 29}},
        about="the committed references' sizes",
    ),
    # live: what a reader trains in a notebook ("train it yourself"), sized by
    # sslkit.course.estimate.training_minutes to at most about 10 minutes per notebook on a 2-core
    # CPU (docs/decisions.md); seconds to minutes on a GPU
    "live": Profile(
        "live", train_per_class=100, test_per_class=100, width=0.125, batch_size=64,
        supervised_epochs=10, pretrain_epochs=8, embed_points=500,
        sweep_per_class=30, sweep_width=0.125, sweep_epochs=3, seeds=2, sweep_points=2,
        main_runs={"jigsaw": {"epochs": 4}, "byol": {"epochs": 16}, "simclr": {"temperature": 0.5}},
        references=False, about="train it yourself: minutes, too small to show the claims",
    ),
    # gpu: all of CIFAR-10 at full width, sized so that every reference run of notebooks 00–05
    # fits about 9 minutes of one H100 and a notebook's live training a Colab session — an
    # estimate until a GPU measures it (bench/gpu.py)
    "gpu": Profile(
        "gpu", train_per_class=None, test_per_class=None, width=1.0, batch_size=512,
        supervised_epochs=15, pretrain_epochs=15, embed_points=2000,
        sweep_per_class=1000, sweep_width=0.5, sweep_epochs=10,
        main_runs={"jigsaw": {"epochs": 7}, "byol": {"epochs": 30}, "simclr": {"temperature": 0.5}},
        device="cuda", about="full scale, for a fast GPU: hours",
    ),
}


PRECISIONS = ("32-true", "bf16-mixed", "16-mixed")


def cpu_has_bf16() -> bool:
    """True when this CPU's oneDNN runs bf16 natively (AVX512-BF16 or AMX), where bf16
    autocast is faster than float32; emulated bf16 elsewhere is slower."""
    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def cuda_has_bf16() -> bool:
    """True on GPUs with native bf16 (compute capability 8.0+); a T4 only emulates it."""
    try:
        return torch.cuda.is_bf16_supported(including_emulation=False)
    except TypeError:  # older torch without the argument
        return torch.cuda.get_device_capability()[0] >= 8


def channels_last_safe(module: torch.nn.Module, device: str) -> bool:
    """False for a module whose convolutions have a channel count that is not a multiple of 8,
    on CPU. oneDNN's channels_last kernels can corrupt memory (a ``double free``, a segfault in
    backward) on CPUs without AVX512 for ResNets of width 1/16 and 0.09 (4 and 6 stem channels),
    while widths 1/8 and up (8, 16, … channels) run; such narrow networks train in the
    contiguous layout instead (they are cheap either way)."""
    if device != "cpu":
        return True
    convs = [m for m in module.modules() if isinstance(m, torch.nn.Conv2d)]
    return all(c % 8 == 0 for m in convs for c in (m.in_channels, m.out_channels) if c != 3)


def in_channels_last(module: torch.nn.Module) -> bool:
    """True when the module's first convolution holds its weights in channels_last layout (it was
    moved there with ``module.to(memory_format=torch.channels_last)``); inputs should match."""
    conv = next((m for m in module.modules() if isinstance(m, torch.nn.Conv2d)), None)
    return conv is not None and not conv.weight.is_contiguous() and conv.weight.is_contiguous(
        memory_format=torch.channels_last)


def fast_settings(device: str) -> dict:
    """{"precision", "channels_last"}: the fastest correct configuration for ``device``
    ("cuda" or "cpu") on this machine, or ``SSLKIT_PRECISION`` when set."""
    forced = config.precision()
    if forced and forced not in PRECISIONS:
        raise ValueError(f"SSLKIT_PRECISION={forced!r}: use one of {', '.join(PRECISIONS)}, or unset it for "
                         "the fastest setting of this device.")
    if device == "cuda":
        precision = "bf16-mixed" if cuda_has_bf16() else "16-mixed"
        layout = True
    else:
        precision = "bf16-mixed" if cpu_has_bf16() else "32-true"
        layout = torch.backends.mkldnn.is_available()
        if forced == "16-mixed":
            raise ValueError("SSLKIT_PRECISION=16-mixed needs a GPU; on a CPU use bf16-mixed or 32-true.")
    return {"precision": forced or precision, "channels_last": layout}


def get_profile(name: str | Profile | None = None) -> Profile:
    """The profile called ``name``, else ``$SSLKIT_PROFILE``, else cpu (the references' sizes), on
    this machine's device (:func:`default_device`) with precision and memory layout chosen for it
    by :func:`fast_settings`. A
    :class:`Profile` is returned :func:`resolved` (a hand-made one may leave precision "auto"):
    every sslkit function that takes ``profile`` takes a name, a Profile or None, through here.

    On a machine without CUDA the gpu profile keeps its sizes but runs on the CPU (slow, but
    it runs), so a gpu-profile script can be smoke-tested anywhere; on one with CUDA the cpu
    profile's references are loaded and evaluated on the GPU.
    """
    if isinstance(name, Profile):
        return resolved(name)
    if name is not None and not isinstance(name, str):
        raise TypeError(f"profile must be a name ({', '.join(PROFILES)}), a Profile or None, got {type(name).__name__}.")
    name = (name or config.profile_name() or "cpu").strip().lower()
    if name not in PROFILES:
        raise ValueError(
            f"Unknown profile {name!r}. Set SSLKIT_PROFILE to one of {', '.join(PROFILES)} "
            "(or unset it for cpu, the committed references' sizes)."
        )
    return resolved(PROFILES[name])


def run_profile(retrain: bool, chosen: str = "") -> Profile:
    """The profile a notebook or ``make demo`` runs under: ``chosen`` (a name, e.g. the reader's
    ``SSLKIT_PROFILE``), else live when it retrains (a reader's own runs), else cpu (the references)."""
    return get_profile(chosen or ("live" if retrain else "cpu"))


def resolved(profile: Profile) -> Profile:
    """``profile`` with ``precision="auto"`` and ``channels_last=None`` replaced by this device's
    :func:`fast_settings` (a profile built by hand, not by :func:`get_profile`, may hold them)."""
    if profile.device == "auto" or (profile.device == "cuda" and not _cuda()):
        profile = replace(profile, device=default_device())
    if profile.precision != "auto" and profile.channels_last is not None:
        return profile
    auto = fast_settings(profile.device)
    return replace(profile, precision=auto["precision"] if profile.precision == "auto" else profile.precision,
                   channels_last=auto["channels_last"] if profile.channels_last is None else profile.channels_last)


def hardware() -> str:
    """One line naming the device that will do the work."""
    if _cuda():
        props = torch.cuda.get_device_properties(0)
        return f"GPU {props.name} ({props.total_memory / 2**30:.0f} GiB), torch {torch.__version__}"
    return (
        f"CPU {platform.processor() or platform.machine()} with {torch.get_num_threads()} "
        f"thread{'s' if torch.get_num_threads() != 1 else ''}"
        f"{', native bf16' if cpu_has_bf16() else ''}, no CUDA, torch {torch.__version__}"
    )


def describe(profile: Profile | None = None, train=None) -> str:
    """The line every notebook prints first: which profile, which hardware. With ``train`` (an
    ImageSet) it names the images actually used instead of the profile's subset size."""
    p = get_profile(profile)
    if train is not None:
        subset = f"{len(train):,} images"
    else:
        subset = "all" if p.train_per_class is None else f"{p.train_per_class}/class"
    about = f" ({p.about})" if p.about else ""
    main = ""
    if p.main_sizes:
        m = p.main_profile()
        main = (f" | main runs: width {m.width}, train {'all' if m.train_per_class is None else f'{m.train_per_class}/class'}, "
                f"batch {m.batch_size}")
    return (
        f"sslkit {__version__}, profile: {p.name}{about} | {p.arch} width {p.width} | train {subset} | batch {p.batch_size}{main} "
        f"| {p.device} {p.precision}{', channels_last' if p.channels_last else ''}\nhardware: {hardware()}"
    )
