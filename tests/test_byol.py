import math

import pytest
import torch
import torch.nn as nn

from sslkit.methods import BYOL
from sslkit.parts.augment import Augment
from sslkit.parts.data import Batch, load_digits
from sslkit.parts.ema import cosine_tau, ema_update, make_target
from sslkit.parts.heads import PredictionHead, ProjectionHead
from sslkit.parts.losses import byol_loss, regression_loss


# -- loss
def test_regression_loss_matches_the_normalized_squared_error():
    g = torch.Generator().manual_seed(0)
    p, z = torch.randn(8, 5, generator=g), torch.randn(8, 5, generator=g)
    expected = sum(float(((p[i] / p[i].norm() - z[i] / z[i].norm()) ** 2).sum()) for i in range(8)) / 8
    assert regression_loss(p, z).item() == pytest.approx(expected, rel=1e-5)


def test_byol_loss_is_zero_for_matching_and_four_for_opposite_directions():
    v = torch.randn(6, 16)
    assert byol_loss(v, 2 * v, 3 * v, v).item() == pytest.approx(0.0, abs=1e-6)
    assert byol_loss(v, v, -v, -0.5 * v).item() == pytest.approx(4.0, rel=1e-6)


def test_byol_loss_crosses_the_views_and_averages_them():
    g = torch.Generator().manual_seed(1)
    p1, p2, z1, z2 = (torch.randn(4, 8, generator=g) for _ in range(4))
    expected = 0.5 * (regression_loss(p1, z2) + regression_loss(p2, z1))
    assert byol_loss(p1, p2, z1, z2).item() == pytest.approx(expected.item(), rel=1e-6)
    assert byol_loss(p1, p2, z1, z2).item() != pytest.approx(byol_loss(p1, p2, z2, z1).item(), rel=1e-3)


def test_byol_loss_matches_lightly_negative_cosine_similarity():
    lightly = pytest.importorskip("lightly.loss")
    g = torch.Generator().manual_seed(2)
    p1, p2, z1, z2 = (torch.randn(32, 16, generator=g) for _ in range(4))
    crit = lightly.NegativeCosineSimilarity()
    ref = 0.5 * ((2 + 2 * crit(p1, z2)) + (2 + 2 * crit(p2, z1)))  # 2 − 2·cos = 2 + 2·(−cos)
    assert byol_loss(p1, p2, z1, z2).item() == pytest.approx(ref.item(), rel=1e-5)


def test_byol_loss_sends_no_gradient_to_the_targets():
    p = torch.randn(4, 8, requires_grad=True)
    z = torch.randn(4, 8, requires_grad=True)
    byol_loss(p, p, z, z).backward()
    assert p.grad is not None and p.grad.abs().sum() > 0
    assert z.grad is None


def test_byol_loss_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="one shape"):
        regression_loss(torch.randn(4, 8), torch.randn(4, 7))


# -- EMA
def test_ema_update_follows_the_formula_exactly():
    online, target = nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4)), nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4))
    online[1].running_mean.fill_(3.0)
    before = [p.clone() for p in target.parameters()]
    ema_update(target, online, 0.9)
    for b, t, o in zip(before, target.parameters(), online.parameters()):
        assert torch.allclose(t, 0.9 * b + 0.1 * o, atol=1e-7)
    assert torch.equal(target[1].running_mean, online[1].running_mean)  # buffers copied
    ema_update(target, online, 0.0)  # τ = 0: the target becomes the online network
    assert all(torch.equal(t, o) for t, o in zip(target.parameters(), online.parameters()))


def test_cosine_tau_schedule():
    K, base = 100, 0.99
    assert cosine_tau(0, K, base) == pytest.approx(base)
    assert cosine_tau(K, K, base) == pytest.approx(1.0)
    assert cosine_tau(K // 2, K, base) == pytest.approx(1 - (1 - base) / 2)
    k = 30
    assert cosine_tau(k, K, base) == pytest.approx(1 - (1 - base) * (math.cos(math.pi * k / K) + 1) / 2)
    taus = [cosine_tau(k, K, base) for k in range(K + 1)]
    assert all(a <= b for a, b in zip(taus, taus[1:]))
    with pytest.raises(ValueError, match="tau_base"):
        cosine_tau(0, K, 1.5)


def test_make_target_copies_and_freezes():
    online = nn.Linear(3, 3)
    target = make_target(online)
    assert all(not p.requires_grad for p in target.parameters())
    assert all(torch.equal(a, b) and a.data_ptr() != b.data_ptr() for a, b in zip(target.parameters(), online.parameters()))


# -- heads and method
def test_predictor_keeps_the_dimension_and_gn_heads_have_no_batchnorm():
    assert PredictionHead(32, 64)(torch.randn(5, 32)).shape == (5, 32)
    gn = ProjectionHead(16, 32, 8, norm="gn")
    assert not any(isinstance(m, nn.BatchNorm1d) for m in gn)
    with pytest.raises(ValueError, match="norm"):
        ProjectionHead(16, 32, 8, norm="ln")


def test_byol_target_gets_no_gradient_and_moves_by_ema():
    x, y = load_digits("train").images[:16], torch.zeros(16, dtype=torch.long)
    m = BYOL(width=0.125, proj_hidden=64, proj_dim=32, online_probe=False)
    assert all(not p.requires_grad for p in m.target.parameters())
    out = m.step(Batch(x, y))
    loss, h, z = out.loss, out.h, out.z
    loss.backward()
    assert all(p.grad is None for p in m.target.parameters())
    assert m.backbone.stem[0].weight.grad is not None
    assert h.shape == (16, m.backbone.feature_dim) and z.shape == (16, 32)
    # the optimizer never sees the target
    opt_params = {id(p) for p in m.parameters() if p.requires_grad}
    assert not opt_params & {id(p) for p in m.target.parameters()}


def test_byol_without_ema_uses_the_online_network_as_target():
    identity = Augment(crop_scale=(1.0, 1.0), crop_ratio=(1.0, 1.0), flip_p=0.0, jitter_p=0.0, gray_p=0.0)
    m = BYOL(width=0.125, proj_hidden=64, proj_dim=32, tau_base=0.0, predictor=False, online_probe=False,
             augment=identity)
    assert m.target is None and isinstance(m.predictor, nn.Identity)
    loss = m.step(Batch(load_digits("train").images[:8], torch.zeros(8, dtype=torch.long))).loss
    assert loss.item() == pytest.approx(0.0, abs=1e-5)  # equal views, p = z = target: nothing to predict
    with pytest.raises(ValueError, match="tau_base"):
        BYOL(width=0.125, tau_base=1.5)


def test_gn_byol_has_no_batch_statistics_anywhere():
    m = BYOL(width=0.125, norm="gn", proj_hidden=64, proj_dim=32, online_probe=False).train()
    assert not any(isinstance(mod, nn.modules.batchnorm._BatchNorm) for mod in m.modules())
    x = torch.rand(8, 3, 32, 32)
    net = nn.Sequential(m.backbone, m.projector, m.predictor)
    assert torch.allclose(net(x[:1]), net(x)[:1], atol=1e-5)  # a sample's output ignores its batch
    plain = BYOL(width=0.125, norm="gn", head_norm="none", proj_hidden=64, proj_dim=32, online_probe=False)
    assert not any(isinstance(mod, (nn.GroupNorm, nn.BatchNorm1d)) for mod in plain.projector)


@pytest.mark.parametrize("norm", ["bn", "gn"])
def test_a_few_byol_steps_make_the_loss_fall(norm, take_steps):
    x, y = load_digits("train").images[:64], torch.zeros(64, dtype=torch.long)
    m = BYOL(width=0.125, norm=norm, proj_hidden=256, proj_dim=64, online_probe=False,
             augment=Augment(crop_scale=(0.5, 1.0), jitter=(0.2, 0.2, 0.2, 0.05)))
    losses, _ = take_steps(m, x, y, steps=15, lr=0.05,
                                after=lambda: ema_update(m.target, m.online_encoder(), 0.99))
    assert sum(losses[-4:]) / 4 < 0.8 * sum(losses[:4]) / 4


def test_from_backbone_rebuilds_the_target_from_the_loaded_weights():
    torch.manual_seed(1)
    pretrained = BYOL(width=0.125, proj_hidden=64, proj_dim=32, online_probe=False)
    torch.manual_seed(2)
    m = BYOL.from_backbone(pretrained.backbone, proj_hidden=64, proj_dim=32, online_probe=False)
    online = m.online_encoder().state_dict()
    target = m.target.state_dict()
    assert online.keys() == target.keys() and all(torch.equal(online[k], target[k]) for k in online)
    assert torch.equal(target["0.stem.0.weight"], pretrained.backbone.stem[0].weight)
    assert all(not p.requires_grad for p in m.target.parameters())
