"""Attribute probes (sslkit.experiments.attributes): each transform checked by undoing it or by a
hand-made image, and the probe against encoders whose answer is known without training."""

import pytest
import torch
from torch import nn

from sslkit.experiments.attributes import ATTRIBUTES, Projection, probe_attribute, transformed
from sslkit.methods import SimCLR, Supervised


def gradient_images(n: int, seed: int = 0) -> torch.Tensor:
    """(n, 3, 32, 32) floats: bright at the top and left, dark at the bottom and right, each image
    with its own random colour and noise — orientation is in the pixels, colour varies."""
    g = torch.Generator().manual_seed(seed)
    ramp = torch.linspace(1, 0, 32)
    base = 0.5 * ramp.view(32, 1) + 0.3 * ramp.view(1, 32)
    colour = 0.5 + 0.5 * torch.rand(n, 3, 1, 1, generator=g)
    return (colour * base + 0.1 * torch.rand(n, 3, 32, 32, generator=g)).clamp(0, 1)


def test_rotation_and_flip_are_undone_by_their_labels():
    x = gradient_images(40)
    rotated, y = transformed(x, ATTRIBUTES["rotation"], seed=1)
    assert set(y.tolist()) == {0, 1, 2, 3}
    back = torch.stack([torch.rot90(r, -int(k), dims=(1, 2)) for r, k in zip(rotated, y)])
    assert torch.equal(back, x)
    flipped, y = transformed(x, ATTRIBUTES["flip"], seed=1)
    assert torch.equal(torch.where(y.view(-1, 1, 1, 1).bool(), flipped.flip(3), flipped), x)


def test_grayscale_makes_the_channels_equal_only_where_labelled():
    x = gradient_images(40)
    out, y = transformed(x, ATTRIBUTES["grayscale"], seed=2)
    gray = (out[:, 0] == out[:, 1]).all(dim=(1, 2)) & (out[:, 1] == out[:, 2]).all(dim=(1, 2))
    assert torch.equal(gray, y.bool()) and torch.equal(out[y == 0], x[y == 0])


def test_a_crop_of_a_quadrant_shows_that_quadrant_alone():
    x = torch.zeros(4, 3, 32, 32)
    colours = torch.tensor([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [1.0, 1.0, 0]])
    for i, (t, l) in enumerate(((0, 0), (0, 16), (16, 0), (16, 16))):
        x[:, :, t:t + 16, l:l + 16] = colours[i].view(1, 3, 1, 1)
    out, y = transformed(x, ATTRIBUTES["crop position"], seed=3)
    for img, k in zip(out, y):  # the whole output is the quadrant's colour (bilinear weights sum to 1)
        assert torch.allclose(img, colours[k].view(3, 1, 1).expand(3, 32, 32), atol=1e-5)


def test_hue_and_brightness_keep_a_gray_image_gray_and_scale_it():
    x = torch.full((8, 3, 32, 32), 0.4)
    hued, _ = transformed(x, ATTRIBUTES["hue"])
    assert torch.allclose(hued, x, atol=1e-6)  # a gray pixel has no hue to turn
    bright, y = transformed(x, ATTRIBUTES["brightness"], seed=4)
    factors = torch.tensor(ATTRIBUTES["brightness"].values)[y]
    assert torch.allclose(bright[:, 0, 0, 0], (0.4 * factors).clamp(max=1))


class Pixels(nn.Module):
    """Every pixel as a feature: keeps everything a linear probe can read."""

    def forward(self, x):
        return nn.functional.avg_pool2d(x, 4).flatten(1)


class MeanColour(nn.Module):
    """The image's mean colour: the same under every rotation and flip, changed by brightness."""

    def forward(self, x):
        return x.mean(dim=(2, 3))


@pytest.mark.parametrize("encoder,attribute,low,high", [
    (Pixels(), "rotation", 0.9, 1.0),  # orientation is in the pixels
    (MeanColour(), "rotation", 0.0, 0.45),  # a rotation-invariant encoder keeps none of it (chance 0.25)
    (MeanColour(), "flip", 0.0, 0.7),  # chance 0.5
    (MeanColour(), "brightness", 0.9, 1.0),  # the mean scales with brightness
])
def test_the_probe_reads_what_an_encoder_keeps_and_not_what_it_cannot(encoder, attribute, low, high):
    acc = probe_attribute(encoder, gradient_images(600), gradient_images(300, seed=1), ATTRIBUTES[attribute])
    assert low <= acc <= high


def test_projection_is_the_head_on_the_features_and_needs_a_head(images):
    model = SimCLR(width=0.125, proj_hidden=32, proj_dim=16).eval()
    with torch.no_grad():
        assert torch.equal(Projection(model)(images), model.projector(model.features(images)))
    with pytest.raises(ValueError, match="no projection head"):
        Projection(Supervised(width=0.125))
