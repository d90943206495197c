import math

import pytest
import torch
import torch.nn.functional as F

from sslkit.parts.losses import info_nce, nt_xent


def nt_xent_loop(z1, z2, t):
    """The SimCLR paper's definition, one anchor at a time, in float64."""
    z = F.normalize(torch.cat([z1, z2]).double(), dim=1)
    n = len(z1)
    total = 0.0
    for i in range(2 * n):
        j = (i + n) % (2 * n)
        denom = sum(math.exp(float(z[i] @ z[k]) / t) for k in range(2 * n) if k != i)
        total += -math.log(math.exp(float(z[i] @ z[j]) / t) / denom)
    return total / (2 * n)


def test_nt_xent_matches_the_definition():
    g = torch.Generator().manual_seed(0)
    z1, z2 = torch.randn(8, 5, generator=g), torch.randn(8, 5, generator=g)
    for t in (0.1, 0.5, 1.0):
        assert nt_xent(z1, z2, t).item() == pytest.approx(nt_xent_loop(z1, z2, t), rel=1e-5)


def test_nt_xent_matches_lightly():
    lightly = pytest.importorskip("lightly.loss")
    g = torch.Generator().manual_seed(1)
    z1, z2 = torch.randn(32, 16, generator=g), torch.randn(32, 16, generator=g)
    ref = lightly.NTXentLoss(temperature=0.2)(z1, z2)
    assert nt_xent(z1, z2, 0.2).item() == pytest.approx(ref.item(), rel=1e-5)


def test_nt_xent_is_symmetric_and_lowest_when_views_match():
    g = torch.Generator().manual_seed(2)
    z1, z2 = torch.randn(16, 8, generator=g), torch.randn(16, 8, generator=g)
    assert nt_xent(z1, z2).item() == pytest.approx(nt_xent(z2, z1).item(), rel=1e-6)
    matched = nt_xent(z1, z1 * 3.0)  # same directions: every positive has similarity 1
    assert matched < nt_xent(z1, z2)
    assert matched < nt_xent(z1, z1 + 0.5 * torch.randn(16, 8, generator=g))


def test_nt_xent_gradient_finite_at_low_temperature_in_bf16():
    g = torch.Generator().manual_seed(3)
    z1 = torch.randn(64, 32, generator=g).bfloat16().requires_grad_()
    z2 = torch.randn(64, 32, generator=g).bfloat16().requires_grad_()
    loss = nt_xent(z1, z2, 0.05)
    loss.backward()
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    assert torch.isfinite(z1.grad.float()).all() and z1.grad.abs().sum() > 0


def test_info_nce_is_cross_entropy_over_similarities():
    g = torch.Generator().manual_seed(4)
    a, c = torch.randn(6, 4, generator=g), torch.randn(10, 4, generator=g)
    pos = torch.tensor([0, 3, 3, 9, 1, 2])
    logits = F.cosine_similarity(a[:, None], c[None], dim=2) / 0.3
    expected = -(logits.log_softmax(1)[torch.arange(6), pos]).mean()
    assert info_nce(a, c, pos, 0.3).item() == pytest.approx(expected.item(), rel=1e-5)


def test_nt_xent_rejects_mismatched_views():
    with pytest.raises(ValueError, match="one shape"):
        nt_xent(torch.randn(4, 8), torch.randn(5, 8))


def test_losses_ignore_a_surrounding_autocast():
    from sslkit.parts.losses import byol_loss

    g = torch.Generator().manual_seed(5)
    z1, z2 = torch.randn(64, 128, generator=g), torch.randn(64, 128, generator=g)
    exact = nt_xent(z1, z2, 0.05).item()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        inside = nt_xent(z1, z2, 0.05)
        naive = F.cross_entropy((F.normalize(z1) @ F.normalize(z2).T) / 0.05, torch.arange(64))  # bf16 matmul
        byol_inside = byol_loss(z1, z2, z2, z1)
    assert inside.dtype == torch.float32 and inside.item() == pytest.approx(exact, rel=1e-6)
    assert byol_inside.item() == pytest.approx(byol_loss(z1, z2, z2, z1).item(), rel=1e-6)
    reference = F.cross_entropy((F.normalize(z1) @ F.normalize(z2).T) / 0.05, torch.arange(64)).item()
    assert naive.item() != pytest.approx(reference, rel=1e-4)  # what the loss would suffer without the guard


def test_info_nce_itself_ignores_a_surrounding_autocast():
    from sslkit.parts.losses import info_nce

    g = torch.Generator().manual_seed(6)
    a, c = torch.randn(64, 128, generator=g), torch.randn(64, 128, generator=g)
    exact = info_nce(a, c, torch.arange(64), 0.05).item()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        inside = info_nce(a, c, torch.arange(64), 0.05)
    assert inside.dtype == torch.float32 and inside.item() == pytest.approx(exact, rel=1e-6)


def test_nt_xent_with_sampled_negatives_keeps_n_per_anchor_in_its_denominator():
    from sslkit.parts.losses import sampled_negatives

    g = torch.Generator().manual_seed(2)
    n, m, t = 6, 3, 0.5
    z1, z2 = torch.randn(n, 4, generator=g), torch.randn(n, 4, generator=g)
    self_idx, pos_idx = torch.arange(2 * n), (torch.arange(2 * n) + n) % (2 * n)
    torch.manual_seed(7)
    mask = sampled_negatives(F.one_hot(self_idx, 2 * n).bool(), pos_idx, m)
    assert mask.sum(1).tolist() == [m] * (2 * n)  # m negatives per anchor,
    assert not mask[self_idx, self_idx].any() and not mask[self_idx, pos_idx].any()  # never itself or its positive
    # the paper's definition with the denominator restricted to the positive and the drawn negatives
    z = F.normalize(torch.cat([z1, z2]).double(), dim=1)
    expected = sum(-math.log(math.exp(float(z[i] @ z[pos_idx[i]]) / t) / sum(
        math.exp(float(z[i] @ z[k]) / t) for k in range(2 * n) if k == pos_idx[i] or mask[i, k]))
        for i in range(2 * n)) / (2 * n)
    torch.manual_seed(7)  # the same draw inside nt_xent
    assert nt_xent(z1, z2, t, negatives=m).item() == pytest.approx(expected, rel=1e-5)
    # all 2n - 2 negatives: the full loss; fewer: a smaller denominator, so never a larger loss
    assert nt_xent(z1, z2, t, negatives=2 * n - 2).item() == pytest.approx(nt_xent(z1, z2, t).item(), rel=1e-6)
    assert all(nt_xent(z1, z2, t, negatives=k).item() <= nt_xent(z1, z2, t).item() + 1e-6 for k in (1, 5, 9))
    for bad in (0, 2 * n - 1):
        with pytest.raises(ValueError, match="negatives must be between 1 and 10"):
            nt_xent(z1, z2, t, negatives=bad)
