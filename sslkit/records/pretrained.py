"""Pretrained encoders, loaded safely: ImageNet SSL ResNet-50s from their authors, and sslkit's own.

**ImageNet models** (:data:`REGISTRY`, :func:`load_imagenet`). Each entry names a file that
its authors publish (FAIR, lightning-bolts, torchvision), how to check it and how its keys
map onto its architecture (:data:`ARCHS`): a torchvision ResNet-50, or for bolts' CPC v2 its
LayerNorm CPC-ResNet-101 used on a grid of patches (:mod:`sslkit.parts.cpc_resnet`). Loading one:

1. the file is downloaded once into ``<SSLKIT_HOME>/pretrained/<name>/`` — into a temporary
   file first, moved into place only after its hash checks out, so an interrupted or corrupt
   download leaves nothing behind;
2. its sha256 is checked on every load (a cached file that changed is refused, with the fix:
   delete it);
3. it is read with ``torch.load(weights_only=True)``: a file that would build arbitrary Python
   objects while unpickling (and so could run code) is refused;
4. its state dict is mapped (:data:`KEY_MAPS`: prefixes such as ``module.`` or Lightning's
   ``encoder.`` dropped, projection heads, prediction tasks and classifiers left out) and
   loaded into the entry's architecture — ``torchvision.models.resnet50()`` with ``fc``
   replaced by an identity, or the CPC encoder — strictly, with a report of any missing or
   unexpected keys. No ``torch.hub.load``: no remote code runs.

Pins. Only the torchvision file and VICReg's have a full sha256 pinned here; Barlow Twins'
has the 10-digit prefix that torch.hub's ``check_hash`` uses. The others' hashes could not
be read where sslkit was built (no internet there), so :func:`load_imagenet` refuses them
unless called with ``allow_unpinned=True``: it then prints the hash it computed and keeps it
beside the file, so later loads detect a changed file. Pin the printed hash in
:data:`REGISTRY` to make the check permanent.

**sslkit's own runs** (:func:`load_backbone`, :func:`load_method`): any reference run folder
(``results/<profile>/<name>/``: ``weights.pt`` + ``run.json``) or run name, rebuilt from the
settings it records.

    encoder = load_backbone("simclr")                # the cpu profile's SimCLR reference encoder
    h = encoder(images)                              # (B, encoder.feature_dim), images in [0, 1]
    r50 = load_imagenet("vicreg")                    # torchvision ResNet-50, fc = Identity
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn

from sslkit.methods import check_hparams, method_class
from sslkit.parts import files, paths
from sslkit.parts.cpc_resnet import CPC_RESNET101, CPCResNet, PatchEncoder
from sslkit.parts.files import file_sha256
from sslkit.records.manifest import load_half_state, read_weights, verified


@dataclass(frozen=True)
class Weights:
    """One published checkpoint: where it is, how to check it, how to read it."""

    url: str
    key_map: str  # a key of KEY_MAPS
    sha256: str | None = None  # full hex digest; None when not yet pinned
    sha256_prefix: str | None = None  # leading hex digits, when only those are known
    size: int | None = None  # bytes
    method: str = ""
    source: str = ""  # where the pin and the published number come from
    imagenet_linear: float | None = None  # published ImageNet linear top-1 (%), the authors' own
    arch: str = "resnet50"  # a key of ARCHS: what the mapped state dict loads into

    @property
    def filename(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]


# Published ImageNet linear-probe top-1 of each file, as its authors report it (not measured here).
REGISTRY: dict[str, Weights] = {
    "supervised": Weights(
        "https://download.pytorch.org/models/resnet50-0676ba61.pth", "torchvision",
        sha256="0676ba61b6795bbe1773cffd859882e5e297624d384b6993f7c9e683e722fb8a", size=102_530_333,
        method="supervised (torchvision IMAGENET1K_V1)",
        source="torchvision ResNet50_Weights.IMAGENET1K_V1 (file name = sha256 prefix; top-1 from its meta)",
        imagenet_linear=76.13),
    "vicreg": Weights(
        "https://dl.fbaipublicfiles.com/vicreg/resnet50.pth", "torchvision",
        sha256="c843e7652491ff2f712734619fd74d85e5e92ac902615665ad3fd50dc6ada591", size=94_345_885,
        method="VICReg", source="facebookresearch/vicreg README (backbone only); Bardes et al. 2022",
        imagenet_linear=73.2),
    "barlowtwins": Weights(
        "https://dl.fbaipublicfiles.com/barlowtwins/ep1000_bs2048_lrw0.2_lrb0.0048_lambd0.0051/resnet50.pth",
        "torchvision", sha256_prefix="cf015f40cc", method="Barlow Twins",
        source="facebookresearch/barlowtwins (1000 epochs); Zbontar et al. 2021", imagenet_linear=73.2),
    "dino": Weights(
        "https://dl.fbaipublicfiles.com/dino/dino_resnet50_pretrain/dino_resnet50_pretrain.pth", "torchvision",
        method="DINO (ResNet-50)", source="facebookresearch/dino; Caron et al. 2021, Table 2",
        imagenet_linear=75.3),
    "swav": Weights(
        "https://dl.fbaipublicfiles.com/deepcluster/swav_800ep_pretrain.pth.tar", "fair",
        method="SwAV (800 epochs)", source="facebookresearch/swav; Caron et al. 2020", imagenet_linear=75.3),
    "bolts-simclr": Weights(
        "https://pl-bolts-weights.s3.us-east-2.amazonaws.com/simclr/bolts_simclr_imagenet/simclr_imagenet.ckpt",
        "bolts_simclr", method="SimCLR (lightning-bolts)", source="lightning-bolts docs, SimCLR ImageNet weights"),
    "bolts-swav": Weights(
        "https://pl-bolts-weights.s3.us-east-2.amazonaws.com/swav/swav_imagenet/swav_imagenet.pth.tar",
        "bolts_swav", method="SwAV (lightning-bolts)", source="lightning-bolts docs, SwAV ImageNet weights"),
    "bolts-cpc": Weights(
        "https://pl-bolts-weights.s3.us-east-2.amazonaws.com/cpc/cpcv2_weights/checkpoints/epoch%3D526.ckpt",
        "bolts_cpc", arch="cpc_resnet101", method="CPC v2 (lightning-bolts; CPC-ResNet-101 on 32-px patches of 128 px)",
        source="lightning-bolts docs, CPCV2 ImageNet weights (its table's ImageNet 'test acc', not a ResNet-50)",
        imagenet_linear=54.82),
}

# heads and classifiers that sit beside the encoder in the published files
_HEADS = ("fc.", "projection", "prototypes.", "online_finetuner.", "non_linear_evaluator.", "contrastive_task.")


def _strip(prefix: str | None) -> Callable[[dict], dict]:
    """A key map: keep the keys under ``prefix`` (all when None) without it, minus heads."""
    def key_map(state: dict) -> dict:
        out = {}
        for k, v in state.items():
            if prefix:
                if not k.startswith(prefix):
                    continue
                k = k[len(prefix):]
            if k.startswith("module."):  # DataParallel / DDP prefix
                k = k[len("module."):]
            if not k.startswith(_HEADS):
                out[k] = v
        return out
    return key_map


# format name → state dict (after unwrapping "state_dict") → the architecture's keys
KEY_MAPS: dict[str, Callable[[dict], dict]] = {
    "torchvision": _strip(None),       # torchvision keys, maybe with fc (dropped)
    "fair": _strip(None),              # FAIR SwAV/DeepCluster-v2: "module." + projection_head/prototypes
    "bolts_simclr": _strip("encoder."),  # Lightning checkpoint: state_dict["encoder.conv1.weight"], projection.*
    "bolts_swav": _strip("model."),      # Lightning checkpoint: state_dict["model.conv1.weight"], model.prototypes.*
    # Lightning checkpoint: "encoder.layer3.45.ln2.weight" + contrastive_task.* (dropped); the keys stay
    # under "encoder.", the attribute of the PatchEncoder that holds the CPC-ResNet
    "bolts_cpc": lambda state: {f"encoder.{k}": v for k, v in _strip("encoder.")(state).items()},
}


class HashMismatch(RuntimeError):
    pass


def cache_dir() -> Path:
    return paths.home() / "pretrained"


def _check(path: Path, w: Weights, pin_file: Path | None, fix: str | None = None, digest: str | None = None) -> str:
    """The file's sha256 (``digest`` when the caller hashed the bytes it is about to load) after
    checking it against the registry's pin (or a pin kept on first use); a mismatch raises
    :class:`HashMismatch` saying ``fix`` (default: delete the file)."""
    fix = fix or f"delete {path} and load again"
    digest = digest or file_sha256(path)
    expected, how = w.sha256, "sha256"
    if expected is None and w.sha256_prefix:
        expected, how = w.sha256_prefix, "sha256 prefix"
    if expected is None and pin_file is not None and pin_file.is_file():
        expected, how = pin_file.read_text().strip(), f"sha256 recorded on first use in {pin_file}"
        fix = (f"if {path} is the file you trust now, delete {pin_file} and load again with allow_unpinned=True "
               f"(it pins the new file once it loads); else delete {path} and load again")
    if expected is not None and not digest.startswith(expected.lower()):
        raise HashMismatch(
            f"{path}: {how} mismatch — expected {expected}, got {digest}. The file is not the published one "
            f"(a partial or tampered download, or the publisher replaced it). Fix: {fix}; "
            "if the same hash comes back, the upstream file changed: check it before pinning the new hash.")
    if w.size is not None and path.stat().st_size != w.size:
        raise HashMismatch(f"{path}: {path.stat().st_size:,} bytes, expected {w.size:,}. Fix: {fix}.")
    return digest


def download(w: Weights, dest: Path, progress: bool = True) -> Path:
    """Fetch ``w.url`` into ``dest`` atomically (:func:`sslkit.parts.files.download`): a temporary
    file in the same folder, checked against the pin, then renamed."""
    fix = f"nothing was kept from {w.url}; load again (delete any older copy of {dest.name} first)"
    try:
        return files.download(w.url, dest, lambda tmp: _check(tmp, w, None, fix=fix), progress=progress)
    except OSError as e:  # URLError, timeouts, refused connections
        raise ConnectionError(
            f"Could not download {w.url} ({type(e).__name__}: {getattr(e, 'reason', e)}). sslkit needs the internet "
            f"once for this file; or download it elsewhere and put it at {dest} (its sha256 is checked on load).") from None


class _DictRecord:
    """Stands in for the dict subclasses old Lightning checkpoints pickle beside the weights
    (``AttributeDict`` hyper-parameters): unpickled as a plain dict, never imported."""

    def __new__(cls, *args, **kwargs):
        return {}


class _Namespace:
    """Stands in for ``argparse.Namespace`` (hyper-parameters of older checkpoints): attributes only."""


_CONTAINERS = [(_DictRecord, "pytorch_lightning.utilities.parsing.AttributeDict"),
               (_DictRecord, "lightning.fabric.utilities.data.AttributeDict"), (_Namespace, "argparse.Namespace")]


def read_checkpoint(path: Path, check: Callable[[str], object] | None = None) -> dict:
    """A state dict from a ``.pth`` / ``.pth.tar`` / Lightning ``.ckpt`` file, read with
    ``weights_only=True`` from the same open file whose bytes ``check(sha256)`` saw
    (:func:`sslkit.parts.files.load_torch_file`: a compressed member is refused, so a small file
    cannot inflate to gigabytes); a ``{"state_dict": …}`` wrapper is unwrapped. The
    hyper-parameter containers of (old) Lightning checkpoints are read as plain records, not imported."""
    fix = "probably a download cut short. Delete it and load again"
    try:
        obj, _ = files.load_torch_file(path, "checkpoint", fix, check=check, safe_globals=_CONTAINERS)
    except files.UnreadableFile as e:
        if "Python objects" in str(e):
            raise pickle.UnpicklingError(f"{e} It is not the published weights file.") from None
        raise
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(torch.is_tensor(v) for v in obj.values()):
        raise ValueError(f"{path}: expected a state dict of tensors (or a dict with 'state_dict'); got {type(obj).__name__}.")
    return obj


def resnet50_encoder() -> nn.Module:
    """torchvision's ImageNet ResNet-50 with ``fc`` = identity: (B, 3, H, W) ImageNet-normalized
    → (B, 2048)."""
    from torchvision.models import resnet50

    net = resnet50(weights=None)
    net.fc = nn.Identity()
    net.feature_dim = 2048
    return net


def cpc_resnet101_encoder() -> nn.Module:
    """bolts' CPC v2 ImageNet encoder (:class:`~sslkit.parts.cpc_resnet.CPCResNet`, 32-px patches)
    used on whole images: (B, 3, H, W) ImageNet-normalized → resized to 128 px → 7×7 patches of
    32 px at stride 16 → mean of the codes, (B, 2048). About 300 M parameters (1.2 GB in float32)."""
    return PatchEncoder(CPCResNet(patch=32, blocks=CPC_RESNET101), image=128, patch=32, stride=16)


# architecture name → a freshly built encoder (random weights) that a mapped state dict loads into
ARCHS: dict[str, Callable[[], nn.Module]] = {"resnet50": resnet50_encoder, "cpc_resnet101": cpc_resnet101_encoder}


def load_state(net: nn.Module, state: dict, what: str) -> nn.Module:
    """``net.load_state_dict(state)`` strictly, with every missing or unexpected key named."""
    return files.load_strict(net, state, what)


def load_imagenet(name: str, allow_unpinned: bool = False, progress: bool = True) -> nn.Module:
    """The ImageNet-pretrained encoder ``name`` (a key of :data:`REGISTRY`; a ResNet-50 but for
    ``bolts-cpc``), in eval mode: downloaded once, hash-checked on every load, read with
    ``weights_only=True``, its keys mapped and loaded strictly into its :data:`ARCHS` entry.
    Each takes (B, 3, H, W) ImageNet-normalized images and gives (B, ``feature_dim``)."""
    if name not in REGISTRY:
        raise KeyError(f"Unknown pretrained model {name!r}; choose one of {', '.join(REGISTRY)}.")
    w = REGISTRY[name]
    dest = cache_dir() / name / w.filename
    pin_file = dest.with_name(dest.name + ".sha256")
    pinned = w.sha256 is not None or w.sha256_prefix is not None or pin_file.is_file()
    if not pinned and not allow_unpinned:
        raise HashMismatch(
            f"{name}: no sha256 is pinned for {w.url}, so a changed file could not be detected. "
            f"Call load_imagenet({name!r}, allow_unpinned=True) to trust this first download: its hash is then "
            "printed and kept beside the file, and every later load is checked against it.")
    if not dest.is_file():
        download(w, dest, progress)
    seen = []  # the sha256 of the very bytes loaded, checked before they are deserialized
    state = KEY_MAPS[w.key_map](read_checkpoint(dest, check=lambda d: seen.append(_check(dest, w, pin_file, digest=d))))
    digest = seen[0]
    net = load_state(ARCHS[w.arch](), state, f"{name} ({dest})").eval()
    if w.sha256 is None and w.sha256_prefix is None and not pin_file.is_file():  # pinned only once it loaded
        pin_file.write_text(digest + "\n")
        print(f"{name}: sha256 {digest} (not pinned in sslkit; kept in {pin_file}; pin it in REGISTRY)")
    return net


# ----------------------------------------------------------------------------- sslkit's own runs

def load_method(path_or_name: str | os.PathLike, profile=None, *, allow_unverified: bool = False) -> nn.Module:
    """The whole trained sslkit method (backbone, heads; ``features(x)``) of a reference run, in
    eval mode on the CPU: ``path_or_name`` is a run name of ``profile`` (a name or a
    :class:`~sslkit.parts.profiles.Profile`; default: the current one) or a run folder.

    Loading goes through :func:`sslkit.records.manifest.verified`: ``weights.pt`` and ``run.json`` must
    match the manifest's sha256 (outside a checkout that run's files are fetched first); a
    folder that no manifest lists needs ``allow_unverified=True``, which skips only that check.
    The method is looked up in sslkit's fixed table (:data:`sslkit.methods.METHODS`) and its
    recorded settings checked against the constructor: nothing in a run folder chooses code."""
    run = verified(path_or_name, profile, allow_unverified=allow_unverified)
    source = f"{run.folder / 'run.json'}"
    try:
        cls = method_class(run.settings["method"])
    except ValueError as e:
        raise ValueError(f"{source}: {e} A run folder never chooses which code runs.") from None
    if run.weights is None:
        raise FileNotFoundError(f"{run.name!r}: the run kept no weights.pt (sweep runs keep only curves and numbers); "
                                "give a main run, e.g. 'simclr' (see results/<profile>-manifest.json).")
    module = cls(**check_hparams(cls, run.settings["hparams"], source))
    load_half_state(module, read_weights(run.weights, run.weights_sha256), f"{run.weights}")
    return module.eval()


def load_backbone(path_or_name: str | os.PathLike, profile=None, *, allow_unverified: bool = False) -> nn.Module:
    """The encoder alone — a plain ``nn.Module`` (a CIFAR ResNet: float images in [0, 1], shape
    (B, 3, 32, 32) → (B, ``feature_dim``); other inputs are refused with the fix) — of a reference
    run, verified as :func:`load_method` verifies it, with ``settings`` (arch, width, depth, norm);
    the run's whole ``run.json`` is :func:`sslkit.records.manifest.verified`'s ``settings``. CPC's
    encoder was trained on 8×8 patches: its representation is :func:`load_method`'s ``features``, not this on whole images."""
    module = load_method(path_or_name, profile, allow_unverified=allow_unverified)
    return module.backbone.eval()
