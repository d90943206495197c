"""Fashion-MNIST from its original IDX files (sslkit.parts.fashion_mnist), on small files made here."""

import gzip
import struct

import pytest
import torch

from sslkit.parts.data import DataError
from sslkit.parts.fashion_mnist import CLASSES, load_fashion_mnist


def write_idx(path, array: torch.Tensor, packed: bool) -> None:
    data = struct.pack(">HBB", 0, 0x08, array.dim()) + struct.pack(f">{array.dim()}I", *array.shape)
    data += array.to(torch.uint8).numpy().tobytes()
    (gzip.open if packed else open)(path.with_suffix(".gz") if packed else path, "wb").write(data)


def fake_folder(folder, packed=True):
    g = torch.Generator().manual_seed(0)
    sets = {}
    for split, stems, n in (("train", ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"), 5),
                            ("test", ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"), 3)):
        images = torch.randint(1, 256, (n, 28, 28), generator=g, dtype=torch.uint8)
        labels = torch.randint(0, 10, (n,), generator=g, dtype=torch.uint8)
        write_idx(folder / stems[0], images, packed)
        write_idx(folder / stems[1], labels, packed)
        sets[split] = images, labels
    return sets


@pytest.mark.parametrize("packed", [True, False])
def test_the_original_files_load_as_cifar_shaped_images(tmp_path, packed):
    sets = fake_folder(tmp_path, packed)
    for split, (images, labels) in sets.items():
        data = load_fashion_mnist(split, tmp_path)
        assert data.images.shape == (len(images), 3, 32, 32) and data.images.dtype == torch.uint8
        assert torch.equal(data.labels, labels.long()) and data.classes == CLASSES
        assert torch.equal(data.images[:, 1, 2:30, 2:30], images)  # every channel the gray image, padded by 2
        assert torch.equal(data.images[:, 0], data.images[:, 2])
        assert data.images[:, :, :2].sum() == 0 and data.images[:, :, :, 30:].sum() == 0


def test_the_setting_is_read_and_a_missing_or_damaged_file_names_the_fix(tmp_path, monkeypatch):
    fake_folder(tmp_path)
    monkeypatch.setenv("SSLKIT_FASHION_MNIST", str(tmp_path))
    assert len(load_fashion_mnist("test")) == 3
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="no t10k-labels-idx1-ubyte.*dataset-fashion-mnist"):
        load_fashion_mnist("test")
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x03" + b"\x00" * 5))
    with pytest.raises(DataError, match="not a readable IDX file"):
        load_fashion_mnist("train")
