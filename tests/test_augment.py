import pytest
import torch
from torchvision.transforms.v2 import functional as TF

from sslkit.parts import augment as A

TOL = 1e-5  # float32 rounding: our batched ops vs torchvision's single-image ops


def test_identical_images_get_different_views(images):
    x = images[:1].expand(32, -1, -1, -1)  # one image, 32 times
    v = A.simclr_augment()(x, torch.Generator().manual_seed(0))
    diff = (v[:, None] - v[None]).abs().flatten(2).amax(2)  # (32, 32) largest pixel difference
    off_diagonal = ~torch.eye(32, dtype=torch.bool)
    assert (diff[off_diagonal] > 1e-3).all()  # every pair of views differs


def test_views_stay_in_range_under_extreme_settings(images):
    aug = A.Augment(jitter=(2.0, 2.0, 2.0, 0.5), jitter_p=1.0, gray_p=0.5, blur_p=1.0, solarize_p=0.5)
    v = aug(images)
    assert v.shape == images.shape and v.dtype == torch.float32
    assert v.min() >= 0 and v.max() <= 1


def test_zero_probability_and_full_scale_is_identity(images):
    aug = A.Augment(crop_scale=(1.0, 1.0), flip_p=0, jitter_p=0, gray_p=0, blur_p=0, solarize_p=0)
    assert torch.equal(aug(images), images)
    # the ops too, each switched off by its probability
    assert torch.equal(A.color_jitter(images, p=0.0), images)
    assert torch.equal(A.random_grayscale(images, 0.0), images)
    assert torch.equal(A.random_gaussian_blur(images, 0.0), images)
    assert torch.equal(A.random_solarize(images, 0.0), images)


def test_uint8_input_is_scaled(images):
    u8 = (images * 255).round().to(torch.uint8)
    aug = A.Augment(crop_scale=(1.0, 1.0), flip_p=0, jitter_p=0, gray_p=0)
    assert torch.allclose(aug(u8), u8.float() / 255)


def test_seeded_generator_reproduces_a_batch(images):
    aug = A.Augment(blur_p=0.5, solarize_p=0.5)
    a = aug(images, torch.Generator().manual_seed(7))
    b = aug(images, torch.Generator().manual_seed(7))
    c = aug(images, torch.Generator().manual_seed(8))
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)


def test_crop_boxes_fit_the_image_and_follow_scale():
    boxes = A.sample_crop_boxes(2000, 32, 32, (0.2, 0.6), (3 / 4, 4 / 3), generator=torch.Generator().manual_seed(0))
    top, left, h, w = boxes.T
    assert (top >= 0).all() and (left >= 0).all() and (top + h <= 32).all() and (left + w <= 32).all()
    area = (h * w).float() / 1024
    assert area.min() > 0.15 and area.max() < 0.7  # rounding to whole pixels widens (0.2, 0.6) a little
    assert (h.float() / w).std() > 0.05  # aspect ratios vary per sample


@pytest.mark.parametrize("size", [32, 16, 48])
def test_resized_crop_matches_torchvision(images, size):
    boxes = A.sample_crop_boxes(len(images), 32, 32, generator=torch.Generator().manual_seed(1))
    flip = torch.arange(len(images)) % 2 == 0
    out = A.resized_crop(images, boxes, size, flip)
    for i, (t, l, h, w) in enumerate(boxes.tolist()):
        ref = TF.resized_crop(images[i], t, l, h, w, [size, size], antialias=True)
        ref = TF.horizontal_flip(ref) if flip[i] else ref
        assert (out[i] - ref).abs().max() < TOL


@pytest.mark.parametrize("name", ["brightness", "contrast", "saturation"])
def test_colour_factors_match_torchvision(images, name):
    factors = torch.linspace(0, 2, len(images))
    out = getattr(A, f"adjust_{name}")(images, factors)
    for i, f in enumerate(factors.tolist()):
        assert (out[i] - getattr(TF, f"adjust_{name}")(images[i], f)).abs().max() < TOL


def test_hue_matches_torchvision(images):
    shifts = torch.linspace(-0.5, 0.5, len(images))
    out = A.adjust_hue(images, shifts)
    for i, s in enumerate(shifts.tolist()):
        assert (out[i] - TF.adjust_hue(images[i], s)).abs().max() < TOL


def test_grayscale_blur_solarize_match_torchvision(images):
    assert (A.grayscale(images) - TF.rgb_to_grayscale(images)).abs().max() < TOL
    sigmas = torch.linspace(0.1, 2.0, len(images))
    out = A.gaussian_blur(images, sigmas, 5)
    for i, s in enumerate(sigmas.tolist()):
        assert (out[i] - TF.gaussian_blur(images[i], [5, 5], [s, s])).abs().max() < TOL
    assert torch.equal(A.solarize(images, 0.5), TF.solarize(images, 0.5))


def test_random_ops_apply_to_about_p_of_samples():
    x = torch.rand(4000, 3, 8, 8)
    g = torch.Generator().manual_seed(0)
    gray = A.random_grayscale(x, 0.3, g)
    frac = (gray[:, 0] == gray[:, 1]).flatten(1).all(1).float().mean().item()
    assert abs(frac - 0.3) < 0.03


def test_views_and_multi_crop_shapes(images):
    vs = A.views(images, A.simclr_augment(), n=3)
    assert len(vs) == 3 and all(v.shape == images.shape for v in vs)
    crops = A.views(images, A.multi_crop(32, 16, 2, 4))
    assert [c.shape[-1] for c in crops] == [32, 32, 16, 16, 16, 16]


def test_bad_settings_raise_clear_errors(images):
    with pytest.raises(ValueError, match="probability"):
        A.Augment(gray_p=1.5)
    with pytest.raises(ValueError, match="crop_scale"):
        A.Augment(crop_scale=(0.5, 0.2))
    with pytest.raises(ValueError, match=r"x\[None\]"):
        A.simclr_augment()(images[0])
