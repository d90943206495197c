"""Mechanism measures, each against a case computed by hand or an independent formula."""

import math

import pytest
import torch

from sslkit.methods import SimCLR
from sslkit.parts.data import ImageSet
from sslkit.training.mechanisms import (alignment, code_similarity, colour_agreement, colour_histograms,
                                         neighbour_agreement, projection_geometry, uniformity, within_image_similarity)


def test_alignment_by_hand():
    z1 = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    z2 = torch.tensor([[1.0, 0.0], [0.0, -5.0]])  # same point; antipodal (after normalizing)
    assert alignment(z1, z2) == pytest.approx((0 + 4) / 2)  # ‖a − b‖²: 0 and 2² = 4
    assert alignment(z1, z2, alpha=1) == pytest.approx((0 + 2) / 2)
    with pytest.raises(ValueError, match="one shape"):
        alignment(z1, z2[:1])


def test_uniformity_by_hand_and_its_limits():
    # three points at 120° on a circle: every squared distance is 3
    angles = torch.tensor([0.0, 2 * math.pi / 3, 4 * math.pi / 3])
    z = torch.stack([angles.cos(), angles.sin()], 1)
    assert uniformity(z) == pytest.approx(-6.0, abs=1e-5)  # log mean exp(−2·3)
    assert uniformity(torch.ones(5, 3)) == pytest.approx(0.0, abs=1e-6)  # collapse: the maximum, 0
    spread = torch.randn(500, 8, generator=torch.Generator().manual_seed(0))
    bunched = torch.ones(500, 8) + 0.1 * spread
    assert uniformity(spread) < uniformity(bunched) < 0
    with pytest.raises(ValueError, match="N ≥ 2"):
        uniformity(torch.ones(1, 3))


def test_colour_histograms_count_pixels_per_cell():
    img = torch.zeros(1, 3, 2, 2, dtype=torch.uint8)
    img[0, 0, 0, 0] = 255  # one red pixel, three black
    h = colour_histograms(img, bins=2)
    assert h.shape == (1, 8) and h.sum() == pytest.approx(1.0)
    assert h[0, 0] == pytest.approx(0.75) and h[0, 4] == pytest.approx(0.25)  # cell (r=1, g=0, b=0) = 1·4


def test_neighbour_agreement_by_hand():
    a = torch.tensor([[3.0, 2.0, 1.0, 0.0], [0.0, 1.0, 2.0, 3.0]])
    b = torch.tensor([[3.0, 0.0, 2.0, 1.0], [0.0, 1.0, 2.0, 3.0]])  # query 0 shares 1 of its top 2
    assert neighbour_agreement(a, b, k=2) == pytest.approx((1 / 2 + 2 / 2) / 2)
    assert neighbour_agreement(a, a, k=3) == 1.0
    with pytest.raises(ValueError, match="between 1 and"):
        neighbour_agreement(a, b, k=5)


def test_a_colour_histogram_encoder_agrees_fully_and_a_random_one_near_chance():
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (60, 3, 8, 8), generator=g, dtype=torch.uint8)
    bank, queries = ImageSet(images[:40], torch.zeros(40, dtype=torch.long), ("a",)), \
        ImageSet(images[40:], torch.zeros(20, dtype=torch.long), ("a",))

    class Histogram(torch.nn.Module):  # its features: the square-rooted colour histogram itself
        def __init__(self):
            super().__init__()
            self.unused = torch.nn.Parameter(torch.zeros(1))  # extract_features reads the device from a weight

        def forward(self, x):
            return colour_histograms(x).sqrt()

    assert colour_agreement(Histogram(), bank, queries, k=5) == pytest.approx(1.0)

    class Noise(Histogram):
        def forward(self, x):
            return torch.randn(len(x), 16, generator=torch.Generator().manual_seed(len(x)))

    assert colour_agreement(Noise(), bank, queries, k=5) < 0.5  # chance: 5/40


def test_projection_geometry_of_a_simclr_model_restores_its_mode():
    model = SimCLR(width=0.125, proj_hidden=32, proj_dim=16).train()
    x = torch.randint(0, 256, (40, 3, 32, 32), generator=torch.Generator().manual_seed(1), dtype=torch.uint8)
    g = projection_geometry(model, x)
    assert model.training and set(g) == {"align", "uniform"}
    assert 0 <= g["align"] <= 4 and g["uniform"] <= 0
    assert projection_geometry(model, x) == g  # the views come from the seed, not the global state


def test_within_image_similarity_by_hand_and_against_every_pair():
    # two images of two patches: the first codes "x" in both patches, the second "y"
    codes = torch.tensor([[[[1.0, 0.0], [2.0, 0.0]]], [[[0.0, 3.0], [0.0, 1.0]]]])  # (2, 1, 2, 2)
    assert within_image_similarity(codes) == pytest.approx({"within": 1.0, "across": 0.0, "excess": 1.0})
    # every patch the same code: within = across
    same = within_image_similarity(torch.ones(3, 2, 2, 4))
    assert same["within"] == pytest.approx(1.0) and same["excess"] == pytest.approx(0.0)
    # random codes against a plain loop over all pairs of patches
    torch.manual_seed(0)
    codes = torch.randn(4, 2, 3, 5)
    c = torch.nn.functional.normalize(codes.reshape(4, 6, 5), dim=-1)
    within = [float(c[b, p] @ c[b, q]) for b in range(4) for p in range(6) for q in range(6) if p != q]
    across = [float(c[a, p] @ c[b, q]) for a in range(4) for b in range(4) if a != b for p in range(6) for q in range(6)]
    got = within_image_similarity(codes)
    assert got["within"] == pytest.approx(sum(within) / len(within), abs=1e-6)
    assert got["across"] == pytest.approx(sum(across) / len(across), abs=1e-6)
    with pytest.raises(ValueError, match="at least 2 images"):
        within_image_similarity(torch.randn(1, 2, 2, 3))
    with pytest.raises(ValueError, match="B, R, S, D"):
        within_image_similarity(torch.randn(4, 5))


def test_code_similarity_reads_the_model_codes_and_restores_its_mode():
    from sslkit.methods import CPC

    torch.manual_seed(0)
    model = CPC(width=0.125).train()
    images = torch.randint(0, 256, (6, 3, 32, 32), dtype=torch.uint8)
    got = code_similarity(model, images, batch_size=4)
    assert model.training
    from sslkit.parts.augment import patch_grid

    model.eval()
    with torch.no_grad():
        by_hand = within_image_similarity(model.encode(patch_grid(images, 8, 4)))  # eval mode: running statistics
    assert got == pytest.approx(by_hand, abs=1e-5)



def test_cpc_sweep_measures_read_their_representation_and_restore_codes():
    """code_excess and context_knn are the sweep measures notebook 03 stores under one name each:
    the excess of the given queries, and kNN of the pooled context."""
    from sslkit.methods import CPC
    from sslkit.training.evaluate import evaluate
    from sslkit.training.mechanisms import code_excess, context_knn

    torch.manual_seed(0)
    model = CPC(width=0.125, num_classes=2)
    g = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (24, 3, 32, 32), dtype=torch.uint8, generator=g)
    train = ImageSet(images[:16], torch.arange(16) % 2, ("a", "b"))
    test = ImageSet(images[16:], torch.arange(8) % 2, ("a", "b"))
    assert code_excess(test)(model, train, test) == pytest.approx(code_similarity(model, test.images)["excess"])
    got = context_knn(model, train, test)
    assert model.representation == "codes"
    model.representation = "context"
    assert got == evaluate(model, train, test, probe=False)["knn"]
