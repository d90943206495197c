"""Fashion-MNIST (Xiao et al. 2017): 70,000 28×28 grayscale images of clothing in 10 classes, a
domain far from CIFAR-10's photographs, for asking whether an encoder's features transfer.

Where it comes from is one setting, ``SSLKIT_FASHION_MNIST`` (:mod:`sslkit.parts.config`):

- unset: torchvision downloads the original files into ``<home>/data/`` (needs internet);
- a folder holding the original four files ``train-images-idx3-ubyte(.gz)``,
  ``train-labels-idx1-ubyte(.gz)``, ``t10k-images-idx3-ubyte(.gz)``, ``t10k-labels-idx1-ubyte(.gz)`` —
  e.g. Debian's ``dataset-fashion-mnist`` package, which installs them in
  ``/usr/share/datasets/fashion-mnist``, or torchvision's ``FashionMNIST/raw``.

Images come as an :class:`~sslkit.parts.data.ImageSet` shaped like CIFAR-10's, so every sslkit
encoder reads them: the gray channel repeated three times and the 28×28 image padded with its
background (0) to 32×32, keeping the objects' scale.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import torch

from sslkit.parts import config, paths
from sslkit.parts.data import DataError, ImageSet

CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
_HOW = ("Either connect to the internet and unset SSLKIT_FASHION_MNIST (torchvision downloads it), or set it to a "
        "folder holding the four original files (Debian: apt-get install dataset-fashion-mnist, then "
        "SSLKIT_FASHION_MNIST=/usr/share/datasets/fashion-mnist).")


def read_idx(path: Path) -> torch.Tensor:
    """The array in one IDX file (gzipped or not): uint8 of the shape its header gives."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
        zero, dtype, ndim = struct.unpack(">HBB", data[:4])
        shape = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
        if zero != 0 or dtype != 0x08:
            raise ValueError("not an IDX file of unsigned bytes")
        body = data[4 + 4 * ndim:]
        if len(body) != int(torch.tensor(shape).prod()):
            raise ValueError(f"its header promises {shape}, its body holds {len(body)} bytes")
    except (OSError, EOFError, struct.error, ValueError) as e:
        raise DataError(f"{path} is not a readable IDX file ({e}): a cut-short or damaged copy. Fetch it again.") from None
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(shape)


def _find(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise DataError(f"{folder} has no {stem} (or {stem}.gz). {_HOW}")


def load_fashion_mnist(split: str = "train", source: str | Path | None = None) -> ImageSet:
    """Fashion-MNIST ``split`` ("train": 60,000 | "test": 10,000) as CIFAR-shaped uint8 images
    (N, 3, 32, 32), from ``source`` (a folder of the original files), else ``SSLKIT_FASHION_MNIST``,
    else a torchvision download. Raises :class:`~sslkit.parts.data.DataError` with the fix."""
    if split not in FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    source = source if source is not None else config.fashion_mnist()
    if source is None:
        folder = _download()
    else:
        folder = Path(source).expanduser()
        if not folder.is_dir():
            raise DataError(f"SSLKIT_FASHION_MNIST={source} is not a folder. {_HOW}")
    images, labels = (read_idx(_find(folder, stem)) for stem in FILES[split])
    if images.dim() != 3 or len(images) != len(labels):
        raise DataError(f"{folder}: {split} images {tuple(images.shape)} and labels {tuple(labels.shape)} do not pair up.")
    x = torch.nn.functional.pad(images, (2, 2, 2, 2)).unsqueeze(1).expand(-1, 3, -1, -1).contiguous()
    return ImageSet(x, labels.long(), CLASSES)


def _download() -> Path:
    from torchvision.datasets import FashionMNIST

    root = paths.data_dir()
    try:
        FashionMNIST(str(root), train=True, download=True)
        FashionMNIST(str(root), train=False, download=True)
    except Exception as e:  # noqa: BLE001 — no network, a refused connection, a cut download
        raise DataError(f"Fashion-MNIST could not be downloaded ({type(e).__name__}: {e}). {_HOW}") from e
    return root / "FashionMNIST" / "raw"
