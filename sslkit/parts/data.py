"""Image data for sslkit: CIFAR-10 (download, local folder, decoded cache), digits, subsets,
and a loader that keeps uint8 images on the training device.

Where CIFAR-10 comes from is chosen by one setting, ``SSLKIT_DATA``:

- unset: torchvision downloads the original release into ``data/`` (needs internet);
- a folder in torchvision's layout (``cifar-10-batches-py/`` or its parent);
- a folder in ImageFolder layout: ``train/<class>/*.jpg|png`` and ``test/<class>/...``.

The first load decodes every image once into ``data/cache/*.pt`` (one uint8 tensor
``(N, 3, 32, 32)`` plus labels); later loads read that file in about a second.

Everything here returns :class:`ImageSet`: uint8 images, int64 labels, class names.
Augmentation happens later, batched on the device (:mod:`sslkit.parts.augment`), so training
needs no worker processes.
"""

from __future__ import annotations

import hashlib
import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import torch
from torch import Tensor

from sslkit.parts import config, paths
from sslkit.parts.profiles import get_profile

CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)
CIFAR10_SIZES = {"train": 50_000, "test": 10_000}
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")


class DataError(RuntimeError):
    """Data is missing, partial, corrupt or of the wrong shape; the message names the fix."""


@dataclass
class ImageSet:
    """A labelled image set held in memory.

    images: (N, 3, H, W) uint8, labels: (N,) int64, classes: class names by label.
    """

    images: Tensor
    labels: Tensor
    classes: tuple[str, ...]

    def __post_init__(self):
        if self.images.dtype != torch.uint8 or self.images.ndim != 4 or self.images.shape[1] != 3:
            raise DataError(
                f"ImageSet needs uint8 images shaped (N, 3, H, W); got {self.images.dtype} "
                f"{tuple(self.images.shape)}. Convert with (x * 255).round().to(torch.uint8)."
            )
        if len(self.images) != len(self.labels):
            raise DataError(f"{len(self.images)} images but {len(self.labels)} labels.")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def fingerprint(self) -> str:
        """sha256 of the images, labels and class names: what a run folder records about the data
        it was trained on (:mod:`sslkit.training.runs`). Computed once per set (0.1 s for 5,000 images)."""
        if getattr(self, "_fingerprint", None) is None:
            h = hashlib.sha256()
            for t in (self.images, self.labels):
                h.update(str((t.dtype, tuple(t.shape))).encode())
                h.update(t.detach().cpu().contiguous().numpy().tobytes())
            h.update("\0".join(self.classes).encode())
            self._fingerprint = h.hexdigest()[:16]
        return self._fingerprint

    def subset(self, indices: Tensor) -> "ImageSet":
        return ImageSet(self.images[indices], self.labels[indices], self.classes)

    def balanced(self, per_class: int | None = None, fraction: float | None = None, seed: int = 0) -> "ImageSet":
        """A class-balanced subset, see :func:`class_balanced_subset`; ``per_class=None`` and
        ``fraction=None`` return the whole set."""
        if per_class is None and fraction is None:
            return self
        return self.subset(class_balanced_subset(self.labels, per_class, fraction, seed))


# ----------------------------------------------------------------------------- subsets

def class_balanced_subset(
    labels: Tensor, per_class: int | None = None, fraction: float | None = None, seed: int = 0
) -> Tensor:
    """Sorted indices of a deterministic subset with the same number of images per class.

    Give ``per_class`` (images of each class) or ``fraction`` (of each class, rounded, at
    least 1; e.g. 0.01 for the 1% low-label setting). The same ``seed`` gives the same subset.
    """
    if (per_class is None) == (fraction is None):
        raise ValueError("Give exactly one of per_class or fraction.")
    if fraction is not None and not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}.")
    g = torch.Generator().manual_seed(seed)
    chosen = []
    for c in torch.unique(labels):
        idx = torch.nonzero(labels == c).flatten()
        n = per_class if per_class is not None else max(1, round(fraction * len(idx)))
        if n > len(idx):
            raise ValueError(
                f"Asked for {n} images of class {int(c)} but it has only {len(idx)}; lower per_class."
            )
        chosen.append(idx[torch.randperm(len(idx), generator=g)[:n]])
    return torch.cat(chosen).sort().values


def split_train_val(labels: Tensor, val_fraction: float = 0.1, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Class-balanced split of ``range(len(labels))`` into (train indices, validation indices)."""
    val = class_balanced_subset(labels, fraction=val_fraction, seed=seed)
    mask = torch.ones(len(labels), dtype=torch.bool)
    mask[val] = False
    return torch.nonzero(mask).flatten(), val


# ----------------------------------------------------------------------------- CIFAR-10

def load_cifar10(split: str = "train", source: str | os.PathLike | None = None) -> ImageSet:
    """CIFAR-10 ``split`` ("train" | "test") as an :class:`ImageSet` (uint8, 32×32).

    ``source`` overrides ``$SSLKIT_DATA`` (see the module docstring). Raises
    :class:`DataError` with the fix when the data cannot be found or read.
    """
    if split not in CIFAR10_SIZES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    source = source if source is not None else config.data_source()
    if source is None:
        key, builder = "download", lambda: _from_torchvision(paths.data_dir(), split, download=True)
    else:
        root = Path(source).expanduser().resolve()
        if not root.is_dir():
            raise DataError(f"SSLKIT_DATA={source} is not a folder. {_HOW_TO_GET_DATA}")
        key = hashlib.sha1(str(root).encode()).hexdigest()[:10]
        if (root / "cifar-10-batches-py").is_dir() or root.name == "cifar-10-batches-py":
            parent = root.parent if root.name == "cifar-10-batches-py" else root
            builder = lambda: _from_torchvision(parent, split, download=False)  # noqa: E731
        elif (root / "train").is_dir() or (root / "test").is_dir():
            builder = lambda: _from_image_folder(root, split)  # noqa: E731
        else:
            raise DataError(f"SSLKIT_DATA={source} holds neither layout. {_HOW_TO_GET_DATA}")
    return _cached(f"cifar10-{key}-{split}", builder, fingerprint=_fingerprint(source, split))


_HOW_TO_GET_DATA = (
    "Either connect to the internet and unset SSLKIT_DATA (torchvision then downloads CIFAR-10 "
    "into data/), or set SSLKIT_DATA to a local copy: a folder holding torchvision's "
    "cifar-10-batches-py/, or an ImageFolder tree train/<class>/*.jpg + test/<class>/*.jpg."
)


def _fingerprint(source, split: str) -> str:
    """Identity of the source's *content*, stored with the cache: the sha256 of every file's
    relative path and bytes under the split's folder (torchvision's batch files or ImageFolder's
    images). Replacing, editing, adding or removing any file changes it — whatever its size
    and modification time say — so a stale decoded tensor is never served. Reading and
    hashing CIFAR-10's 50,000 train JPEGs (46 MB) took 1.3 s on our 2-core CPU beside a
    training (4.6 s when each file was a Path object), against about 10 s to decode them again."""
    if source is None:
        return "download"  # torchvision checks the archive's md5 itself
    root = Path(source).expanduser().resolve()
    folder = root / split if (root / split).is_dir() else root
    if (root / "cifar-10-batches-py").is_dir():  # torchvision's layout: its batch files, not an archive beside them
        folder = root / "cifar-10-batches-py"
    h = hashlib.sha256()
    for rel in _files_below(str(folder)):
        with open(os.path.join(folder, *rel), "rb") as f:
            data = f.read()
        h.update(f"{'/'.join(rel)}\0{len(data)}\0".encode())
        h.update(data)
    return f"{folder}:content:{h.hexdigest()}"


def _files_below(folder: str) -> list[tuple[str, ...]]:
    """Every file under ``folder`` as its relative path's parts, sorted part by part — the files
    the decoder reads: linked folders and files are followed (a folder linked twice, or into
    itself, is read once), hidden names (``.ipynb_checkpoints``, ``.DS_Store``) skipped. No
    Path object is made per file, so CIFAR-10's 60,000 files list in a fraction of a second."""
    found, todo, seen = [], [()], {os.path.realpath(folder)}
    while todo:
        rel = todo.pop()
        with os.scandir(os.path.join(folder, *rel)) as entries:
            for e in entries:
                if e.name.startswith("."):
                    continue
                if e.is_dir():  # follows a link, as the decoder does
                    real = os.path.realpath(e.path)
                    if real not in seen:
                        seen.add(real)
                        todo.append((*rel, e.name))
                elif e.is_file():
                    found.append((*rel, e.name))
    return sorted(found)


def _cached(name: str, builder, fingerprint: str) -> ImageSet:
    path = paths.data_dir() / "cache" / f"{name}.pt"
    if path.is_file():
        try:
            blob = torch.load(path, weights_only=True)
            if blob.get("fingerprint") == fingerprint:
                return ImageSet(blob["images"], blob["labels"], tuple(blob["classes"]))
            print(f"{path.name}: the source changed since it was cached; decoding again.")
        except Exception as e:  # a cache cut short by an interrupted run: rebuild it
            print(f"{path}: unreadable cache ({type(e).__name__}); decoding again.")
    data = builder()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # two notebooks decoding at once each write their own
    try:
        torch.save(
            {"images": data.images, "labels": data.labels, "classes": list(data.classes), "fingerprint": fingerprint},
            tmp,
        )
        tmp.replace(path)  # atomic: an interrupted save never leaves a half-written cache
    except (OSError, RuntimeError) as e:  # torch reports a full disk as a RuntimeError from its zip writer
        tmp.unlink(missing_ok=True)
        need = data.images.numel() / 2**20
        raise DataError(f"could not write the decoded images to {path} ({type(e).__name__}: {str(e).splitlines()[0][:100]}): "
                        f"probably a full disk — it needs about {need:.0f} MB. Fix: free space there, or set SSLKIT_HOME "
                        "to a folder on a disk with room (the cache goes to its data/cache/).") from None
    return data


def _from_torchvision(root: Path, split: str, download: bool) -> ImageSet:
    from torchvision.datasets import CIFAR10

    try:
        ds = CIFAR10(str(root), train=split == "train", download=download)
    except Exception as e:
        what = "could not be downloaded" if download else f"was not found or is corrupt in {root}"
        raise DataError(f"CIFAR-10 {what} ({type(e).__name__}: {e}). {_HOW_TO_GET_DATA}") from e
    images = torch.from_numpy(ds.data).permute(0, 3, 1, 2).contiguous()  # (N, 3, 32, 32)
    return ImageSet(images, torch.tensor(ds.targets, dtype=torch.int64), tuple(ds.classes))


def _class_folders(split_dir: Path) -> tuple[str, ...]:
    """The class folders of an ImageFolder split, sorted: linked folders count, hidden ones
    (``.ipynb_checkpoints``) do not — the same rule as the fingerprint's (:func:`_files_below`)."""
    return tuple(sorted(d.name for d in split_dir.iterdir() if d.is_dir() and not d.name.startswith(".")))


def _from_image_folder(root: Path, split: str) -> ImageSet:
    from torchvision.io import ImageReadMode, decode_image, read_file
    from tqdm.auto import tqdm

    split_dir = root / split
    if not split_dir.is_dir():
        raise DataError(f"{split_dir} is missing: the folder needs train/ and test/, each with one folder per class.")
    classes = _class_folders(split_dir)
    other = root / ("test" if split == "train" else "train")
    if other.is_dir():
        other_classes = _class_folders(other)
        if other_classes != classes:
            missing = sorted(set(classes) ^ set(other_classes))
            raise DataError(
                f"{root}: train/ and test/ have different class folders (differ in {missing}). "
                "A partial copy? Copy the whole dataset again."
            )
    if not classes:
        raise DataError(f"{split_dir} has no class folders; expected {split}/<class>/*.jpg.")
    files, labels = [], []
    for label, name in enumerate(classes):
        found = sorted(f for f in (split_dir / name).iterdir()
                       if f.suffix.lower() in IMAGE_EXTENSIONS and not f.name.startswith("."))
        if not found:
            raise DataError(f"{split_dir / name} holds no .jpg/.png images. A partial copy? Copy it again.")
        files += found
        labels += [label] * len(found)
    missing = sorted(set(CIFAR10_CLASSES) - set(classes))
    per_class = CIFAR10_SIZES[split] // len(CIFAR10_CLASSES)
    if missing and set(classes) <= set(CIFAR10_CLASSES) and len(files) == per_class * len(classes):
        # every class present is whole, so the copy lost whole classes: a model would silently learn nine
        raise DataError(f"{root}: CIFAR-10's class(es) {', '.join(missing)} have no folder in train/ or test/ (the "
                        f"other {len(classes)} hold all {per_class:,} {split} images each). A partial copy? Copy "
                        "the whole dataset again.")
    if len(files) != CIFAR10_SIZES[split]:
        warnings.warn(
            f"{split_dir} holds {len(files)} images; CIFAR-10 has {CIFAR10_SIZES[split]:,}. "
            "Using what is there.", stacklevel=3,
        )
    images = torch.empty(len(files), 3, 32, 32, dtype=torch.uint8)
    # every image, whatever subset was asked for: one cache per split serves every profile's subset
    # (drawn from it by class), so a later, larger profile never decodes again
    desc = f"decoding all {len(files):,} {split} images once into the cache (later loads take seconds)"
    for i, f in enumerate(tqdm(files, desc=desc, mininterval=2)):
        try:
            img = decode_image(read_file(str(f)), mode=ImageReadMode.UNCHANGED)
        except Exception as e:
            raise DataError(f"{f} cannot be decoded ({e}): a corrupt file. Replace or delete it.") from e
        if tuple(img.shape) != (3, 32, 32):
            raise DataError(
                f"{f} is {img.shape[0]} channel(s) of {img.shape[1]}x{img.shape[2]}; CIFAR-10 images are "
                "RGB 32x32. Re-export the folder as 32x32 RGB, or unset SSLKIT_DATA to download the original."
            )
        images[i] = img
    return ImageSet(images, torch.tensor(labels, dtype=torch.int64), classes)


def cifar10(profile=None) -> tuple[ImageSet, ImageSet]:
    """(train, test) CIFAR-10, cut to the profile's class-balanced subset sizes."""
    p = get_profile(profile)
    return (
        load_cifar10("train").balanced(p.train_per_class, seed=0),
        load_cifar10("test").balanced(p.test_per_class, seed=0),
    )


# ----------------------------------------------------------------------------- digits

def load_digits(split: str = "train", size: int = 32, test_fraction: float = 0.2) -> ImageSet:
    """scikit-learn's bundled 8×8 handwritten digits (1,797 images, always available offline),
    upsampled to ``size``×``size`` RGB uint8 so they flow through every sslkit model like CIFAR."""
    import torch.nn.functional as F
    from sklearn.datasets import load_digits as sk_digits

    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    d = sk_digits()
    x = torch.tensor(d.images, dtype=torch.float32)[:, None] / 16  # (N, 1, 8, 8) in [0, 1]
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    images = (x.clamp(0, 1) * 255).round().to(torch.uint8).expand(-1, 3, -1, -1).contiguous()
    labels = torch.tensor(d.target, dtype=torch.int64)
    train_idx, test_idx = split_train_val(labels, test_fraction, seed=0)
    idx = train_idx if split == "train" else test_idx
    return ImageSet(images[idx], labels[idx], tuple(str(i) for i in range(10)))


# ----------------------------------------------------------------------------- loader

class Batch(NamedTuple):
    """One training batch: x (B, 3, H, W) uint8, y (B,) int64 labels, index (B,) int64 positions
    of the images in the loader's :class:`ImageSet` (pseudo-labels and memory banks key on it)."""

    x: Tensor
    y: Tensor
    index: Tensor | None = None


def epoch_seed(seed: int, epoch: int, rank: int = 0) -> int:
    """A 63-bit seed derived from (seed, epoch, rank): the loader's order and the augmentation
    stream of an epoch depend on nothing else, so a resumed run repeats them exactly."""
    digest = hashlib.sha256(f"sslkit:{seed}:{epoch}:{rank}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


class DeviceLoader:
    """Shuffled :class:`Batch` es ``(x, y, index)`` from an :class:`ImageSet` kept on ``device``.

    x: (B, 3, H, W) uint8, y: (B,) int64, index: (B,) int64 positions in ``data``, all already
    on ``device``. The images are moved once (CIFAR-10 train is 150 MB as uint8), so a GPU never
    waits for worker processes; augmentation then runs batched on the device.

    The order of epoch ``e`` is a permutation drawn from :func:`epoch_seed` (seed, e): the
    training path calls :meth:`set_epoch` at the start of every epoch, so a run resumed at
    epoch ``e`` sees the same batches as one that never stopped. Iterated on its own, each
    pass moves to the next epoch.

    Under DDP ``batch_size`` stays the **global** batch: every process takes every world-th
    image of the same permutation and batches of ``batch_size / world`` (which must divide).

    ``weights`` (N,), when set (:meth:`set_weights`; DeepCluster sets it every epoch): the epoch is N images drawn
    *with replacement*, image i with probability ∝ weights[i], from the same per-epoch seed —
    e.g. 1 / (size of i's cluster) samples every cluster equally often. ``None``: a permutation.
    """

    def __init__(
        self, data: ImageSet, batch_size: int, shuffle: bool = True, drop_last: bool | None = None,
        device: str | torch.device = "cpu", seed: int = 0,
    ):
        if batch_size < 1:
            raise ValueError(f"batch_size must be ≥ 1, got {batch_size}.")
        self.drop_last = shuffle if drop_last is None else drop_last
        if self.drop_last and batch_size > len(data):
            raise ValueError(
                f"batch_size {batch_size} > {len(data)} images with drop_last=True yields no batch: "
                "lower batch_size, use more data, or pass drop_last=False."
            )
        self.data = data
        self.images = data.images.to(device)
        self.labels = data.labels.to(device)
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed
        self.epoch = 0
        self.weights: torch.Tensor | None = None

    def set_weights(self, weights: torch.Tensor | None) -> None:
        """Draw each later epoch with replacement, image i with probability ∝ ``weights[i]`` (N,
        non-negative, not all 0); None: a permutation again."""
        self.weights = None if weights is None else self._checked(weights).double().cpu()

    def _checked(self, weights: torch.Tensor) -> torch.Tensor:
        n = len(self.labels)
        if weights.shape != (n,) or not bool((weights >= 0).all()) or weights.sum() <= 0:
            raise ValueError(f"weights must be {n} non-negative numbers, not all 0 (one per image); "
                             f"got shape {tuple(weights.shape)}.")
        return weights

    def set_epoch(self, epoch: int) -> None:
        """The next pass yields epoch ``epoch``'s order."""
        self.epoch = epoch

    @staticmethod
    def _shard() -> tuple[int, int]:
        """(rank, world size): under DDP each process takes every world-th image of one
        shared permutation, so the processes see disjoint slices of the data."""
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            return dist.get_rank(), dist.get_world_size()
        return 0, 1

    def _local_batch(self, world: int) -> int:
        if self.batch_size % world:
            raise ValueError(
                f"The global batch {self.batch_size} does not split over {world} processes: "
                f"use a batch size divisible by {world}."
            )
        return self.batch_size // world

    def __len__(self) -> int:
        rank, world = self._shard()
        n, b = len(range(rank, len(self.labels), world)), self._local_batch(world)
        return n // b if self.drop_last else math.ceil(n / b)

    def __iter__(self):
        rank, world = self._shard()
        n, b = len(self.labels), self._local_batch(world)
        g = torch.Generator().manual_seed(epoch_seed(self.seed, self.epoch))
        if self.weights is not None:
            order = torch.multinomial(self._checked(self.weights).double().cpu(), n, replacement=True, generator=g)
        elif self.shuffle:
            order = torch.randperm(n, generator=g)
        else:
            order = torch.arange(n)
        self.epoch += 1
        order = order[rank::world].to(self.images.device)  # the same permutation on every rank: disjoint slices
        for i in range(len(self)):
            idx = order[i * b : (i + 1) * b]
            yield Batch(self.images[idx], self.labels[idx], idx)
