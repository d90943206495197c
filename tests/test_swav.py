import pytest
import torch
import torch.nn.functional as F

from sslkit.methods import SwAV
from sslkit.parts.data import Batch, load_digits
from sslkit.parts.losses import sinkhorn, swav_loss
from sslkit.parts.profiles import get_profile
from sslkit.training.train import pretrain


def plain_sinkhorn(scores, eps, n_iters):
    """Algorithm 1 of the SwAV paper, written as loops over rows and columns in float64."""
    Q = torch.exp(scores.double() / eps).T  # (K, B)
    K, B = Q.shape
    Q = Q / Q.sum()
    for _ in range(n_iters):
        for k in range(K):
            Q[k] = Q[k] / Q[k].sum() / K
        for b in range(B):
            Q[:, b] = Q[:, b] / Q[:, b].sum() / B
    return (Q * B).T


def _cosines(B, K, seed=0):
    g = torch.Generator().manual_seed(seed)
    z = F.normalize(torch.randn(B, 16, generator=g), dim=1)
    c = F.normalize(torch.randn(K, 16, generator=g), dim=1)
    return z @ c.T


# -- Sinkhorn
def test_sinkhorn_reaches_uniform_marginals():
    scores = _cosines(32, 8)
    codes = sinkhorn(scores, eps=0.05, n_iters=200)
    Q = codes.T / 32  # (K, B), the transport plan
    assert torch.allclose(Q.sum(0), torch.full((32,), 1 / 32), atol=1e-6)  # each sample 1/B
    assert torch.allclose(Q.sum(1), torch.full((8,), 1 / 8), atol=1e-4)  # each prototype 1/K
    three = sinkhorn(scores, eps=0.05, n_iters=3).sum(0)  # three steps: closer to B/K than the softmax
    soft = F.softmax(scores / 0.05, dim=1).sum(0)
    assert (three - 4).abs().max() < 0.5 * (soft - 4).abs().max()


def test_sinkhorn_equals_a_plain_loop_implementation():
    scores = _cosines(24, 10, seed=1)
    for eps, n in ((0.05, 3), (0.1, 1), (0.02, 10)):
        assert torch.allclose(sinkhorn(scores, eps, n).double(), plain_sinkhorn(scores, eps, n), atol=1e-5)


def test_sinkhorn_matches_lightly():
    lightly = pytest.importorskip("lightly.loss.swav_loss")
    scores = _cosines(64, 20, seed=2)
    assert torch.allclose(sinkhorn(scores, 0.05, 3), lightly.sinkhorn(scores, 3, 0.05), atol=1e-5)


def test_sinkhorn_is_finite_for_huge_scores_and_half_precision_inputs():
    big = 1e3 * torch.randn(16, 8)
    assert torch.isfinite(sinkhorn(big, 0.05, 3)).all()
    assert not torch.isfinite(torch.exp(big / 0.05)).all()  # what a direct implementation would meet
    for dtype in (torch.bfloat16, torch.float16):
        s = _cosines(16, 8).to(dtype)
        codes = sinkhorn(s, 0.05, 3)
        assert codes.dtype == torch.float32 and torch.isfinite(codes).all()
        assert torch.isfinite(swav_loss([s, s.flip(0)], 2))


def test_collapsed_inputs_still_get_codes_spread_over_prototypes():
    one = _cosines(1, 10).expand(40, 10)  # every sample scores the prototypes identically
    codes = sinkhorn(one, 0.05, 3)
    assert torch.allclose(codes.sum(0), torch.full((10,), 4.0), atol=1e-4)  # B/K each
    soft = F.softmax(one / 0.05, dim=1)  # no equipartition: the favourite prototype takes most of the mass
    assert soft.sum(0).max() > 20


def test_sinkhorn_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"\(B, K\)"):
        sinkhorn(torch.randn(3, 4, 5))
    with pytest.raises(ValueError, match="eps > 0"):
        sinkhorn(torch.randn(3, 4), eps=0)


def test_sinkhorn_steps_draw_prototype_totals_that_become_equal():
    import matplotlib

    matplotlib.use("Agg")
    from sslkit.course.plots import sinkhorn_steps

    scores = _cosines(12, 4, seed=6) + torch.tensor([0.5, 0, 0, 0])  # prototype 0 favoured by most samples
    fig = sinkhorn_steps(scores, eps=0.1, iters=(1, 50))
    totals = [[float(t.get_text()) for t in ax.get_xticklabels()] for ax in fig.axes]
    assert len(totals) == 3 and max(totals[0]) > 4.5  # the softmax piles mass on the favourite
    assert totals[-1] == [3.0] * 4  # B/K = 12/4 after many iterations


# -- the loss
def test_swav_loss_matches_lightly_with_small_crops():
    lightly = pytest.importorskip("lightly.loss")
    g = torch.Generator().manual_seed(3)
    prototypes = F.normalize(torch.randn(12, 16, generator=g), dim=1)
    scores = [F.normalize(torch.randn(32, 16, generator=g), dim=1) @ prototypes.T for _ in range(5)]  # 2 large, 3 small
    ref = lightly.SwaVLoss(temperature=0.1, sinkhorn_iterations=3, sinkhorn_epsilon=0.05)(scores[:2], scores[2:])
    assert swav_loss(scores, 2, 0.1, 0.05, 3).item() == pytest.approx(ref.item(), rel=1e-5)


def test_swav_loss_is_the_swapped_cross_entropy():
    a, b = _cosines(8, 6, seed=4), _cosines(8, 6, seed=5)
    qa, qb = sinkhorn(a), sinkhorn(b)
    ce = lambda q, s: -(q * F.log_softmax(s / 0.1, dim=1)).sum(1).mean()  # noqa: E731
    assert swav_loss([a, b]).item() == pytest.approx(0.5 * (ce(qa, b) + ce(qb, a)).item(), rel=1e-6)
    no_eq = swav_loss([a, b], equipartition=False)
    pa, pb = F.softmax(a / 0.05, dim=1), F.softmax(b / 0.05, dim=1)
    assert no_eq.item() == pytest.approx(0.5 * (ce(pa, b) + ce(pb, a)).item(), rel=1e-6)


def test_swav_loss_sends_no_gradient_through_the_codes():
    a = _cosines(8, 6).requires_grad_()
    b = _cosines(8, 6, seed=1).requires_grad_()
    swav_loss([a, b]).backward()
    # if the codes were differentiated the gradient would change: compare with detached targets
    a2, b2 = a.detach().clone().requires_grad_(), b.detach().clone().requires_grad_()
    qa, qb = sinkhorn(a2.detach()), sinkhorn(b2.detach())
    (0.5 * (-(qa * F.log_softmax(b2 / 0.1, 1)).sum(1).mean() - (qb * F.log_softmax(a2 / 0.1, 1)).sum(1).mean())).backward()
    assert torch.allclose(a.grad, a2.grad, atol=1e-6) and torch.allclose(b.grad, b2.grad, atol=1e-6)


def test_swav_loss_rejects_bad_views():
    with pytest.raises(ValueError, match="2 views"):
        swav_loss([torch.randn(4, 3)])
    with pytest.raises(ValueError, match="one shape"):
        swav_loss([torch.randn(4, 3), torch.randn(5, 3)])


# -- the method
def _digits(n=64):
    x = load_digits("train").images[:n]
    return x, torch.zeros(n, dtype=torch.long)


def test_swav_views_scores_and_prototype_norms():
    m = SwAV(width=0.125, n_prototypes=12, n_local=2)
    x, _ = _digits(8)
    scores, h, z = m.scores(x)
    assert len(scores) == 4 and all(s.shape == (8, 12) for s in scores)
    assert h.shape == (8, m.backbone.feature_dim) and z.shape == (32, 128)
    assert torch.allclose(z.norm(dim=1), torch.ones(32), atol=1e-3)
    assert scores[0].abs().max() <= 1 + 1e-4  # cosines
    assert torch.allclose(m.prototypes.weight.norm(dim=1), torch.ones(12), atol=1e-5)


def test_a_few_swav_steps_make_the_loss_fall(take_steps):
    x, y = _digits()
    m = SwAV(width=0.125, n_prototypes=16, n_local=2, online_probe=False, freeze_prototypes_epochs=0)
    torch.manual_seed(0)
    losses, out = take_steps(m, x, y, steps=12, lr=0.1, after=m.normalize_prototypes)
    assert sum(losses[-4:]) / 4 < 0.95 * sum(losses[:4]) / 4  # 0.84-0.86 by step 12 for seeds 0-2
    assert 0 < float(out.logs["usage_entropy"]) <= 1 + 1e-6


@pytest.mark.parametrize("freeze", [1, 0])
def test_prototypes_are_frozen_in_the_first_epoch_and_unit_norm_after_steps(tmp_path, freeze):
    import lightning as L

    class AtStart(L.Callback):
        def on_train_start(self, trainer, module):
            self.weight = module.prototypes.weight.detach().clone()

    start = AtStart()
    train = load_digits("train").balanced(per_class=8)
    m, _ = pretrain(SwAV, train, None, tmp_path / "swav", epochs=1, profile=get_profile("smoke"), batch_size=16,
                    progress=False, callbacks=[start], n_prototypes=12, n_local=0, freeze_prototypes_epochs=freeze)
    before, after = start.weight.float(), m.prototypes.weight.detach().float()
    assert torch.allclose(after.norm(dim=1), torch.ones(12), atol=1e-5)
    moved = (after - before).abs().max().item()  # re-normalizing unit rows changes only the last bits
    assert moved < 1e-6 if freeze else moved > 1e-3


def test_the_queue_is_used_only_once_full(monkeypatch):
    import sslkit.methods.swav as swav_module

    seen = []

    def spy(scores, n_assign, temperature, eps, n_iters, equipartition, queue):
        seen.append(None if queue is None else tuple(q.shape for q in queue))
        return scores[0].sum() * 0

    monkeypatch.setattr(swav_module, "swav_loss", spy)
    m = SwAV(width=0.125, n_prototypes=12, n_local=0, queue_size=16)
    x, _ = _digits(8)
    for _ in range(3):
        m.step(Batch(x, torch.zeros(8, dtype=torch.long), torch.arange(8)))
    assert seen == [None, None, ((16, 12), (16, 12))]
    assert m.queue_filled == 16


def test_swav_rejects_bad_settings():
    with pytest.raises(ValueError, match="n_prototypes"):
        SwAV(n_prototypes=1)
    with pytest.raises(ValueError, match="queue_size"):
        SwAV(queue_size=-1)

