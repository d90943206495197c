"""Parameter and FLOP counts of the width/depth variants against independent counts."""

import pytest
import torch.nn as nn

from sslkit.backbones import build_backbone
from sslkit.methods import SimCLR, Supervised
from sslkit.scaling import count_params, forward_flops, step_flops


def torchvision_cifar_resnet18():
    """torchvision's ResNet-18 with the CIFAR stem swapped in (3×3 stride-1 conv, no max-pool)
    and no classifier: the same network built by other code."""
    from torchvision.models import resnet18

    net = resnet18(weights=None)
    net.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
    net.maxpool = nn.Identity()
    net.fc = nn.Identity()
    return net


def hand_params(c: int, blocks=(2, 2, 2, 2)) -> int:
    """Parameters of a CIFAR ResNet of BasicBlocks with base width c, counted by hand: 3×3
    convolutions without bias, BatchNorm's two vectors, 1×1 projection shortcuts."""
    total, cin = 3 * c * 9 + 2 * c, c  # stem: conv + BN
    for i, n in enumerate(blocks):
        cout = c * 2 ** i
        for b in range(n):
            total += cin * cout * 9 + cout * cout * 9 + 4 * cout  # two convs, two BNs
            if cin != cout:
                total += cin * cout + 2 * cout  # 1×1 shortcut + BN
            cin = cout
    return total


def hand_forward_flops(c: int, blocks=(2, 2, 2, 2), side: int = 32) -> int:
    """2 × multiply-adds of every convolution of that network on a side×side image."""
    macs, cin, s = 3 * c * 9 * side * side, c, side
    for i, n in enumerate(blocks):
        cout = c * 2 ** i
        for b in range(n):
            stride = 2 if i > 0 and b == 0 else 1
            s_out = s // stride
            macs += (cin * cout * 9 + cout * cout * 9) * s_out * s_out
            if cin != cout:
                macs += cin * cout * s_out * s_out
            cin, s = cout, s_out
    return 2 * macs


def test_resnet18_matches_torchvision_with_a_cifar_stem():
    ours, theirs = build_backbone("resnet18", 1.0), torchvision_cifar_resnet18()
    assert count_params(ours) == count_params(theirs) == 11_168_832
    assert forward_flops(ours) == forward_flops(theirs)


@pytest.mark.parametrize("width,depth,blocks", [(0.25, 1.0, (2, 2, 2, 2)), (0.125, 0.5, (1, 1, 1, 1)),
                                                (0.5, 1.0, (2, 2, 2, 2))])
def test_width_and_depth_variants_match_a_hand_count(width, depth, blocks):
    net = build_backbone("resnet18", width, depth)
    c = round(64 * width)
    assert count_params(net) == hand_params(c, blocks)
    assert forward_flops(net) == hand_forward_flops(c, blocks)


def test_resnet34_blocks_and_the_counts_grow_with_size():
    r18, r34 = build_backbone("resnet18", 0.25), build_backbone("resnet34", 0.25)
    assert count_params(r34) == hand_params(16, (3, 4, 6, 3)) > count_params(r18)
    assert forward_flops(build_backbone("resnet18", 0.5)) > 3.5 * forward_flops(r18)  # ~4× per width doubling


def test_a_simclr_step_costs_about_two_views_forward_and_backward():
    m = SimCLR(width=0.125)
    fwd = forward_flops(m.backbone)
    per_image = step_flops(m)
    assert 5.5 * fwd < per_image < 7 * fwd  # 2 views × (forward + ~2× backward) + the small heads
    sup = step_flops(Supervised(width=0.125))
    assert 2.5 * fwd < sup < 3.5 * fwd  # one view


def test_an_interrupted_size_sweep_trains_only_the_missing_runs():
    from dataclasses import replace

    from sslkit import paths
    from sslkit.data import load_digits
    from sslkit.profiles import get_profile
    from sslkit.scaling import size_sweep

    tiny = replace(get_profile("smoke"), name="tiny", train_per_class=10, pretrain_epochs=1)
    train, test = load_digits("train").balanced(per_class=10), load_digits("test").balanced(per_class=5)
    sizes = [{"width": 0.0625}, {"width": 0.125, "depth": 0.5}]
    first = size_sweep(Supervised, train, test, "size", sizes[:1], seeds=(0,), profile=tiny)  # then "interrupted"
    ckpt = next((paths.runs_dir() / "tiny").glob("size-*/checkpoints/last.ckpt"))
    before = ckpt.stat().st_mtime_ns
    rows = size_sweep(Supervised, train, test, "size", sizes, seeds=(0,), profile=tiny)
    assert ckpt.stat().st_mtime_ns == before  # the finished run was reloaded, not trained again
    assert len(list((paths.runs_dir() / "tiny").glob("size-*"))) == 2  # the missing one trained
    assert rows[0] == first[0] and rows[1]["params"] == hand_params(8, (1, 1, 1, 1))
    assert {"width", "seed", "params", "flops", "knn"} <= set(rows[1])
    with pytest.raises(ValueError, match="arch, width and depth"):
        size_sweep(Supervised, train, test, "size", [{"lr": 0.1}], seeds=(0,), profile=tiny)
