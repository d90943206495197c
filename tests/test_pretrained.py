"""Pretrained encoders: key maps for each published format, hash pinning, atomic download,
weights_only loading, and sslkit's own reference runs as plain encoders."""

import json
import pickle

import pytest
import torch
import torch.nn as nn

from sslkit.parts.data import class_balanced_subset
from sslkit.records import pretrained
from sslkit.records.pretrained import HashMismatch, Weights
from sslkit.parts.files import file_sha256


@pytest.fixture(scope="module")
def source():
    """A randomly initialized torchvision ResNet-50 (with its classifier) and its pooled features."""
    from torchvision.models import resnet50

    torch.manual_seed(0)
    net = resnet50(weights=None).eval()
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        feats = nn.Sequential(*list(net.children())[:-1])(x).flatten(1)
    return net.state_dict(), x, feats


def _formats(state):
    """The same weights as each supported publisher writes them."""
    trunk = {k: v for k, v in state.items() if not k.startswith("fc.")}
    return {
        "torchvision": state,  # raw .pth, classifier included
        "fair": {**{f"module.{k}": v for k, v in trunk.items()},  # .pth.tar of DDP keys + SwAV heads
                 "module.projection_head.0.weight": torch.zeros(8, 2048), "module.prototypes.weight": torch.zeros(3, 8)},
        "bolts_simclr": {"epoch": 3, "global_step": 10, "pytorch-lightning_version": "1.2.0",  # a Lightning .ckpt
                         "state_dict": {**{f"encoder.{k}": v for k, v in state.items()},
                                        "projection.model.0.weight": torch.zeros(8, 2048)}},
        "bolts_swav": {"state_dict": {**{f"model.{k}": v for k, v in trunk.items()},
                                      "model.projection_head.0.weight": torch.zeros(8, 2048),
                                      "model.prototypes.weight": torch.zeros(3, 8)}},
    }


@pytest.mark.parametrize("fmt", sorted(pretrained.KEY_MAPS))
def test_each_format_maps_onto_a_torchvision_resnet50(fmt, source, tmp_path):
    state, x, feats = source
    path = tmp_path / "ckpt.pth.tar"
    torch.save(_formats(state)[fmt], path)
    mapped = pretrained.KEY_MAPS[fmt](pretrained.read_checkpoint(path))
    expected = {k for k in state if not k.startswith("fc.")}
    assert set(mapped) == expected  # nothing missing but the classifier, no head left over
    net = pretrained.load_state(pretrained.resnet50_encoder(), mapped, fmt).eval()
    with torch.no_grad():
        assert torch.allclose(net(x), feats, atol=1e-5)


def test_a_missing_key_is_named(source):
    state, _, _ = source
    state = {k: v for k, v in state.items() if k != "layer3.2.bn1.weight" and not k.startswith("fc.")}
    with pytest.raises(RuntimeError, match=r"missing layer3\.2\.bn1\.weight"):
        pretrained.load_state(pretrained.resnet50_encoder(), state, "test")


class Gadget:  # an object a crafted checkpoint could make unpickling build
    pass


def test_a_pickled_object_is_refused(tmp_path):
    path = tmp_path / "evil.pth"
    torch.save({"weight": torch.zeros(2), "gadget": Gadget()}, path)
    with pytest.raises(pickle.UnpicklingError, match="weights_only"):
        pretrained.read_checkpoint(path)


def test_old_lightning_hyperparameters_are_read_without_importing_lightning(tmp_path, monkeypatch, source):
    import sys
    import types

    fake = types.ModuleType("pytorch_lightning.utilities.parsing")

    class AttributeDict(dict):
        pass

    AttributeDict.__module__, AttributeDict.__qualname__ = fake.__name__, "AttributeDict"
    fake.AttributeDict = AttributeDict
    parents = ["pytorch_lightning", "pytorch_lightning.utilities"]
    for name in parents:
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, fake.__name__, fake)
    path = tmp_path / "old.ckpt"
    import argparse

    torch.save({"state_dict": {"encoder.conv1.weight": torch.ones(2)}, "hyper_parameters": AttributeDict(lr=0.1),
                "hparams": argparse.Namespace(batch_size=256)}, path)
    for name in [*parents, fake.__name__]:
        monkeypatch.delitem(sys.modules, name)  # the reader must not need them
    assert pretrained.read_checkpoint(path)["encoder.conv1.weight"].sum() == 2


def _registered(monkeypatch, tmp_path, state, **pins):
    """A registry entry served from a local file:// URL, with the cache in tmp_path/home."""
    src = tmp_path / "serve" / "resnet50-test.pth"
    src.parent.mkdir()
    torch.save(state, src)
    monkeypatch.setenv("SSLKIT_HOME", str(tmp_path / "home"))
    if pins.get("sha256") == "right":
        pins["sha256"] = file_sha256(src)
    monkeypatch.setitem(pretrained.REGISTRY, "test", Weights(src.as_uri(), "torchvision", **pins))
    return pretrained.cache_dir() / "test" / src.name


def test_download_checks_the_pin_and_loads(monkeypatch, tmp_path, source):
    state, x, feats = source
    dest = _registered(monkeypatch, tmp_path, state, sha256="right")
    net = pretrained.load_imagenet("test", progress=False)
    assert dest.is_file() and not list(dest.parent.glob("*.part"))
    with torch.no_grad():
        assert torch.allclose(net(x), feats, atol=1e-5)
    assert not net.training


def test_a_wrong_hash_leaves_nothing_in_the_cache(monkeypatch, tmp_path, source):
    dest = _registered(monkeypatch, tmp_path, source[0], sha256="0" * 64)
    with pytest.raises(HashMismatch) as e:
        pretrained.load_imagenet("test", progress=False)
    msg = str(e.value)
    assert "0" * 64 in msg and file_sha256(tmp_path / "serve" / dest.name) in msg and "delete" in msg
    assert not dest.parent.exists() or not any(dest.parent.iterdir())  # no partial file, no bad file


def test_a_tampered_cached_file_is_refused(monkeypatch, tmp_path, source):
    dest = _registered(monkeypatch, tmp_path, source[0], sha256="right")
    pretrained.load_imagenet("test", progress=False)
    with open(dest, "ab") as f:
        f.write(b"\0")
    with pytest.raises(HashMismatch, match=str(dest)):
        pretrained.load_imagenet("test", progress=False)


def test_an_unpinned_file_needs_consent_and_is_pinned_on_first_use(monkeypatch, tmp_path, source):
    dest = _registered(monkeypatch, tmp_path, source[0])
    with pytest.raises(HashMismatch, match="allow_unpinned=True"):
        pretrained.load_imagenet("test", progress=False)
    assert not dest.exists()  # refused before downloading
    pretrained.load_imagenet("test", allow_unpinned=True, progress=False)
    pin = dest.with_name(dest.name + ".sha256")
    assert pin.read_text().strip() == file_sha256(dest)
    pretrained.load_imagenet("test", progress=False)  # pinned now: no consent needed
    with open(dest, "ab") as f:
        f.write(b"\0")
    with pytest.raises(HashMismatch):
        pretrained.load_imagenet("test", progress=False)


def test_a_hash_prefix_pin_is_checked(monkeypatch, tmp_path, source):
    _registered(monkeypatch, tmp_path, source[0], sha256_prefix="ffffffffff")
    with pytest.raises(HashMismatch, match="prefix"):
        pretrained.load_imagenet("test", progress=False)


def test_unknown_name_lists_the_choices():
    with pytest.raises(KeyError, match="vicreg"):
        pretrained.load_imagenet("no-such-model")


def test_registry_entries_are_well_formed():
    for name, w in pretrained.REGISTRY.items():
        assert w.url.startswith("https://") and w.key_map in pretrained.KEY_MAPS, name
        assert w.sha256 is None or len(w.sha256) == 64, name


def test_load_backbone_rebuilds_a_run(tmp_path, capsys):
    from sslkit.methods import SimCLR
    from sslkit.records.manifest import half_state

    torch.manual_seed(0)
    model = SimCLR(arch="resnet18", width=0.125, num_classes=10).eval()
    torch.save(half_state(model), tmp_path / "weights.pt")
    (tmp_path / "run.json").write_text(json.dumps({"method": "sslkit.methods.simclr.SimCLR",
                                                   "hparams": dict(model.hparams)}))
    net = pretrained.load_backbone(tmp_path, allow_unverified=True)  # a folder no manifest lists
    assert "WITHOUT checking its files" in capsys.readouterr().out
    assert type(net) is type(model.backbone) and net.settings["width"] == 0.125 and not net.training
    x = torch.rand(3, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(net(x), model.backbone(x), atol=2e-2)  # weights stored in float16


def test_load_backbone_errors_name_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="no reference run 'nothing'"):
        pretrained.load_backbone("nothing", "cpu")
    torch.save({}, tmp_path / "weights.pt")
    (tmp_path / "run.json").write_text(json.dumps({"method": "os.system", "hparams": {}}))
    with pytest.raises(ValueError, match="Unknown method 'os.system'"):
        pretrained.load_backbone(tmp_path, allow_unverified=True)


def test_label_fractions_are_balanced_and_nested():
    labels = torch.arange(10).repeat_interleave(300)[torch.randperm(3000, generator=torch.Generator().manual_seed(1))]
    small, large = (class_balanced_subset(labels, fraction=f, seed=4) for f in (0.01, 0.1))
    assert torch.bincount(labels[small]).tolist() == [3] * 10 and torch.bincount(labels[large]).tolist() == [30] * 10
    assert set(small.tolist()) <= set(large.tolist())
