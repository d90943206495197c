import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from sslkit.methods import CPC
from sslkit.methods.cpc import ContextNetwork
from sslkit.parts.augment import cpc_patches, patch_grid
from sslkit.parts.backbones import CIFAR10_MEAN
from sslkit.parts.data import Batch, load_digits
from sslkit.parts.losses import cpc_loss


# -- patches
def test_patch_grid_equals_unfold_with_kernel_8_stride_4(images):
    grid = patch_grid(images)  # (B, 7, 7, 3, 8, 8)
    assert grid.shape == (16, 7, 7, 3, 8, 8)
    cols = F.unfold(images, kernel_size=8, stride=4)  # (B, 3·64, 49), columns in row-major patch order
    expected = cols.view(16, 3, 8, 8, 7, 7).permute(0, 4, 5, 1, 2, 3)
    assert torch.equal(grid, expected)


def test_cpc_patches_without_augmentation_is_the_plain_grid(images):
    plain = cpc_patches(images, translate=0, flip_p=0, gray_p=0, drop_p=0)
    assert torch.equal(plain, patch_grid(images))


def test_cpc_patches_draw_their_augmentation_per_patch(images):
    g = torch.Generator().manual_seed(0)
    flipped = cpc_patches(images, translate=0, flip_p=0.5, gray_p=0, drop_p=0, generator=g)
    plain = patch_grid(images)
    is_flipped = (flipped == plain.flip(-1)).flatten(3).all(-1) & ~(flipped == plain).flatten(3).all(-1)
    share = is_flipped.float().mean().item()
    assert 0.4 < share < 0.6  # about half the patches, drawn per patch ...
    assert is_flipped[0].any() and not is_flipped[0].all()  # ... so one image holds both kinds

    dropped = cpc_patches(images, translate=0, flip_p=0, gray_p=0, drop_p=1.0, generator=g).flatten(0, 2)
    mean = torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1)
    at_mean = (dropped == mean).flatten(2).all(-1)  # (N, 3) channels set to the data's mean
    assert (at_mean.sum(1) == 2).all()  # every patch keeps exactly one channel

    moved = cpc_patches(images, translate=2, flip_p=0, gray_p=0, drop_p=0, generator=g)
    assert moved.shape == plain.shape and not torch.equal(moved, plain)
    padded = F.pad(images, (2, 2, 2, 2), mode="reflect")
    patch = moved[0, 3, 3]  # must be some 8×8 window of the padded image within 2 pixels of (12, 12)
    assert any(torch.equal(patch, padded[0, :, 12 + dy:20 + dy, 12 + dx:20 + dx])
               for dy in range(5) for dx in range(5))


def test_patch_grid_rejects_images_smaller_than_a_patch():
    with pytest.raises(ValueError, match="smaller than one patch"):
        patch_grid(torch.rand(2, 3, 6, 6))


# -- the context network sees only rows above
def _row_gradients(net, flip=False, R=7, S=7, D=8):
    """|∂ context[row r] / ∂ codes[row j]| summed, as an (R, R) matrix [r, j]."""
    torch.manual_seed(0)
    codes = torch.randn(2, D, R, S, requires_grad=True)
    grads = torch.zeros(R, R)
    for r in range(R):
        inp = codes.flip(2) if flip else codes
        out = net(inp)
        out = out.flip(2) if flip else out  # back to the image's row order
        (g,) = torch.autograd.grad(out[:, :, r].sum(), codes)
        grads[r] = g.abs().sum(dim=(0, 1, 3))
    return grads


def test_top_down_context_at_row_r_has_zero_gradient_from_rows_below():
    grads = _row_gradients(ContextNetwork(8, 16, n_blocks=3, rows=3))
    below = torch.triu(torch.ones(7, 7, dtype=torch.bool), diagonal=1)  # j > r
    assert (grads[below] == 0).all()
    assert (grads[~below] > 0).all()  # and it does see its own row and every row above (3 blocks × 2 rows)


def test_bottom_up_context_is_the_mirror_image():
    grads = _row_gradients(ContextNetwork(8, 16, n_blocks=3, rows=3), flip=True)
    above = torch.tril(torch.ones(7, 7, dtype=torch.bool), diagonal=-1)  # j < r
    assert (grads[above] == 0).all() and (grads[~above] > 0).all()


def test_one_row_context_sees_only_its_own_row():
    grads = _row_gradients(ContextNetwork(8, 16, n_blocks=3, rows=1))
    assert (grads[~torch.eye(7, dtype=torch.bool)] == 0).all() and (grads.diag() > 0).all()


def test_cpc_module_predictions_are_causal_in_both_directions():
    m = CPC(width=0.125, bidirectional=True, online_probe=False)
    codes = torch.randn(2, 7, 7, m.backbone.feature_dim, requires_grad=True)
    k1 = m.predict(codes, "down")[0]  # (2, 6, 7, D): prediction of row r + 1 from row r
    (g,) = torch.autograd.grad(k1[:, 2].sum(), codes)  # from the context at row 2
    assert g[:, 3:].abs().sum() == 0 and g[:, :3].abs().sum() > 0
    up = codes.flip(1)
    (g,) = torch.autograd.grad(m.predict(up, "up")[0][:, 2].sum(), codes)  # from image row 4, looking up
    assert g[:, :4].abs().sum() == 0 and g[:, 4:].abs().sum() > 0


# -- the loss
def test_cpc_loss_is_near_zero_when_predictions_hit_well_separated_codes():
    B, R, S, K = 2, 7, 7, 3
    codes = torch.eye(B * R * S)[:, :B * R * S].view(B, R, S, -1)  # every code orthogonal to every other
    preds = [codes[:, k:].clone() for k in range(1, K + 1)]  # the prediction is the true code itself
    loss, acc = cpc_loss(preds, codes, temperature=0.05)
    assert loss < 1e-3 and (acc == 1).all()


def test_cpc_loss_on_random_codes_is_near_log_of_the_candidates():
    g = torch.Generator().manual_seed(0)
    B, R, S, D = 16, 7, 7, 1024
    codes = torch.randn(B, R, S, D, generator=g)
    preds = [torch.randn(B, R - k, S, D, generator=g) for k in (1, 2, 3)]
    loss, acc = cpc_loss(preds, codes, temperature=0.1)
    assert abs(loss.item() - math.log(B * S)) < 0.1  # 112 candidates per prediction
    assert (acc < 0.05).all()


def test_cpc_loss_equals_an_explicit_loop_over_predictions():
    g = torch.Generator().manual_seed(1)
    B, R, S, D = 3, 5, 4, 6
    codes = torch.randn(B, R, S, D, generator=g)
    preds = [torch.randn(B, R - k, S, D, generator=g) for k in (1, 2)]
    total = 0.0
    for k, pred in enumerate(preds, start=1):
        terms = []
        for b in range(B):
            for r in range(R - k):
                for s in range(S):
                    cand = codes[:, r + k].reshape(B * S, D)  # the target's row, every image
                    logits = F.cosine_similarity(pred[b, r, s][None], cand) / 0.1
                    terms.append(-F.log_softmax(logits, 0)[b * S + s])
        total += torch.stack(terms).mean() / len(preds)
    loss, _ = cpc_loss(preds, codes, temperature=0.1)
    assert torch.allclose(loss, total, atol=1e-5)


def test_cpc_loss_from_a_farther_first_row_scores_each_prediction_against_the_row_k_below():
    g = torch.Generator().manual_seed(2)
    B, R, S, D = 2, 6, 3, 5
    codes = torch.randn(B, R, S, D, generator=g)
    pred = torch.randn(B, R - 3, S, D, generator=g)  # from row r, the code 3 rows below
    logits = F.normalize(pred, dim=-1).transpose(0, 1).reshape(R - 3, B * S, D) @ \
        F.normalize(codes[:, 3:], dim=-1).transpose(0, 1).reshape(R - 3, B * S, D).transpose(1, 2) / 0.1
    expected = F.cross_entropy(logits.flatten(0, 1), torch.arange(B * S).repeat(R - 3))
    loss, acc = cpc_loss([pred], codes, temperature=0.1, first=3)
    assert torch.allclose(loss, expected, atol=1e-5) and acc.shape == (1,)
    with pytest.raises(ValueError, match="2 steps ahead"):
        cpc_loss([pred], codes, first=2)  # a 3-ahead prediction is not a 2-ahead one
    with pytest.raises(ValueError, match="at least 1"):
        cpc_loss([pred], codes, first=0)


def test_cpc_loss_rejects_misshapen_predictions():
    codes = torch.randn(2, 7, 7, 4)
    with pytest.raises(ValueError, match="1 steps ahead"):
        cpc_loss([codes], codes)


# -- the method
def _digits(n=32):
    x = load_digits("train").images[:n]
    return x, torch.zeros(n, dtype=torch.long)


def test_cpc_has_no_batch_statistics_and_pooled_code_features():
    m = CPC(width=0.125)
    assert not any(isinstance(mod, nn.modules.batchnorm._BatchNorm) for mod in m.modules())
    x, _ = _digits(4)
    h = m.features(x)
    assert h.shape == (4, m.backbone.feature_dim)
    codes = m.encode(patch_grid(x))
    assert torch.allclose(h, codes.mean(dim=(1, 2)))
    m.representation = "context"
    assert m.features(x).shape == (4, m.backbone.feature_dim)
    both = CPC(width=0.125, bidirectional=True)
    both.representation = "context"
    assert both.features(x).shape == (4, 2 * both.backbone.feature_dim)


@pytest.mark.parametrize("context,bidirectional", [("full", False), ("none", False), ("full", True)])
def test_a_few_cpc_steps_make_the_loss_fall(context, bidirectional):
    x, y = _digits()
    m = CPC(width=0.125, context=context, bidirectional=bidirectional, online_probe=False, steps=2)
    opt = torch.optim.Adam(m.parameters(), lr=2e-3)
    batch = Batch(x, y, torch.arange(len(x)))
    losses = []
    for _ in range(20):  # step 15 is not always below chance - 0.3; step 20 is, by 0.1-0.2
        torch.manual_seed(0)  # the same patches every step: the fall is learning, not luck
        out = m.step(batch)
        opt.zero_grad()
        out.loss.backward()
        opt.step()
        losses.append(out.loss.item())
    chance = (1 + bidirectional) * math.log(len(x) * 7)  # uniform over the B·S candidates, per direction
    assert losses[-1] < chance - 0.3 * (1 + bidirectional) and losses[-1] < losses[0]
    assert set(out.logs) >= {"acc_k1", "acc_k2"} and (("acc_up_k1" in out.logs) == bidirectional)


def test_cpc_from_the_third_row_keeps_one_head_and_learns_it_and_the_default_keeps_every_run():
    x, y = _digits()
    m = CPC(width=0.125, first_step=3, steps=3, online_probe=False)
    assert len(m.heads["down"]) == 1 and [p.shape[1] for p in m.predict(m.encode(patch_grid(x[:2])))] == [4]
    opt = torch.optim.Adam(m.parameters(), lr=2e-3)
    batch = Batch(x, y, torch.arange(len(x)))
    losses = []
    for _ in range(20):
        torch.manual_seed(0)
        out = m.step(batch)
        opt.zero_grad()
        out.loss.backward()
        opt.step()
        losses.append(out.loss.item())
    assert set(out.logs) == {"acc_k3"} and losses[-1] < math.log(len(x) * 7) - 0.3
    # unset, the setting changes nothing a run recorded before it holds: the same heads, keys and step
    assert CPC(width=0.125).state_dict().keys() == CPC(width=0.125, first_step=1).state_dict().keys()
    with pytest.raises(ValueError, match="first_step"):
        CPC(steps=3, first_step=4)


def test_cpc_uses_adam_with_the_probe_at_adams_scale():
    m = CPC(width=0.125)
    opt = m.make_optimizer([{"params": list(m.backbone.parameters()), "lr": m.hparams.lr}])
    assert isinstance(opt, torch.optim.Adam)  # AdamW is Adam with decoupled weight decay
    assert m.hparams.probe_lr == pytest.approx(1e-3)  # SGD's 0.1 would throw Adam's probe around


def test_cpc_rejects_bad_settings():
    with pytest.raises(ValueError, match="context"):
        CPC(context="sideways")
    with pytest.raises(ValueError, match="steps"):
        CPC(steps=0)
    with pytest.raises(ValueError, match="steps=7"):
        CPC(steps=7)
    m = CPC(width=0.125)
    m.representation = "pixels"
    with pytest.raises(ValueError, match="representation"):
        m.features(torch.rand(1, 3, 32, 32))
