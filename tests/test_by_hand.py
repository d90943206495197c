"""check_step: a training step written by hand must match the package's in loss and gradients."""

import pytest
import torch
import torch.nn.functional as F

from sslkit.course.by_hand import check_step
from sslkit.methods import BYOL, SimCLR
from sslkit.parts.losses import nt_xent


def simclr_by_hand(model, x, temperature=None):
    x1, x2 = model.prepare(model.augment(x)), model.prepare(model.augment(x))
    z1, z2 = model.projector(model.backbone(x1)), model.projector(model.backbone(x2))
    return nt_xent(z1, z2, temperature or model.hparams.temperature)


def test_the_same_step_passes_and_leaves_batchnorm_statistics_alone(uint8_images, capsys):
    model = SimCLR(width=0.125, proj_hidden=64)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    check_step(model, simclr_by_hand, uint8_images)
    assert "largest difference" in capsys.readouterr().out
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_a_different_loss_is_caught(uint8_images):
    with pytest.raises(AssertionError, match="losses differ"):
        check_step(SimCLR(width=0.125, proj_hidden=64), lambda m, x: simclr_by_hand(m, x, temperature=0.2), uint8_images)


def test_different_random_draws_are_caught(uint8_images):
    """The seed must be set before both steps: a by-hand step that draws an extra number first
    sees other crops, and the loss differs."""
    def shifted(model, x):
        torch.rand(1)
        return simclr_by_hand(model, x)
    with pytest.raises(AssertionError, match="losses differ"):
        check_step(SimCLR(width=0.125, proj_hidden=64), shifted, uint8_images)


def test_a_missing_stop_gradient_is_caught_by_the_gradients_alone(uint8_images):
    """BYOL without EMA (tau_base=0): the target is the online projection under stop-gradient.
    Forgetting the detach leaves the loss value unchanged and changes the gradients."""
    def no_detach(model, x):
        x1, x2 = model.prepare(model.augment(x)), model.prepare(model.augment(x))
        z1, z2 = model.projector(model.backbone(x1)), model.projector(model.backbone(x2))
        p1, p2 = model.predictor(z1), model.predictor(z2)
        def regress(p, z):  # no z.detach()
            return (F.normalize(p, dim=1) - F.normalize(z, dim=1)).pow(2).sum(1).mean()
        return 0.5 * (regress(p1, z2) + regress(p2, z1))
    model = BYOL(width=0.125, tau_base=0.0, proj_hidden=64, proj_dim=32)
    with pytest.raises(AssertionError, match="gradients of") as info:
        check_step(model, no_detach, uint8_images)
    assert "losses" not in str(info.value)


def test_bad_input_is_refused_with_the_fix(uint8_images):
    model = SimCLR(width=0.125, proj_hidden=64)
    with pytest.raises(ValueError, match="uint8"):
        check_step(model, simclr_by_hand, uint8_images.float() / 255)
    with pytest.raises(TypeError, match="scalar loss"):
        check_step(model, lambda m, x: m.backbone(m.prepare(x)), uint8_images)
