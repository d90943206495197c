"""Parameter and FLOP counts of the width/depth variants against independent counts."""

import pytest
import torch.nn as nn

from sslkit.methods import SimCLR, Supervised
from sslkit.parts.backbones import build_backbone
from sslkit.training.flops import count_params, forward_flops, step_flops


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

    from sslkit.parts import paths
    from sslkit.parts.data import load_digits
    from sslkit.parts.profiles import get_profile
    from sslkit.experiments.scaling import size_sweep
    from sslkit.records.policy import LOAD

    tiny = replace(get_profile("smoke"), name="tiny", train_per_class=10, pretrain_epochs=1)
    train, test = load_digits("train").balanced(per_class=10), load_digits("test").balanced(per_class=5)
    sizes = [{"width": 0.0625}, {"width": 0.125, "depth": 0.5}]
    first = size_sweep(Supervised, train, test, "size", sizes[:1], mode=LOAD, seeds=(0,), profile=tiny)  # then "interrupted"
    ckpt = next((paths.runs_dir() / "tiny").glob("size-*/checkpoints/last.ckpt"))
    before = ckpt.stat().st_mtime_ns
    rows = size_sweep(Supervised, train, test, "size", sizes, mode=LOAD, seeds=(0,), profile=tiny)
    assert ckpt.stat().st_mtime_ns == before  # the finished run was reloaded, not trained again
    assert len(list((paths.runs_dir() / "tiny").glob("size-*"))) == 2  # the missing one trained
    assert rows[0] == first[0] and rows[1]["params"] == hand_params(8, (1, 1, 1, 1))
    assert {"width", "seed", "params", "flops", "train_flops", "knn", "wall_s"} <= set(rows[1])
    assert rows[1]["wall_s"] > 0 and rows[1]["train_flops"] > rows[1]["flops"]
    with pytest.raises(ValueError, match="arch, width and depth"):
        size_sweep(Supervised, train, test, "size", [{"lr": 0.1}], mode=LOAD, seeds=(0,), profile=tiny)


def test_a_runs_training_flops_follow_its_views_and_its_images():
    from dataclasses import replace

    from sslkit.parts.data import load_digits
    from sslkit.parts.profiles import get_profile
    from sslkit.experiments.scaling import size_counts

    p = replace(get_profile("smoke"), pretrain_epochs=3)
    train = load_digits("train").balanced(per_class=20)
    size = {"width": 0.125, "depth": 0.5}
    sim, sup = size_counts(SimCLR, train, size, p), size_counts(Supervised, train, size, p)
    assert sim["params"] == sup["params"] == hand_params(8, (1, 1, 1, 1))  # the encoder only
    assert 1.8 < sim["train_flops"] / sup["train_flops"] < 2.4  # two views against one
    assert 2.5 * sup["flops"] * 3 * len(train) < sup["train_flops"] < 3.5 * sup["flops"] * 3 * len(train)
    half = size_counts(Supervised, train.balanced(per_class=10), size, p)
    assert half["train_flops"] * 2 == sup["train_flops"]  # half the images, half the FLOPs


def test_equal_compute_epochs_give_the_reference_runs_flops():
    from dataclasses import replace

    from sslkit.experiments.scaling import equal_compute_epochs, size_counts
    from sslkit.parts.data import load_digits
    from sslkit.parts.profiles import get_profile

    p = replace(get_profile("smoke"), pretrain_epochs=4)
    train = load_digits("train").balanced(per_class=20)
    size = {"width": 0.125, "depth": 0.5}
    epochs = equal_compute_epochs(Supervised, SimCLR, train, size, p)
    sim = size_counts(SimCLR, train, size, p)["train_flops"]
    per_epoch = size_counts(Supervised, train, size, p, epochs=1)["train_flops"]
    assert 7 <= epochs <= 10  # two views (and a head) against one: about twice SimCLR's 4 epochs
    assert abs(epochs * per_epoch - sim) <= per_epoch / 2  # the nearest whole epoch to SimCLR's FLOPs
    assert equal_compute_epochs(SimCLR, SimCLR, train, size, p) == 4


def test_summary_and_gaps_against_statistics():
    import statistics

    from sslkit.experiments.scaling import gaps, summary

    def rows(offset, widths=(0.25, 0.125)):
        return [{"width": w, "seed": s, "params": int(1e4 * w), "flops": 1, "train_flops": 2,
                 "knn": 0.3 + w + 0.01 * s, "linear": offset + w + 0.02 * s * s} for w in widths for s in range(3)]

    ssl, sup = rows(0.2), rows(0.5)
    s = summary(ssl)
    assert list(s["width"]) == [0.125, 0.25] and list(s["seeds"]) == [3, 3]  # one row per size, by params
    lin = [0.2 + 0.125 + 0.02 * k * k for k in range(3)]
    assert s["linear_mean"][0] == pytest.approx(statistics.mean(lin))
    assert s["linear_sd"][0] == pytest.approx(statistics.stdev(lin))
    assert summary(ssl[:1])["linear_sd"][0] == 0.0  # one seed: no spread
    g = gaps(sup, ssl)  # supervised − SSL
    assert [r["width"] for r in g] == [0.125, 0.25]
    assert g[0]["gap"] == pytest.approx(0.3)
    assert g[0]["se"] == pytest.approx((2 * statistics.variance(lin) / 3) ** 0.5)
    assert gaps(sup, rows(0.2, widths=(0.5,))) == []  # no size in common


def test_the_scaling_plan_per_profile():
    from dataclasses import replace

    from sslkit.parts.profiles import get_profile
    from sslkit.experiments.scaling import depth_name, depth_sizes, scaling_profiles, width_sizes

    cpu = get_profile("cpu")
    data = scaling_profiles(cpu)
    assert data["small"].train_per_class * 5 == data["large"].train_per_class < cpu.train_per_class
    assert [s["width"] for s in width_sizes(cpu)] == [1 / 32, 1 / 16, 1 / 8, 1 / 4]
    assert [depth_name(s) for s in depth_sizes(cpu)] == ["ResNet-10", "ResNet-18", "ResNet-26", "ResNet-34"]
    assert {s["width"] for s in depth_sizes(cpu)} == {cpu.width / 2}
    # the smoke plan leaves the 10%-label probe two labels per class on the small set
    assert scaling_profiles(get_profile("smoke"))["small"].train_per_class // 10 >= 2
    with pytest.raises(ValueError, match="SCALING_DATA"):
        scaling_profiles(replace(cpu, name="laptop"))


def test_size_curves_draw_the_seed_mean_per_size_in_order_of_parameters():
    import matplotlib

    matplotlib.use("Agg")
    from sslkit.course.plots import size_curves

    rows = [{"width": w, "seed": s, "params": p, "flops": 1, "linear": a + 0.02 * s}
            for w, p, a in ((0.25, 700, 0.5), (0.0625, 44, 0.3)) for s in range(3)]
    fig = size_curves({"SimCLR": rows, "supervised": [dict(r, linear=r["linear"] + 0.1) for r in rows]})
    ax = fig.axes[0]
    lines = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]  # the data lines, not the error-bar caps
    assert len(lines) == 2 and ax.get_xscale() == "log"
    assert list(lines[0].get_xdata()) == [44, 700]  # sorted by parameters, not by input order
    assert list(lines[0].get_ydata()) == pytest.approx([32.0, 52.0])  # mean of 3 seeds, in %
    assert list(lines[1].get_ydata()) == pytest.approx([42.0, 62.0])


def test_the_sweep_plan_trains_each_size_once():
    from sslkit.parts.profiles import get_profile
    from sslkit.experiments.scaling import depth_sizes, sweep_plan, width_sizes

    cpu = get_profile("cpu")
    plan = sweep_plan(cpu)
    large = [s for d, s in plan if d == "large"]
    assert len(plan) == 11 and len(large) == 7  # 4 widths + 3 more depths (ResNet-18 at half width is shared)
    assert all(s in large for s in width_sizes(cpu) + depth_sizes(cpu))
    assert [s for d, s in plan if d == "small"] == width_sizes(cpu)
    assert [s["width"] for _, s in sweep_plan(cpu, pair=True)] == [1 / 16, 1 / 4]


def test_smoke_thins_each_scaling_sweep_to_its_two_ends():
    from dataclasses import replace

    from sslkit.experiments.scaling import depth_sizes, sweep_plan, width_sizes
    from sslkit.parts.profiles import get_profile

    cpu, smoke = get_profile("cpu"), get_profile("smoke")
    assert width_sizes(replace(cpu, sweep_points=2)) == [width_sizes(cpu)[0], width_sizes(cpu)[-1]]
    assert replace(cpu, sweep_points=3).points(list("abcde")) == ["a", "c", "e"]
    assert len(sweep_plan(smoke)) == 6 and len(depth_sizes(smoke)) == 2  # 2 widths + 2 depths, 2 small
    assert [s["width"] for _, s in sweep_plan(smoke, pair=True)] == [w["width"] for w in width_sizes(smoke)]
    with pytest.raises(ValueError, match="at least 2"):
        replace(cpu, sweep_points=1).points([1, 2, 3])
