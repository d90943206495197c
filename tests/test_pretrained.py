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


@pytest.mark.parametrize("fmt", sorted(set(pretrained.KEY_MAPS) - {"bolts_cpc"}))  # CPC: its own test below
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


def test_a_method_name_opens_its_main_run_whatever_its_folder_is_called(monkeypatch):
    from sslkit.parts import paths
    from sslkit.parts.profiles import get_profile
    from sslkit.records.manifest import verified
    from sslkit.records.policy import main_run_name

    monkeypatch.setenv("SSLKIT_REFERENCES", str(paths.repo_root() / "results"))  # the committed references
    cpu = get_profile("cpu")
    main = cpu.main_profile()
    for stem in ("simclr", "byol", "swav"):
        run = verified(stem, cpu)
        assert run.name == main_run_name(stem, stem, main, **main.main_run(stem))  # e.g. simclr-lr=0.3-...
        assert run.settings["hparams"]["width"] == main.width


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


# ----------------------------------------------------------------------------- bolts' CPC v2

def _bolts_cpc_checkpoint(blocks, patch, seed=0):
    """A Lightning checkpoint laid out as bolts' CPC v2 module saves it, for a CPC-ResNet with
    ``blocks`` per stage on ``patch``-px patches. Keys and shapes are written out here from the
    rules of bolts' networks.py (stem conv 7×7/2 + LayerNorm over (C, H, W), max-pool /2; stages of
    (planes, expansion, stride) = (64, 4, 1), (128, 4, 2), (512, 8, 2), (512, 4, 2); a 1×1 conv +
    LayerNorm shortcut on each stage's first block), not read from sslkit's module."""
    g = torch.Generator().manual_seed(seed)
    state = {}

    def add(key, *shape, centre=0.0):
        state[key] = centre + 0.05 * torch.randn(*shape, generator=g)

    def ln(key, c, size):
        add(key + ".weight", c, size, size, centre=1.0)
        add(key + ".bias", c, size, size)

    size = patch // 2
    add("encoder.conv1.weight", 64, 3, 7, 7)
    ln("encoder.ln1", 64, size)
    size //= 2
    cin = 64
    for i, (n, planes, expansion, stride) in enumerate(zip(blocks, (64, 128, 512, 512), (4, 4, 8, 4), (1, 2, 2, 2)), 1):
        for j in range(n):
            s = stride if j == 0 else 1
            out, cout, pre = size // s, planes * expansion, f"encoder.layer{i}.{j}."
            add(pre + "conv1.weight", planes, cin, 1, 1)
            ln(pre + "ln1", planes, size)
            add(pre + "conv2.weight", planes, planes, 3, 3)
            ln(pre + "ln2", planes, out)
            add(pre + "conv3.weight", cout, planes, 1, 1)
            ln(pre + "ln3", cout, out)
            if j == 0:
                add(pre + "downsample.0.weight", cout, cin, 1, 1)
                ln(pre + "downsample.1", cout, out)
            cin, size = cout, out
    heads = {"contrastive_task.target_to_dim.weight": torch.zeros(64, cin, 1, 1),
             "contrastive_task.pred_cnn.0.weight": torch.zeros(64, cin, 1, 1)}
    return {"epoch": 526, "pytorch-lightning_version": "0.8.5", "state_dict": {**state, **heads}}


def test_bolts_cpc_checkpoint_loads_strictly_and_encodes_the_patch_grid(tmp_path, monkeypatch):
    from sslkit.parts.cpc_resnet import CPCResNet, PatchEncoder

    blocks = (1, 2, 1, 1)  # bolts' layout at a depth a test can hold (the registry's is 3, 4, 46, 3)
    ckpt = _bolts_cpc_checkpoint(blocks, patch=32)
    src = tmp_path / "serve" / "epoch=526.ckpt"
    src.parent.mkdir()
    torch.save(ckpt, src)
    monkeypatch.setenv("SSLKIT_HOME", str(tmp_path / "home"))
    monkeypatch.setitem(pretrained.ARCHS, "cpc_test", lambda: PatchEncoder(CPCResNet(32, blocks), 128, 32, 16))
    monkeypatch.setitem(pretrained.REGISTRY, "test-cpc", Weights(src.as_uri(), "bolts_cpc", sha256=file_sha256(src),
                                                                 arch="cpc_test"))
    net = pretrained.load_imagenet("test-cpc", progress=False)  # strict: any key left over or missing raises
    state = ckpt["state_dict"]
    assert torch.equal(net.encoder.layer2[1].ln2.weight, state["encoder.layer2.1.ln2.weight"])
    assert torch.equal(net.encoder.layer3[0].downsample[1].bias, state["encoder.layer3.0.downsample.1.bias"])

    torch.manual_seed(1)
    x = torch.randn(2, 3, 128, 128)
    with torch.no_grad():
        feats = net(x)
        # by hand: the 7×7 grid of 32-px patches at stride 16, each encoded, codes averaged
        codes = [net.encoder(x[:, :, 16 * r:16 * r + 32, 16 * c:16 * c + 32]).flatten(1) for r in range(7) for c in range(7)]
    assert feats.shape == (2, 2048)
    assert torch.allclose(feats, torch.stack(codes).mean(0), atol=1e-5)


def test_bolts_cpc_weights_for_other_patches_are_refused_with_the_shapes_named():
    from sslkit.parts.cpc_resnet import CPCResNet, PatchEncoder

    # bolts' CIFAR-10 CPC was trained on 8-px patches: its LayerNorms do not fit the 32-px encoder
    cifar = pretrained.KEY_MAPS["bolts_cpc"](_bolts_cpc_checkpoint((1, 1, 1, 1), patch=8)["state_dict"])
    with pytest.raises(RuntimeError, match=r"wrong shape .*ln1\.weight"):
        pretrained.load_state(PatchEncoder(CPCResNet(32, (1, 1, 1, 1))), cifar, "cifar cpc")
    with pytest.raises(ValueError, match="32×32 patches"):
        CPCResNet(32, (1, 1, 1, 1))(torch.zeros(1, 3, 8, 8))


def test_the_registry_builds_bolts_full_cpc_resnet101():
    entry = pretrained.REGISTRY["bolts-cpc"]
    assert pretrained.KEY_MAPS[entry.key_map] and entry.arch in pretrained.ARCHS
    with torch.device("meta"):  # shapes only: the real one holds ~300 M parameters
        net = pretrained.ARCHS[entry.arch]()
    keys = net.state_dict()
    assert net.feature_dim == 2048
    assert keys["encoder.layer3.45.ln2.weight"].shape == (512, 2, 2)  # 46 blocks in stage 3, 8-px maps after conv2
    assert keys["encoder.layer3.45.conv3.weight"].shape == (4096, 512, 1, 1)  # stage 3 expands 8×
    assert "encoder.layer4.3.conv1.weight" not in keys and "encoder.layer4.2.conv1.weight" in keys
