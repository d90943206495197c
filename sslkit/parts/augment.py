"""Batched image augmentations with independent random parameters for every sample.

SSL lives on augmentations: each image in a batch needs its *own* random crop, flip and
colour distortion, or the two views of every image differ in the same way and the task gets
easy. torchvision's v2 transforms applied to a batch tensor draw **one** set of parameters
for the whole batch, which is wrong for SSL; the usual fix, PIL transforms per image in
DataLoader workers, is slow. Here every op takes a float batch ``x`` (B, C, H, W) in [0, 1]
on any device, draws a parameter per sample, and runs as a few batched tensor ops.

Each op matches torchvision's single-image functional op given the same parameters
(``resized_crop`` with bilinear antialiasing, ``hflip``, ``adjust_brightness|contrast|
saturation|hue``, ``rgb_to_grayscale``, ``gaussian_blur``, ``solarize``) to float rounding;
the tests check this op by op.

One difference: torchvision's ColorJitter applies its four adjustments in a random order per
image; :class:`Augment` applies them in the fixed order brightness, contrast, saturation, hue,
so the batch stays on one code path. At CIFAR jitter strengths the order matters little.

Pass a ``torch.Generator`` (on the batch's device) to reproduce a batch exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import Tensor

from sslkit.parts.backbones import CIFAR10_MEAN

GRAY_WEIGHTS = (0.2989, 0.587, 0.114)  # ITU-R 601-2 luma, as torchvision's rgb_to_grayscale


def to_float(x: Tensor) -> Tensor:
    """uint8 images in [0, 255] → float32 in [0, 1]; float input is returned unchanged."""
    return x.float().div_(255) if x.dtype == torch.uint8 else x


def _rand(n: int, x: Tensor, generator: torch.Generator | None, *shape: int) -> Tensor:
    return torch.rand(n, *shape, generator=generator, device=x.device)


def _uniform(lo: float, hi: float, n: int, x: Tensor, generator) -> Tensor:
    return lo + (hi - lo) * _rand(n, x, generator)


def _per_sample(v: Tensor) -> Tensor:
    return v.view(-1, 1, 1, 1)


# ----------------------------------------------------------------------------- geometry

def sample_crop_boxes(
    n: int, height: int, width: int, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), x: Tensor | None = None,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Random-resized-crop boxes as torchvision draws them, one per sample.

    Returns (n, 4) int64 ``(top, left, h, w)``: up to 10 tries of area fraction in ``scale``
    and log-uniform aspect ratio in ``ratio``; samples with no valid try fall back to the
    central crop clamped to ``ratio`` (torchvision's ``RandomResizedCrop.get_params``).
    """
    ref = x if x is not None else torch.empty(0)
    tries = 10
    area = height * width
    target = area * (scale[0] + (scale[1] - scale[0]) * _rand(n, ref, generator, tries))
    log_r = math.log(ratio[0]) + (math.log(ratio[1]) - math.log(ratio[0])) * _rand(n, ref, generator, tries)
    aspect = torch.exp(log_r)
    w = torch.sqrt(target * aspect).round().long()
    h = torch.sqrt(target / aspect).round().long()
    ok = (w > 0) & (w <= width) & (h > 0) & (h <= height)
    first = ok.int().argmax(dim=1, keepdim=True)  # first valid try
    w, h = w.gather(1, first).squeeze(1), h.gather(1, first).squeeze(1)
    # fallback: central crop with the aspect ratio clamped into `ratio`
    in_ratio = width / height
    fw, fh = width, height
    if in_ratio < min(ratio):
        fh = int(round(width / min(ratio)))
    elif in_ratio > max(ratio):
        fw = int(round(height * max(ratio)))
    any_ok = ok.any(dim=1)
    w = torch.where(any_ok, w, torch.full_like(w, fw))
    h = torch.where(any_ok, h, torch.full_like(h, fh))
    u = _rand(n, ref, generator, 2)
    top = torch.where(any_ok, (u[:, 0] * (height - h + 1)).long(), (height - h) // 2)
    left = torch.where(any_ok, (u[:, 1] * (width - w + 1)).long(), (width - w) // 2)
    return torch.stack([top, left, h, w], dim=1)


def _resize_weights(start: Tensor, length: Tensor, size_in: int, size_out: int) -> Tensor:
    """(B, size_out, size_in) matrices that crop [start, start+length) and resize it to
    size_out with torch's antialiased bilinear kernel (a triangle filter widened by the
    downscale factor; plain bilinear when upscaling)."""
    dev = start.device
    scale = (length.float() / size_out).view(-1, 1, 1)  # (B, 1, 1)
    support = scale.clamp(min=1.0)  # half-width of the triangle, in input pixels
    center = scale * (torch.arange(size_out, device=dev).view(1, -1, 1) + 0.5)  # (B, S, 1) crop coords
    j = torch.arange(size_in, device=dev).view(1, 1, -1) - start.view(-1, 1, 1)  # (B, 1, N) crop coords
    w = (1 - ((j + 0.5 - center) / support).abs()).clamp(min=0)
    w = w * ((j >= 0) & (j < length.view(-1, 1, 1)))  # only pixels inside the crop
    return w / w.sum(dim=2, keepdim=True)


def resized_crop(x: Tensor, boxes: Tensor, size: int | tuple[int, int], flip: Tensor | None = None) -> Tensor:
    """Crop each image to its box and resize to ``size``, optionally mirrored.

    x: (B, C, H, W) float; boxes: (B, 4) ``(top, left, h, w)``; flip: (B,) bool or None.
    Returns (B, C, size, size). Done as the batched matrix product ``Wy @ x @ Wx^T`` whose
    rows hold the bilinear weights, so crop, resize and flip cost one pass.
    """
    sh, sw = (size, size) if isinstance(size, int) else size
    _, _, H, W = x.shape
    wy = _resize_weights(boxes[:, 0], boxes[:, 2], H, sh)  # (B, sh, H)
    wx = _resize_weights(boxes[:, 1], boxes[:, 3], W, sw)  # (B, sw, W)
    if flip is not None:
        wx = torch.where(flip.view(-1, 1, 1), wx.flip(1), wx)
    return torch.einsum("bsh,bchw,btw->bcst", wy.to(x.dtype), x, wx.to(x.dtype)).contiguous()


def random_resized_crop(
    x: Tensor, size: int, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), flip_p: float = 0.0, generator=None
) -> Tensor:
    """Per-sample RandomResizedCrop (+ horizontal flip with probability ``flip_p``)."""
    boxes = sample_crop_boxes(len(x), x.shape[-2], x.shape[-1], scale, ratio, x, generator)
    flip = _rand(len(x), x, generator) < flip_p if flip_p > 0 else None
    return resized_crop(x, boxes, size, flip).clamp_(0, 1)  # weights sum to 1 ± rounding


# ----------------------------------------------------------------------------- colour

def grayscale(x: Tensor) -> Tensor:
    """(B, 3, H, W) → (B, 1, H, W) luma."""
    r, g, b = x.unbind(-3)
    return (GRAY_WEIGHTS[0] * r + GRAY_WEIGHTS[1] * g + GRAY_WEIGHTS[2] * b).unsqueeze(-3)


def adjust_brightness(x: Tensor, factor: Tensor) -> Tensor:
    """factor: (B,). Scale intensities by ``factor`` (0 = black, 1 = unchanged)."""
    return (x * _per_sample(factor)).clamp(0, 1)


def _blend(x: Tensor, other: Tensor, factor: Tensor) -> Tensor:
    f = _per_sample(factor)
    return (f * x + (1 - f) * other).clamp(0, 1)


def adjust_contrast(x: Tensor, factor: Tensor) -> Tensor:
    """factor: (B,). Blend with the image's mean gray level (0 = flat gray, 1 = unchanged)."""
    return _blend(x, grayscale(x).mean(dim=(-3, -2, -1), keepdim=True), factor)


def adjust_saturation(x: Tensor, factor: Tensor) -> Tensor:
    """factor: (B,). Blend with the grayscale image (0 = gray, 1 = unchanged)."""
    return _blend(x, grayscale(x), factor)


def adjust_hue(x: Tensor, shift: Tensor) -> Tensor:
    """shift: (B,) in [-0.5, 0.5], a fraction of the colour wheel. Rotates the HSV hue and
    keeps saturation and value, as torchvision's ``adjust_hue``."""
    r, g, b = x.unbind(-3)
    maxc, minc = x.amax(dim=-3), x.amin(dim=-3)
    chroma = maxc - minc
    inv = 1 / torch.where(chroma == 0, torch.ones_like(chroma), chroma)
    # hue × 6 in [-1, 5): which channel is the max picks the sector
    h6 = torch.where(maxc == r, (g - b) * inv, torch.where(maxc == g, 2 + (b - r) * inv, 4 + (r - g) * inv))
    h6 = torch.remainder(h6 + 6 * shift.view(-1, 1, 1), 6.0)
    # HSV → RGB: channel n in (5, 3, 1) is v - chroma * clamp(min(k, 4 - k), 0, 1), k = (n + h6) mod 6
    k = h6.unsqueeze(-3) + torch.tensor([5.0, 3.0, 1.0], device=x.device, dtype=x.dtype).view(3, 1, 1)
    k = torch.where(k >= 6, k - 6, k)
    return (maxc.unsqueeze(-3) - chroma.unsqueeze(-3) * torch.minimum(k, 4 - k).clamp_(0, 1)).clamp_(0, 1)


def random_grayscale(x: Tensor, p: float = 0.2, generator=None) -> Tensor:
    """Turn each image gray (3 equal channels) with probability ``p``."""
    apply = _per_sample(_rand(len(x), x, generator) < p)
    return torch.where(apply, grayscale(x).expand_as(x), x)


def color_jitter(
    x: Tensor, brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1, p: float = 0.8, generator=None
) -> Tensor:
    """With probability ``p`` per sample, jitter brightness, contrast and saturation by a
    factor uniform in [max(0, 1-s), 1+s] and hue by a shift uniform in [-hue, hue]."""
    n = len(x)
    fb = _uniform(max(0.0, 1 - brightness), 1 + brightness, n, x, generator)
    fc = _uniform(max(0.0, 1 - contrast), 1 + contrast, n, x, generator)
    fs = _uniform(max(0.0, 1 - saturation), 1 + saturation, n, x, generator)
    fh = _uniform(-hue, hue, n, x, generator)
    apply = _rand(n, x, generator) < p
    y = x
    if brightness:
        y = adjust_brightness(y, fb)
    if contrast:
        y = adjust_contrast(y, fc)
    if saturation:
        y = adjust_saturation(y, fs)
    if hue:
        y = adjust_hue(y, fh)
    return torch.where(_per_sample(apply), y, x)


def gaussian_blur(x: Tensor, sigma: Tensor, kernel_size: int) -> Tensor:
    """sigma: (B,). Separable Gaussian blur with reflect padding, one sigma per image."""
    B, C, H, W = x.shape
    half = (kernel_size - 1) * 0.5
    t = torch.linspace(-half, half, kernel_size, device=x.device, dtype=x.dtype)
    k = torch.exp(-0.5 * (t / sigma.view(-1, 1).to(x.dtype)) ** 2)
    k = (k / k.sum(dim=1, keepdim=True)).repeat_interleave(C, dim=0)  # (B*C, k)
    pad = kernel_size // 2
    y = F.pad(x.reshape(1, B * C, H, W), [pad, pad, pad, pad], mode="reflect")
    y = F.conv2d(y, k.view(B * C, 1, 1, kernel_size), groups=B * C)
    y = F.conv2d(y, k.view(B * C, 1, kernel_size, 1), groups=B * C)
    return y.view(B, C, H, W)


def random_gaussian_blur(x: Tensor, p=0.5, sigma=(0.1, 2.0), kernel_size=3, generator=None) -> Tensor:
    """Blur each image with probability ``p``, sigma uniform in ``sigma``."""
    s = _uniform(sigma[0], sigma[1], len(x), x, generator)
    apply = _per_sample(_rand(len(x), x, generator) < p)
    return torch.where(apply, gaussian_blur(x, s, kernel_size).clamp_(0, 1), x)


def solarize(x: Tensor, threshold: float = 0.5) -> Tensor:
    """Invert every pixel at or above ``threshold``."""
    return torch.where(x >= threshold, 1 - x, x)


def random_solarize(x: Tensor, p=0.2, threshold=0.5, generator=None) -> Tensor:
    apply = _per_sample(_rand(len(x), x, generator) < p)
    return torch.where(apply, solarize(x, threshold), x)


# ----------------------------------------------------------------------------- pipelines

@dataclass(frozen=True)
class Augment:
    """One view pipeline: crop+flip → colour jitter → grayscale → blur → solarize.

    Call it on a batch ``x`` (B, 3, H, W), uint8 or float in [0, 1], on any device; returns
    a float batch (B, 3, size, size) in [0, 1] with fresh random parameters per sample.
    Ops whose probability is 0 are skipped; ``crop_scale=(1, 1)`` keeps the whole image.
    The defaults are SimCLR's CIFAR-10 views (:func:`simclr_augment`).
    """

    size: int = 32
    crop_scale: tuple[float, float] = (0.08, 1.0)
    crop_ratio: tuple[float, float] = (3 / 4, 4 / 3)
    flip_p: float = 0.5
    jitter: tuple[float, float, float, float] = (0.4, 0.4, 0.4, 0.1)  # brightness, contrast, saturation, hue
    jitter_p: float = 0.8
    gray_p: float = 0.2
    blur_p: float = 0.0
    blur_sigma: tuple[float, float] = (0.1, 2.0)
    blur_kernel: int = 3
    solarize_p: float = 0.0
    solarize_threshold: float = 0.5

    def __post_init__(self):
        for name in ("flip_p", "jitter_p", "gray_p", "blur_p", "solarize_p"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} is a probability in [0, 1], got {getattr(self, name)}.")
        lo, hi = self.crop_scale
        if not 0 < lo <= hi <= 1:
            raise ValueError(f"crop_scale must satisfy 0 < min ≤ max ≤ 1, got {self.crop_scale}.")
        if self.blur_kernel % 2 == 0:
            raise ValueError(f"blur_kernel must be odd, got {self.blur_kernel}.")

    def __call__(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"Augment expects a batch (B, 3, H, W); got shape {tuple(x.shape)}. "
                             "Add a batch dimension with x[None] for one image.")
        x = to_float(x)
        x = random_resized_crop(x, self.size, self.crop_scale, self.crop_ratio, self.flip_p, generator)
        if self.jitter_p > 0 and any(self.jitter):
            x = color_jitter(x, *self.jitter, p=self.jitter_p, generator=generator)
        if self.gray_p > 0:
            x = random_grayscale(x, self.gray_p, generator)
        if self.blur_p > 0:
            x = random_gaussian_blur(x, self.blur_p, self.blur_sigma, self.blur_kernel, generator)
        if self.solarize_p > 0:
            x = random_solarize(x, self.solarize_p, self.solarize_threshold, generator)
        return x

    def replace(self, **changes) -> "Augment":
        """A copy with some settings changed, e.g. ``aug.replace(jitter_p=0)`` for no colour."""
        return replace(self, **changes)


def simclr_augment(size: int = 32, strength: float = 0.5) -> Augment:
    """SimCLR's CIFAR-10 views (Chen et al. 2020, appendix B.9): random resized crop
    (scale 0.08–1), flip, colour jitter of strength s (0.8s, 0.8s, 0.8s, 0.2s) with p=0.8,
    grayscale with p=0.2, no blur at 32×32. The paper uses s=0.5 on CIFAR-10."""
    s = strength
    return Augment(size=size, jitter=(0.8 * s, 0.8 * s, 0.8 * s, 0.2 * s))


def supervised_augment(size: int = 32) -> Augment:
    """The standard supervised CIFAR augmentation, light: crop (scale 0.5–1) and flip only."""
    return Augment(size=size, crop_scale=(0.5, 1.0), jitter_p=0.0, gray_p=0.0)


def views(x: Tensor, augments: list[Augment] | Augment, n: int = 2, generator=None) -> list[Tensor]:
    """Several independently augmented views of the same batch: a list of (B, 3, S, S).

    ``augments`` is one pipeline used ``n`` times or a list of pipelines (one view each),
    e.g. multi-crop: ``[global_aug] * 2 + [local_aug] * 4``.
    """
    augs = [augments] * n if isinstance(augments, Augment) else list(augments)
    return [aug(x, generator) for aug in augs]


def multi_crop(size_global=32, size_local=16, n_global=2, n_local=4, strength=0.5) -> list[Augment]:
    """SwAV's multi-crop (Caron et al. 2020) for CIFAR: ``n_global`` views at ``size_global``
    (crop scale 0.14–1) and ``n_local`` small views at ``size_local`` (crop scale 0.05–0.14)."""
    base = simclr_augment(size_global, strength)
    return [base.replace(crop_scale=(0.14, 1.0))] * n_global + [
        base.replace(size=size_local, crop_scale=(0.05, 0.14))
    ] * n_local


# ----------------------------------------------------------------------------- pretext tasks

def rotations(x: Tensor) -> tuple[Tensor, Tensor]:
    """Every image in all four rotations (RotNet, Gidaris et al. 2018).

    x: (B, C, H, W) with H == W → (4B, C, H, W) ordered [0°, 90°, 180°, 270°] blocks of B,
    and labels (4B,) = rotation index k (counter-clockwise k × 90°)."""
    if x.shape[-1] != x.shape[-2]:
        raise ValueError(f"rotations need square images; got {tuple(x.shape[-2:])}.")
    out = torch.cat([torch.rot90(x, k, dims=(-2, -1)) for k in range(4)])
    labels = torch.arange(4, device=x.device).repeat_interleave(len(x))
    return out, labels


def jigsaw_tiles(x: Tensor, grid: int = 3, cell: int = 16, tile: int | None = None, jitter: bool = False,
                 generator=None) -> Tensor:
    """Cut each image into a ``grid`` × ``grid`` puzzle (Jigsaw, Noroozi & Favaro 2016).

    x: (B, 3, H, W) uint8 or float → tiles (B, grid², 3, tile, tile), in row-major cell order.
    The image is first resized to ``grid · cell`` pixels a side. With ``tile < cell`` each tile
    is a random ``tile``-pixel crop inside its cell, so neighbouring tiles leave a random gap
    and their edges no longer line up; ``jitter`` distorts each tile's colour independently
    (and turns some gray), so tiles cannot be matched by colour statistics either. Both are
    the paper's measures against shortcuts.
    """
    tile = tile or cell
    if not 0 < tile <= cell:
        raise ValueError(f"tile must be in (0, cell={cell}], got {tile}.")
    x = to_float(x)
    B, C = x.shape[:2]
    side = grid * cell
    x = F.interpolate(x, size=(side, side), mode="bilinear", align_corners=False, antialias=True)
    cells = x.unfold(2, cell, cell).unfold(3, cell, cell)  # (B, C, g, g, cell, cell)
    cells = cells.permute(0, 2, 3, 1, 4, 5).reshape(B * grid * grid, C, cell, cell)
    if tile < cell:
        n = len(cells)
        off = (_rand(n, x, generator, 2) * (cell - tile + 1)).long().clamp_(max=cell - tile)  # (N, 2)
        ar = torch.arange(tile, device=x.device)
        ys, xs = off[:, :1] + ar, off[:, 1:] + ar  # (N, tile)
        cells = cells[torch.arange(n, device=x.device)[:, None, None], :, ys[:, :, None], xs[:, None, :]]
        cells = cells.permute(0, 3, 1, 2)  # (N, C, tile, tile)
    if jitter:
        cells = color_jitter(cells, 0.4, 0.4, 0.4, 0.1, p=1.0, generator=generator)
        cells = random_grayscale(cells, 0.3, generator)
    return cells.reshape(B, grid * grid, C, tile, tile)


def shuffle_tiles(tiles: Tensor, permutations: Tensor, labels: Tensor) -> Tensor:
    """Put each puzzle's tiles in the order of its permutation: out[b, j] = tiles[b, perm[j]].

    tiles: (B, T, C, t, t), permutations: (P, T) long, labels: (B,) index into permutations."""
    order = permutations[labels]  # (B, T)
    return tiles[torch.arange(len(tiles), device=tiles.device)[:, None], order]


def assemble_tiles(tiles: Tensor) -> Tensor:
    """(B, g², C, t, t) tiles in row-major order → (B, C, g·t, g·t) image."""
    B, T, C, t, _ = tiles.shape
    g = int(round(T ** 0.5))
    return tiles.view(B, g, g, C, t, t).permute(0, 3, 1, 4, 2, 5).reshape(B, C, g * t, g * t)


# ----------------------------------------------------------------------------- CPC patch grids

def patch_grid(x: Tensor, patch: int = 8, stride: int = 4) -> Tensor:
    """Every image cut into overlapping patches (CPC, van den Oord et al. 2018; Hénaff et al. 2019).

    x: (B, C, H, W) uint8 or float → (B, R, S, C, patch, patch) float, R = (H − patch) // stride + 1
    rows and S columns of patches in row-major order. For 32×32 images with 8-pixel patches at
    stride 4 (the CIFAR grid of CPC v2 implementations): a 7×7 grid, each patch overlapping its
    neighbours by half.
    """
    x = to_float(x)
    if min(x.shape[-2:]) < patch:
        raise ValueError(f"images of {tuple(x.shape[-2:])} pixels are smaller than one patch ({patch}).")
    cells = x.unfold(2, patch, stride).unfold(3, patch, stride)  # (B, C, R, S, patch, patch)
    return cells.permute(0, 2, 3, 1, 4, 5)


def cpc_patches(x: Tensor, patch: int = 8, stride: int = 4, translate: int = 2, flip_p: float = 0.5,
                gray_p: float = 0.25, drop_p: float = 0.5, generator: torch.Generator | None = None) -> Tensor:
    """:func:`patch_grid` with CPC v2's augmentation drawn independently for **every patch**.

    x: (B, C, H, W) → (B, R, S, C, patch, patch). Each patch is shifted by up to ``translate``
    pixels in each direction (the image is padded by reflection first), flipped left-right with
    probability ``flip_p``, turned gray with ``gray_p``, and with ``drop_p`` loses two of its three
    colour channels ("colour dropping": they are set to CIFAR-10's channel mean, which the
    backbone's input normalization maps to 0 — no information). Per-patch randomness is the point:
    neighbouring patches that share an edge no longer share its exact pixels, colour or
    orientation, so predicting a patch needs what it shows, not low-level continuity.
    """
    x = to_float(x)
    B, C, H, W = x.shape
    R, S = (H - patch) // stride + 1, (W - patch) // stride + 1
    t = translate
    padded = F.pad(x, (t, t, t, t), mode="reflect") if t else x
    off = (_rand(B, x, generator, R, S, 2) * (2 * t + 1)).long().clamp_(max=2 * t)  # (B, R, S, 2) in [0, 2t]
    ar = torch.arange(patch, device=x.device)
    top = (torch.arange(R, device=x.device) * stride).view(1, R, 1) + off[..., 0]  # (B, R, S)
    left = (torch.arange(S, device=x.device) * stride).view(1, 1, S) + off[..., 1]
    ys = (top[..., None] + ar)[..., :, None]  # (B, R, S, patch, 1)
    xs = (left[..., None] + ar)[..., None, :]  # (B, R, S, 1, patch)
    b = torch.arange(B, device=x.device).view(B, 1, 1, 1, 1)
    p = padded[b, :, ys, xs].permute(0, 1, 2, 5, 3, 4)  # (B, R, S, C, patch, patch)
    n = B * R * S
    p = p.reshape(n, C, patch, patch)
    flip = _rand(n, x, generator) < flip_p
    p = torch.where(_per_sample(flip), p.flip(-1), p)
    if C == 3:  # colour augmentations
        gray = _rand(n, x, generator) < gray_p
        p = torch.where(_per_sample(gray), grayscale(p), p)
        drop = _rand(n, x, generator) < drop_p
        keep = (_rand(n, x, generator) * 3).long().clamp_(max=2)  # the one channel a dropping patch keeps
        dropped = (torch.arange(3, device=x.device) != keep[:, None]) & drop[:, None]  # (n, 3)
        mean = torch.tensor(CIFAR10_MEAN, device=x.device, dtype=p.dtype).view(1, 3, 1, 1)
        p = torch.where(dropped[:, :, None, None], mean, p)
    return p.view(B, R, S, C, patch, patch)
