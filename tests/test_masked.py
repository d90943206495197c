"""Masked prediction (sslkit.parts.masking, the masked losses, sslkit.methods.MaskedPrediction)."""

import math

import pytest
import torch

from sslkit.methods import MaskedPrediction
from sslkit.parts.backbones import CIFAR10_MEAN
from sslkit.parts.ema import ema_update
from sslkit.parts.losses import masked_regression, masked_token_loss
from sslkit.parts.masking import fit_vocabulary, masked_input, patch_mask, patches, tokenize, unpatch

SMALL = dict(width=0.125, head_hidden=16, vocabulary=8)


def test_each_mask_hides_the_asked_share_and_the_masked_input_shows_only_the_rest(images):
    mask = patch_mask(len(images), 4, 0.6, torch.Generator().manual_seed(0))
    assert mask.shape == (16, 4, 4) and (mask.sum(dim=(1, 2)) == round(0.6 * 16)).all()
    x = masked_input(images, mask, 8)
    hidden = mask.repeat_interleave(8, 1).repeat_interleave(8, 2).unsqueeze(1).expand_as(x)
    assert torch.equal(x[~hidden], images[~hidden])
    assert torch.allclose(x.permute(1, 0, 2, 3)[hidden.permute(1, 0, 2, 3)].view(3, -1),
                          torch.tensor(CIFAR10_MEAN).view(3, 1).expand(3, int(hidden[:, 0].sum())))
    with pytest.raises(ValueError, match="mask ratio"):
        patch_mask(2, 4, 1.0)


def test_patches_are_the_image_cut_in_squares_and_unpatch_undoes_them(images):
    p = patches(images, 8)
    assert p.shape == (16, 4, 4, 192)
    assert torch.equal(p[3, 1, 2], images[3, :, 8:16, 16:24].reshape(-1))  # row 1, column 2, channel-major
    assert torch.equal(unpatch(p, 8), images)


def test_tokens_are_the_nearest_centroids_and_the_vocabulary_comes_from_k_means(images):
    vocab = fit_vocabulary(images, 8, 8, seed=0)
    assert vocab.shape == (8, 192)
    p = patches(images, 8)
    brute = torch.cdist(p.reshape(-1, 192), vocab).argmin(1).view(16, 4, 4)
    assert torch.equal(tokenize(p, vocab), brute)


def test_the_masked_losses_read_only_masked_patches_and_match_their_formulas():
    g = torch.Generator().manual_seed(0)
    pred, target = torch.randn(2, 4, 4, 5, generator=g), torch.randn(2, 4, 4, 5, generator=g)
    mask = torch.zeros(2, 4, 4, dtype=torch.bool)
    mask[0, 1, 2] = mask[1, 3, 0] = True
    by_hand = ((pred[0, 1, 2] - target[0, 1, 2]).square().mean() + (pred[1, 3, 0] - target[1, 3, 0]).square().mean()) / 2
    assert torch.allclose(masked_regression(pred, target, mask), by_hand)
    changed = pred.clone()
    changed[~mask] = 100.0  # visible patches are not scored
    assert torch.allclose(masked_regression(changed, target, mask), by_hand)
    uniform = torch.zeros(2, 4, 4, 7)
    assert masked_token_loss(uniform, torch.randint(0, 7, (2, 4, 4), generator=g), mask).item() == pytest.approx(math.log(7))
    with pytest.raises(ValueError, match="at least one True"):
        masked_regression(pred, target, torch.zeros_like(mask))


@pytest.mark.parametrize("target", ["pixels", "tokens", "representation"])
def test_the_encoder_never_sees_a_masked_patch(images, target):
    model = MaskedPrediction(target=target, **SMALL).eval()
    mask = patch_mask(len(images), 4, 0.6, torch.Generator().manual_seed(1))
    hidden = mask.repeat_interleave(8, 1).repeat_interleave(8, 2).unsqueeze(1).expand_as(images)
    other = torch.where(hidden, torch.rand_like(images), images)  # new pixels in every masked patch only
    assert not torch.equal(other, images)
    with torch.no_grad():
        assert torch.equal(model.predict(images, mask), model.predict(other, mask))


@pytest.mark.parametrize("target", ["pixels", "tokens", "representation"])
def test_the_loss_falls_over_a_few_steps(images, take_steps, target):
    torch.manual_seed(0)
    model = MaskedPrediction(target=target, online_probe=False, **SMALL)
    if target == "tokens":
        model.set_vocabulary((images * 255).to(torch.uint8))
    after = (lambda: ema_update(model.target_encoder, model.backbone, 0.9)) if target == "representation" else None
    x = (images * 255).to(torch.uint8)
    losses, out = take_steps(model, x, torch.zeros(len(x), dtype=torch.long), steps=25, lr=0.05, after=after)
    assert all(math.isfinite(v) for v in losses)
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5
    assert out.z.shape == (16, model.backbone.feature_dim)


def test_fill_in_keeps_the_visible_patches_and_needs_pixels_or_tokens(images):
    model = MaskedPrediction(target="pixels", **SMALL).eval()
    mask = patch_mask(len(images), 4, 0.5, torch.Generator().manual_seed(2))
    filled = model.fill_in(images, mask)
    visible = ~mask.repeat_interleave(8, 1).repeat_interleave(8, 2).unsqueeze(1).expand_as(images)
    assert filled.shape == images.shape and torch.equal(filled[visible], images[visible])
    with pytest.raises(ValueError, match="predicts no pixels"):
        MaskedPrediction(target="representation", **SMALL).fill_in(images, mask)
    with pytest.raises(RuntimeError, match="no vocabulary"):
        MaskedPrediction(target="tokens", **SMALL).targets(images)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="target must be one of"):
        MaskedPrediction(target="words")
    with pytest.raises(ValueError, match="mask_ratio"):
        MaskedPrediction(mask_ratio=0.0)
