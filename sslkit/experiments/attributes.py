"""What an encoder keeps that the labels never ask for: linear probes for image attributes.

A classifier needs only part of an image's information; a self-supervised objective may keep
more. To see what a frozen encoder keeps, transform every image by one of K settings of an
attribute (rotated by 0/90/180/270°, flipped or not, hue turned by a quarter of the colour
wheel, …), label each image with the setting it got, and fit a linear probe on the encoder's
features to predict it: accuracy near 1/K means the attribute is gone from the features; near 1,
that it is kept and linearly readable.

The images and their settings are drawn from a seed, so every encoder is probed on the same
transformed images; the probe's weight decay is chosen on a validation split of the (transformed)
training images (:func:`sslkit.training.evaluate.linear_probe`), and the test images are read once.

Example::

    from sslkit.experiments.attributes import ATTRIBUTES, probe_attribute
    acc = probe_attribute(encoder, train.images[:5000], test.images[:2000], ATTRIBUTES["rotation"])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor, nn

from sslkit.methods.features import extract_features
from sslkit.parts.augment import adjust_brightness, adjust_hue, grayscale, resized_crop, to_float
from sslkit.training.evaluate import linear_probe


@dataclass(frozen=True)
class Attribute:
    """One attribute: its ``name``, the K ``values`` an image can get (label k = ``values[k]``)
    and ``apply(x, value)``, which transforms a float batch (B, 3, H, W) in [0, 1] to that value."""

    name: str
    values: tuple
    apply: Callable[[Tensor, object], Tensor]

    @property
    def chance(self) -> float:
        """The accuracy of a probe that has nothing to read: 1 / K."""
        return 1 / len(self.values)


def _rotate(x: Tensor, quarter_turns: int) -> Tensor:
    return torch.rot90(x, quarter_turns, dims=(2, 3))


def _flip(x: Tensor, flipped: bool) -> Tensor:
    return x.flip(3) if flipped else x


def _hue(x: Tensor, shift: float) -> Tensor:
    return adjust_hue(x, torch.full((len(x),), shift, dtype=x.dtype))


def _gray(x: Tensor, gray: bool) -> Tensor:
    return grayscale(x).expand_as(x).contiguous() if gray else x


def _brightness(x: Tensor, factor: float) -> Tensor:
    return adjust_brightness(x, torch.full((len(x),), factor, dtype=x.dtype))


def _crop(x: Tensor, box: tuple[float, float, float]) -> Tensor:
    """The square crop (top, left, side), as fractions of the image, resized back to full size."""
    size = x.shape[-1]
    top, left, side = (round(f * size) for f in box)
    boxes = torch.tensor([[top, left, side, side]] * len(x))
    return resized_crop(x, boxes, size).clamp_(0, 1)


def _centre(area: float) -> tuple[float, float, float]:
    side = area ** 0.5
    return ((1 - side) / 2, (1 - side) / 2, side)


ATTRIBUTES: dict[str, Attribute] = {a.name: a for a in (
    Attribute("rotation", (0, 1, 2, 3), _rotate),  # quarter turns
    Attribute("flip", (False, True), _flip),  # mirrored left-right
    Attribute("hue", (0.0, 0.25, -0.5, -0.25), _hue),  # turns of the colour wheel
    Attribute("grayscale", (False, True), _gray),
    Attribute("brightness", (0.5, 0.75, 1.0, 1.25), _brightness),  # intensity factor (clipped at 1)
    Attribute("crop scale", tuple(_centre(a) for a in (0.25, 0.5, 1.0)), _crop),  # central crops of ¼, ½, all the area
    Attribute("crop position", ((0, 0, 0.5), (0, 0.5, 0.5), (0.5, 0, 0.5), (0.5, 0.5, 0.5)), _crop),  # quadrants
)}


def transformed(images: Tensor, attribute: Attribute, seed: int = 0) -> tuple[Tensor, Tensor]:
    """(x, y): every image transformed by a setting drawn uniformly from the seed, and that
    setting's index. images: (N, 3, H, W) uint8 or float in [0, 1] → x (N, 3, H, W) float, y (N,)."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, len(attribute.values), (len(images),), generator=g)
    x = to_float(images).clone()
    for k, value in enumerate(attribute.values):
        chosen = y == k
        if chosen.any():
            x[chosen] = attribute.apply(x[chosen], value)
    return x, y


def probe_attribute(encoder: nn.Module, train_images: Tensor, test_images: Tensor, attribute: Attribute,
                    seed: int = 0) -> float:
    """Test accuracy (0–1) of a linear probe that reads ``attribute``'s setting from ``encoder``'s
    frozen features (:func:`sslkit.methods.features.extract_features`: an sslkit method's
    representation, or any module mapping images to features). The train and test images get
    settings from two different seeds drawn from ``seed``."""
    train_x, train_y = transformed(train_images, attribute, seed)
    test_x, test_y = transformed(test_images, attribute, seed + 1)
    device = next((p.device for p in encoder.parameters()), torch.device("cpu"))  # a parameter-free encoder: the CPU
    train_h = extract_features(encoder, train_x, device=device)
    test_h = extract_features(encoder, test_x, device=device)
    return linear_probe(train_h, train_y, test_h, test_y, len(attribute.values), seed=seed).accuracy


class Projection(nn.Module):
    """A method's projection-head output z = g(h) as an encoder of images, beside its backbone's h:
    the SimCLR paper's test of what the head discards (``method.projector`` after
    ``method.features``)."""

    def __init__(self, method: nn.Module):
        super().__init__()
        if not hasattr(method, "projector"):
            raise ValueError(f"{type(method).__name__} has no projection head (projector): probe its features alone.")
        self.method = method

    def forward(self, x: Tensor) -> Tensor:
        return self.method.projector(self.method.features(x))
