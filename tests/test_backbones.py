import pytest
import torch
import torch.nn as nn

from sslkit.parts.backbones import WSConv2d, build_backbone, resnet18, resnet50


@pytest.mark.parametrize("arch,width,dim", [("resnet18", 0.25, 128), ("resnet34", 0.125, 64), ("resnet50", 0.125, 256)])
def test_feature_shape_and_dim(arch, width, dim):
    net = build_backbone(arch, width=width)
    h = net(torch.rand(4, 3, 32, 32))
    assert h.shape == (4, dim) == (4, net.feature_dim)


def test_stages_have_cifar_resolutions():
    net = resnet18(width=0.125)
    shapes = [tuple(s.shape[1:]) for s in net.stages_out(torch.rand(2, 3, 32, 32))]
    assert shapes == [(8, 32, 32), (16, 16, 16), (32, 8, 8), (64, 4, 4)]  # no stem downsampling
    assert net.stage_dims == (8, 16, 32, 64)


def test_width_and_depth_multipliers_scale_the_network():
    small, wide, deep = resnet18(0.25), resnet18(0.5), resnet18(0.25, depth=2)
    n = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert 3.5 < n(wide) / n(small) < 4.5  # conv parameters grow with width²
    assert deep.blocks_per_stage == (4, 4, 4, 4) and n(deep) > 1.8 * n(small)
    assert resnet50(0.125).blocks_per_stage == (3, 4, 6, 3)


def test_groupnorm_variant_shares_nothing_across_the_batch():
    x = torch.rand(8, 3, 32, 32)
    for norm, independent in (("gn", True), ("bn", False)):
        net = resnet18(0.125, norm=norm).train()
        alone, in_batch = net(x[:1]), net(x)[:1]
        assert torch.allclose(alone, in_batch, atol=1e-5) == independent, norm
    gn = resnet18(0.125, norm="gn")
    assert not any(isinstance(m, nn.BatchNorm2d) for m in gn.modules())
    assert any(isinstance(m, WSConv2d) for m in gn.modules())


def test_weight_standardization_normalizes_each_filter():
    conv = WSConv2d(4, 6, 3, padding=1, bias=False)
    nn.init.uniform_(conv.weight, 2, 5)  # far from zero mean / unit variance
    w = conv.standardized_weight().flatten(1).double()  # (6, 36) one row per output filter
    assert torch.allclose(w.mean(1), torch.zeros(6, dtype=torch.double), atol=1e-6)
    assert torch.allclose(w.var(1, unbiased=False), torch.ones(6, dtype=torch.double), atol=1e-3)
    # the forward uses exactly that weight: compare with an independent convolution
    x = torch.randn(2, 4, 5, 5)
    ref = torch.nn.functional.conv2d(x, conv.standardized_weight(), padding=1)
    assert torch.allclose(conv(x), ref, atol=1e-6)
    # and a constant input gives ~0 at interior pixels (zero-mean filters)
    assert conv(torch.ones(1, 4, 3, 3))[0, :, 1, 1].abs().max() < 1e-4


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="resnet18"):
        build_backbone("vgg")
    with pytest.raises(ValueError, match="norm"):
        resnet18(norm="ln")
    with pytest.raises(ValueError, match="positive"):
        resnet18(width=0)


def test_stage_features_pool_each_depth():
    from sslkit.parts.backbones import StageFeatures

    net = resnet18(0.125)
    dims = [StageFeatures(net, s)(torch.rand(2, 3, 32, 32)).shape for s in range(4)]
    assert dims == [(2, 8 * 4), (2, 16 * 4), (2, 32 * 4), (2, 64 * 4)]


@pytest.mark.parametrize("bad,named", [(float("nan"), "NaN"), (float("inf"), r"\+Inf"), (-float("inf"), "-Inf")])
def test_non_finite_pixels_are_refused_with_their_own_message(images, bad, named):
    net = resnet18(width=0.125).eval()
    x = images.clone()
    x[3, 1, 5, 7] = bad
    with pytest.raises(ValueError, match=f"1 pixel value\\(s\\) that are not finite \\({named}\\)") as err:
        net(x)
    assert "divide by 255" not in str(err.value)
