"""Masked image modelling's pieces: patch masks, masked inputs, patches as vectors, and a visual
vocabulary that gives every patch a token, as text has words.

Images are cut into a grid of ``patch``×``patch`` squares (8 px on 32-px CIFAR images: a 4×4
grid, the resolution of a CIFAR ResNet's last stage, so each position of its feature map predicts
the patch under it). A mask marks a fixed number of the grid's patches per image; the masked
input replaces their pixels with CIFAR-10's mean colour, which the encoder's normalization maps to
zero, so nothing of a masked patch reaches the encoder.

Shapes: x (B, 3, H, W) float in [0, 1]; mask (B, G, G) bool, True = masked, G = H / patch;
patch vectors (B, G, G, 3·patch²), channel-major within a patch.
"""

from __future__ import annotations

import torch
from torch import Tensor

from sslkit.parts.backbones import CIFAR10_MEAN
from sslkit.parts.cluster import kmeans


def _grid(size: int, patch: int) -> int:
    if size % patch:
        raise ValueError(f"a {size}-pixel image does not divide into {patch}-pixel patches; pick a patch that divides it.")
    return size // patch


def patch_mask(n: int, grid: int, ratio: float, generator: torch.Generator | None = None,
               device: str | torch.device = "cpu") -> Tensor:
    """(n, grid, grid) bool: ``round(ratio · grid²)`` patches of each image masked, chosen
    uniformly at random (MAE's random masking), at least one masked and one visible."""
    if not 0 < ratio < 1:
        raise ValueError(f"mask ratio must be in (0, 1), got {ratio!r}.")
    cells = grid * grid
    k = min(cells - 1, max(1, round(ratio * cells)))
    order = torch.rand(n, cells, generator=generator).argsort(dim=1)  # a random permutation per image
    mask = torch.zeros(n, cells, dtype=torch.bool)
    mask.scatter_(1, order[:, :k], True)
    return mask.view(n, grid, grid).to(device)


def masked_input(x: Tensor, mask: Tensor, patch: int) -> Tensor:
    """``x`` with every masked patch filled with CIFAR-10's mean colour: (B, 3, H, W)."""
    grid = _grid(x.shape[-1], patch)
    if mask.shape != (len(x), grid, grid):
        raise ValueError(f"mask must be (B, {grid}, {grid}) for {patch}-px patches of {tuple(x.shape)}, got {tuple(mask.shape)}.")
    pixels = mask.repeat_interleave(patch, 1).repeat_interleave(patch, 2).unsqueeze(1)  # (B, 1, H, W)
    mean = torch.tensor(CIFAR10_MEAN, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return torch.where(pixels, mean, x)


def patches(x: Tensor, patch: int) -> Tensor:
    """Each patch's pixels as one vector: (B, 3, H, W) → (B, G, G, 3·patch²)."""
    b, c, h, _ = x.shape
    g = _grid(h, patch)
    return x.reshape(b, c, g, patch, g, patch).permute(0, 2, 4, 1, 3, 5).reshape(b, g, g, c * patch * patch)


def unpatch(p: Tensor, patch: int) -> Tensor:
    """The inverse of :func:`patches`: (B, G, G, 3·patch²) → (B, 3, G·patch, G·patch)."""
    b, g, _, d = p.shape
    c = d // (patch * patch)
    return p.reshape(b, g, g, c, patch, patch).permute(0, 3, 1, 4, 2, 5).reshape(b, c, g * patch, g * patch)


def fit_vocabulary(images: Tensor, size: int, patch: int, samples: int = 50_000, iters: int = 20,
                   seed: int = 0) -> Tensor:
    """A visual vocabulary: ``size`` centroids (size, 3·patch²) of k-means on ``samples`` patches
    drawn from ``images`` (N, 3, H, W, uint8 or float). Every patch then has a token, the index of
    its nearest centroid (:func:`tokenize`) — BEiT's discrete targets, without its learned tokenizer."""
    g = torch.Generator().manual_seed(seed)
    x = images.float() / 255 if images.dtype == torch.uint8 else images.float()
    vectors = patches(x, patch).flatten(0, 2)  # (N·G², 3·patch²)
    chosen = vectors[torch.randperm(len(vectors), generator=g)[:samples]]
    if len(chosen) < size:
        raise ValueError(f"a vocabulary of {size} needs at least {size} patches; the images hold {len(vectors)}.")
    return kmeans(chosen, size, iters, seed=seed).centroids


def tokenize(p: Tensor, vocabulary: Tensor) -> Tensor:
    """The token of each patch vector: the index of its nearest centroid. (…, D) → (…,) long."""
    flat = p.reshape(-1, p.shape[-1]).float()
    d = (flat.square().sum(1, keepdim=True) - 2 * flat @ vocabulary.T + vocabulary.square().sum(1))
    return d.argmin(dim=1).view(p.shape[:-1])
