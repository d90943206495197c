"""Transfer protocol: label subsets, probe per fraction, fine-tunes recorded and reloaded, and
ImageNet-encoder features of CIFAR-sized images."""

from dataclasses import replace

import pytest
import torch
import torch.nn as nn

from sslkit.experiments import transfer
from sslkit.methods import Supervised
from sslkit.parts import paths
from sslkit.parts.profiles import get_profile
from sslkit.training.evaluate import linear_probe
from sslkit.records import manifest as reference
from sslkit.records.policy import LOAD, Mode

TINY = replace(get_profile("smoke"), name="tiny", train_per_class=20, supervised_epochs=2, batch_size=32, references=True)


def test_label_subsets_are_balanced_nested_and_floored():
    labels = torch.arange(10).repeat_interleave(200)[torch.randperm(2000, generator=torch.Generator().manual_seed(3))]
    one, ten = transfer.label_subset(labels, 0.01, draw=1), transfer.label_subset(labels, 0.1, draw=1)
    assert torch.bincount(labels[one]).tolist() == [2] * 10  # 1% of 200 is 2
    assert torch.bincount(labels[ten]).tolist() == [20] * 10
    assert set(one.tolist()) <= set(ten.tolist())
    assert not torch.equal(one, transfer.label_subset(labels, 0.01, draw=2))  # another draw, other images
    assert torch.bincount(labels[transfer.label_subset(labels, 0.001, min_per_class=3)]).tolist() == [3] * 10
    assert len(transfer.label_subset(labels, 1.0)) == 2000
    with pytest.raises(ValueError, match="fraction"):
        transfer.label_subset(labels, 0.0)


def test_fine_tune_takes_at_least_min_steps():
    epochs, batch = transfer.fine_tune_steps(100, TINY, min_steps=50)
    assert batch == 32 and epochs * (100 // 32) >= 50 and (epochs - 1) * (100 // 32) < 50
    assert transfer.fine_tune_steps(10_000, TINY, min_steps=1) == (TINY.supervised_epochs, 32)


def test_probe_fractions_rise_with_labels(digits_20_per_class):
    train, test = digits_20_per_class
    flat = lambda s: s.images.float().flatten(1) / 255  # noqa: E731 — pixels as features
    res = transfer.probe_fractions(flat(train), train.labels, flat(test), test.labels, 10, fractions=(0.1, 1.0))
    assert len(res[0.1]) == 3 and len(res[1.0]) == 1  # three label draws, one full set
    assert res[1.0][0].accuracy > sum(r.accuracy for r in res[0.1]) / 3 > 0.2  # chance is 0.1
    # all labels: the evaluation protocol's probe itself, so notebook 08 prints what the method notebooks print
    same = linear_probe(flat(train), train.labels, flat(test), test.labels, 10)
    assert (res[1.0][0].accuracy, res[1.0][0].val_accuracy) == (same.accuracy, same.val_accuracy)  # same split too


def test_fine_tunes_are_recorded_then_loaded(digits_20_per_class, monkeypatch):
    train, test = digits_20_per_class
    torch.manual_seed(0)
    backbone = Supervised(width=0.125).backbone
    trained = transfer.fine_tune_seeds(backbone, "ft-test", train, test, 0.5, mode=Mode(record=True, command="python -m sslkit.course.references test --profile tiny"), draws=(0, 1),
                                       profile=TINY)
    assert len(trained) == 2 and all(0 <= a <= 1 for a in trained)
    entry = reference.load_manifest(TINY)["runs"]["ft-test-50pct-draw1"]
    assert entry["results"]["top1"] == trained[1]
    (paths.runs_dir() / "tiny").rename(paths.home() / "gone")  # no run folder to reload
    assert transfer.fine_tune_seeds(backbone, "ft-test", train, test, 0.5, mode=LOAD, draws=(0, 1), profile=TINY) == trained
    other = Supervised(width=0.125).backbone  # other weights: the reference no longer fits
    transfer.fine_tune_seeds(other, "ft-test", train, test, 0.5, mode=LOAD, draws=(0,), profile=TINY)
    assert (paths.runs_dir() / "tiny" / "ft-test-50pct-draw0").is_dir()  # it trained again


def test_imagenet_features_resize_and_normalize(digits_20_per_class):
    train, _ = digits_20_per_class
    seen = {}

    class Probe(nn.Module):
        def forward(self, x):
            seen["shape"], seen["mean"] = x.shape, x.mean((0, 2, 3))
            return x.mean((2, 3))

    feats = transfer.imagenet_features(Probe(), train.subset(torch.arange(8)), resolution=64, device="cpu")
    assert feats.shape == (8, 3) and seen["shape"] == (8, 3, 64, 64)
    x = train.images[:8].float() / 255
    expected = (x.mean((0, 2, 3)) - torch.tensor(transfer.IMAGENET_MEAN)) / torch.tensor(transfer.IMAGENET_STD)
    assert torch.allclose(seen["mean"], expected, atol=0.02)  # resizing keeps the mean; normalization applied
