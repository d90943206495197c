import urllib.error

import pytest
import torch
from torchvision.io import encode_jpeg, write_png

from sslkit.parts import paths
from sslkit.parts import data as D


def make_image_folder(root, n_train=6, n_test=3, classes=("cat", "dog", "ship")):
    g = torch.Generator().manual_seed(0)
    for split, n in (("train", n_train), ("test", n_test)):
        for c in classes:
            (root / split / c).mkdir(parents=True)
            for i in range(n):
                img = torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8, generator=g)
                if i % 2:
                    write_png(img, str(root / split / c / f"{i:04d}.png"))
                else:
                    (root / split / c / f"{i:04d}.jpg").write_bytes(encode_jpeg(img, quality=95).numpy().tobytes())
    return root


def test_image_folder_loads_decodes_and_caches(tmp_path, monkeypatch):
    root = make_image_folder(tmp_path / "cifar")
    with pytest.warns(UserWarning, match="CIFAR-10 has 50,000"):
        train = D.load_cifar10("train", root)
    assert train.images.shape == (18, 3, 32, 32) and train.images.dtype == torch.uint8
    assert train.classes == ("cat", "dog", "ship") and train.labels.tolist() == [0] * 6 + [1] * 6 + [2] * 6
    png = root / "train" / "dog" / "0001.png"
    from torchvision.io import read_image
    assert torch.equal(train.images[7], read_image(str(png)))  # lossless file decoded exactly
    assert list((paths.data_dir() / "cache").glob("*.pt"))
    monkeypatch.setattr(D, "_from_image_folder", lambda *a: pytest.fail("decoded again despite the cache"))
    again = D.load_cifar10("train", root)
    assert torch.equal(again.images, train.images)


def test_cache_is_rebuilt_when_the_folder_changes(tmp_path):
    root = make_image_folder(tmp_path / "cifar")
    with pytest.warns(UserWarning):
        assert len(D.load_cifar10("test", root)) == 9
    (root / "test" / "cat" / "0000.jpg").unlink()
    with pytest.warns(UserWarning):
        assert len(D.load_cifar10("test", root)) == 8


def test_cache_is_rebuilt_when_one_image_changes_content(tmp_path):
    root = make_image_folder(tmp_path / "cifar")
    with pytest.warns(UserWarning):
        before = D.load_cifar10("test", root)
    png = root / "test" / "dog" / "0001.png"
    write_png(torch.full((3, 32, 32), 7, dtype=torch.uint8), str(png))  # same file count, new content
    with pytest.warns(UserWarning):
        after = D.load_cifar10("test", root)
    assert len(after) == len(before) and not torch.equal(after.images, before.images)
    assert (after.images[4] == 7).all()  # the new image, not the stale cached one


def test_setting_is_read_from_the_environment(tmp_path, monkeypatch):
    root = make_image_folder(tmp_path / "cifar")
    monkeypatch.setenv("SSLKIT_DATA", str(root))
    with pytest.warns(UserWarning):
        assert len(D.load_cifar10("test")) == 9


def test_corrupt_file_is_named(tmp_path):
    root = make_image_folder(tmp_path / "cifar")
    bad = root / "train" / "dog" / "0002.jpg"
    bad.write_bytes(b"not a jpeg")
    with pytest.raises(D.DataError, match="0002.jpg.*corrupt"), pytest.warns(UserWarning):
        D.load_cifar10("train", root)


def test_wrong_size_or_channels_is_named(tmp_path):
    root = make_image_folder(tmp_path / "cifar")
    write_png(torch.zeros(3, 64, 64, dtype=torch.uint8), str(root / "train" / "cat" / "0001.png"))
    with pytest.raises(D.DataError, match=r"0001.png is 3 channel\(s\) of 64x64"), pytest.warns(UserWarning):
        D.load_cifar10("train", root)
    write_png(torch.zeros(1, 32, 32, dtype=torch.uint8), str(root / "train" / "cat" / "0001.png"))
    with pytest.raises(D.DataError, match="1 channel"), pytest.warns(UserWarning):
        D.load_cifar10("train", root)


def test_partial_folder_is_named(tmp_path):
    root = make_image_folder(tmp_path / "cifar")
    for f in (root / "test" / "ship").iterdir():
        f.unlink()
    (root / "test" / "ship").rmdir()
    with pytest.raises(D.DataError, match="different class folders.*ship"):
        D.load_cifar10("train", root)
    root2 = make_image_folder(tmp_path / "c2")
    for f in (root2 / "train" / "dog").iterdir():
        f.unlink()
    with pytest.raises(D.DataError, match="dog holds no"):
        D.load_cifar10("train", root2)


def test_no_data_and_no_internet_names_both_fixes(monkeypatch, tmp_path):
    import torchvision.datasets

    def offline(*a, **k):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torchvision.datasets, "CIFAR10", offline)
    monkeypatch.delenv("SSLKIT_DATA", raising=False)
    with pytest.raises(D.DataError, match="could not be downloaded.*internet.*SSLKIT_DATA"):
        D.load_cifar10("train")
    with pytest.raises(D.DataError, match="not a folder"):
        D.load_cifar10("train", tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(D.DataError, match="neither layout"):
        D.load_cifar10("train", tmp_path / "empty")


def test_torchvision_layout_with_bad_files_is_reported(tmp_path):
    (tmp_path / "cifar-10-batches-py").mkdir()
    (tmp_path / "cifar-10-batches-py" / "data_batch_1").write_bytes(b"truncated")
    with pytest.raises(D.DataError, match="not found or is corrupt"):
        D.load_cifar10("train", tmp_path)


def test_class_balanced_subset_is_balanced_and_deterministic():
    labels = torch.arange(10).repeat_interleave(50)[torch.randperm(500)]
    a = D.class_balanced_subset(labels, per_class=7, seed=3)
    assert torch.bincount(labels[a]).tolist() == [7] * 10
    assert torch.equal(a, D.class_balanced_subset(labels, per_class=7, seed=3))
    assert not torch.equal(a, D.class_balanced_subset(labels, per_class=7, seed=4))
    assert torch.bincount(labels[D.class_balanced_subset(labels, fraction=0.1)]).tolist() == [5] * 10
    with pytest.raises(ValueError, match="only 50"):
        D.class_balanced_subset(labels, per_class=51)
    with pytest.raises(ValueError, match="exactly one"):
        D.class_balanced_subset(labels)


def test_train_val_split_is_disjoint_and_complete():
    labels = torch.arange(10).repeat(30)
    tr, va = D.split_train_val(labels, 0.2)
    assert len(set(tr.tolist()) & set(va.tolist())) == 0 and len(tr) + len(va) == 300
    assert torch.bincount(labels[va]).tolist() == [6] * 10


def test_digits_are_small_rgb_images():
    tr, te = D.load_digits("train"), D.load_digits("test")
    assert tr.images.shape[1:] == (3, 32, 32) and tr.images.dtype == torch.uint8
    assert len(tr) + len(te) == 1797 and tr.num_classes == 10
    assert tr.images.max() > 200  # ink is bright: the 0–16 scale was stretched to 0–255


def test_device_loader_covers_each_image_once_per_epoch():
    ds = D.ImageSet(torch.arange(50, dtype=torch.uint8).view(50, 1, 1, 1).expand(50, 3, 2, 2).clone(), torch.arange(50), ("x",))
    loader = D.DeviceLoader(ds, 8, shuffle=True, drop_last=False)
    epoch1 = torch.cat([b.y for b in loader])
    epoch2 = torch.cat([b.y for b in loader])
    assert sorted(epoch1.tolist()) == list(range(50)) and len(loader) == 7
    assert not torch.equal(epoch1, epoch2)  # reshuffled every epoch
    for x, y, index in loader:
        assert torch.equal(x[:, 0, 0, 0].long(), y)  # images stay paired with labels
        assert torch.equal(ds.labels[index], y)  # and index says where each one came from
    assert len(D.DeviceLoader(ds, 8)) == 6  # shuffled loaders drop the last partial batch
    assert [len(b.y) for b in D.DeviceLoader(ds, 20, shuffle=False)] == [20, 20, 10]


def test_device_loader_order_is_a_function_of_seed_and_epoch():
    ds = D.ImageSet(torch.zeros(40, 3, 2, 2, dtype=torch.uint8), torch.arange(40), ("x",))
    a, b = D.DeviceLoader(ds, 8, seed=1), D.DeviceLoader(ds, 8, seed=1)
    first, second = [torch.cat([x.y for x in a]) for _ in range(2)]
    b.set_epoch(1)  # a fresh loader (a resumed run) told it is at epoch 1
    assert torch.equal(torch.cat([x.y for x in b]), second) and not torch.equal(first, second)
    c = D.DeviceLoader(ds, 8, seed=2)
    assert not torch.equal(torch.cat([x.y for x in c]), first)  # another seed, another order


def test_image_set_fingerprint_follows_content():
    tr = D.load_digits("train")
    same = D.ImageSet(tr.images.clone(), tr.labels.clone(), tr.classes)
    assert tr.fingerprint() == same.fingerprint()
    changed = tr.images.clone()
    changed[5, 0, 0, 0] ^= 1
    assert D.ImageSet(changed, tr.labels, tr.classes).fingerprint() != tr.fingerprint()
    assert tr.subset(torch.arange(10)).fingerprint() != tr.fingerprint()


def test_device_loader_rejects_impossible_batches():
    ds = D.load_digits("test")
    with pytest.raises(ValueError, match="yields no batch"):
        D.DeviceLoader(ds, 10_000)
    with pytest.raises(D.DataError, match="uint8"):
        D.ImageSet(torch.rand(2, 3, 4, 4), torch.zeros(2), ("a",))


def test_a_linked_class_folder_is_fingerprinted_as_it_is_decoded(tmp_path):
    root = make_image_folder(tmp_path / "cifar")
    real = tmp_path / "elsewhere" / "ship"
    real.parent.mkdir()
    (root / "test" / "ship").rename(real)
    (root / "test" / "ship").symlink_to(real)
    with pytest.warns(UserWarning):
        before = D.load_cifar10("test", root)
    write_png(torch.full((3, 32, 32), 9, dtype=torch.uint8), str(real / "0001.png"))  # edited behind the link
    with pytest.warns(UserWarning):
        after = D.load_cifar10("test", root)
    assert (after.images[7] == 9).all() and not torch.equal(after.images, before.images)


def test_hidden_folders_are_skipped_everywhere(tmp_path):
    root = make_image_folder(tmp_path / "cifar")
    with pytest.warns(UserWarning):
        before = D.load_cifar10("test", root)
    fingerprint = D._fingerprint(str(root), "test")
    (root / "test" / ".ipynb_checkpoints").mkdir()  # what Jupyter leaves after a look at the folder
    (root / "test" / "cat" / ".ipynb_checkpoints").mkdir()
    (root / "test" / "cat" / ".ipynb_checkpoints" / "0000-checkpoint.jpg").write_bytes(b"x")
    assert D._fingerprint(str(root), "test") == fingerprint
    for f in (paths.data_dir() / "cache").glob("*.pt"):
        f.unlink()  # decode again: the class folders are read as before
    with pytest.warns(UserWarning):
        after = D.load_cifar10("test", root)
    assert after.classes == before.classes and torch.equal(after.images, before.images)


def test_a_whole_class_missing_from_both_splits_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(D, "CIFAR10_SIZES", {"train": 60, "test": 30})  # 6 and 3 images a class
    root = make_image_folder(tmp_path / "cifar", classes=D.CIFAR10_CLASSES[:9])
    with pytest.raises(D.DataError, match=f"class\\(es\\) {D.CIFAR10_CLASSES[9]} have no folder"):
        D.load_cifar10("train", root)


def test_a_full_disk_while_caching_names_the_fix_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    root = make_image_folder(tmp_path / "cifar")

    def full(*args, **kwargs):
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 64 vs 0")

    monkeypatch.setattr(D.torch, "save", full)
    with pytest.warns(UserWarning), pytest.raises(D.DataError, match="full disk.*SSLKIT_HOME"):
        D.load_cifar10("test", root)
    assert not list((paths.data_dir() / "cache").glob("*.tmp"))
