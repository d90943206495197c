"""Jigsaw puzzles (Noroozi & Favaro 2016, https://arxiv.org/abs/1603.09246).

Pretext task: cut the image into a 3×3 grid of tiles, shuffle them by one of a fixed set of
permutations, and predict which permutation it was. One shared encoder (the backbone) sees
each tile alone; the tile features are concatenated in the shuffled order and a small MLP
classifies the permutation. Solving it needs to know what parts of objects look like and
where they go.

Why a 3×3 grid on 32×32 images: a 2×2 grid has only 24 permutations, too easy and too
coarse; 3×3 tiles of a 32-pixel image would be 10 pixels, too small for a ResNet to see
anything. So the image is first upsampled to 48×48 and cut into 16-pixel cells.

Shortcuts and the measures against them (both can be switched off to show them):
- ``gap``: each tile is a random 12-pixel crop inside its 16-pixel cell, so edges of
  neighbouring tiles do not continue each other (low-level edge matching fails);
- ``tile_jitter``: each tile gets its own colour jitter and sometimes turns gray, so tiles
  cannot be matched by colour statistics or chromatic aberration.

The permutation set is chosen greedily for large Hamming distance (:func:`permutation_set`),
as in the paper: permutations that differ in many positions are easier to tell apart and
force the network to place every tile.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from sslkit.methods.base import Method, Step
from sslkit.parts.augment import jigsaw_tiles, shuffle_tiles
from sslkit.parts.data import Batch


def permutation_set(n: int = 64, tiles: int = 9, seed: int = 0) -> Tensor:
    """``n`` permutations of ``tiles`` items chosen greedily for a large minimum Hamming
    distance: start from a random one, then repeatedly add the permutation whose smallest
    distance to those already chosen is largest (ties: the lowest index). (n, tiles) long.
    """
    import math

    if not 1 <= n <= math.factorial(tiles):
        raise ValueError(f"n must be between 1 and {tiles}! = {math.factorial(tiles)}, got {n}.")
    all_perms = torch.tensor(list(itertools.permutations(range(tiles))), dtype=torch.int8)  # (tiles!, tiles)
    g = torch.Generator().manual_seed(seed)
    chosen = [int(torch.randint(len(all_perms), (1,), generator=g))]
    min_dist = (all_perms != all_perms[chosen[0]]).sum(1)  # distance to the chosen set
    for _ in range(n - 1):
        nxt = int(min_dist.argmax())
        chosen.append(nxt)
        min_dist = torch.minimum(min_dist, (all_perms != all_perms[nxt]).sum(1))
    return all_perms[chosen].long()


def min_hamming_distance(perms: Tensor) -> int:
    """Smallest number of positions in which two different permutations of the set differ."""
    d = (perms[:, None] != perms[None]).sum(-1)
    d.fill_diagonal_(perms.shape[1] + 1)
    return int(d.min())


class Jigsaw(Method):
    base_lr = 0.1

    def __init__(self, num_permutations: int = 64, grid: int = 3, cell: int = 16, gap: bool = True,
                 tile_jitter: bool = True, hidden: int = 512, **kwargs):
        super().__init__(**kwargs)
        self.register_buffer("permutations", permutation_set(num_permutations, grid * grid), persistent=True)
        self.tile = cell * 3 // 4 if gap else cell
        d = self.backbone.feature_dim
        self.head = nn.Sequential(nn.Linear(grid * grid * d, hidden), nn.ReLU(inplace=True),
                                  nn.Linear(hidden, num_permutations))

    def puzzle(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """x (B, 3, H, W) → shuffled tiles (B, g², 3, t, t) and permutation labels (B,)."""
        hp = self.hparams
        tiles = jigsaw_tiles(x, hp.grid, hp.cell, self.tile, hp.tile_jitter)
        labels = torch.randint(len(self.permutations), (len(x),), device=x.device)
        return shuffle_tiles(tiles, self.permutations, labels), labels

    def step(self, batch: Batch) -> Step:
        # whole images for the online probe only: no gradient, BatchNorm statistics untouched
        # (first: restoring the statistics after the tiles' forward would invalidate its graph)
        h = self.probe_forward(batch.x) if self.probe is not None else None  # (B, D)
        tiles, labels = self.puzzle(batch.x)
        B, T = tiles.shape[:2]
        f = self.backbone(self.prepare(tiles.flatten(0, 1)))  # (B·T, D) one shared encoder
        logits = self.head(f.view(B, T * f.shape[1]))  # (B, P)
        return Step(F.cross_entropy(logits, labels), h=h, z=f,
                    logs={"pretext_acc": (logits.argmax(1) == labels).float().mean()})

    @torch.no_grad()
    def puzzle_accuracy(self, images: Tensor, gap: bool | None = None, tile_jitter: bool | None = None,
                        batch_size: int = 500, seed: int = 0, cell: int | None = None) -> float:
        """Share of puzzles solved (0–1) among puzzles cut from ``images`` (B, 3, H, W), one per
        image, with the given defences — by default the ones this model trained with; the other
        setting asks whether what it learned survives tiles cut another way (a shortcut test).
        ``cell`` (default: the model's) sets the grid's cell size, and with it the tile size
        (``cell`` without the gap, ¾ of it with): contiguous tiles from 12-pixel cells are as
        large as gapped tiles from 16-pixel ones, so the defences can be compared at one tile
        size. Eval mode; permutations, crops and jitter drawn from ``seed``."""
        hp = self.hparams
        gap = hp.gap if gap is None else gap
        tile_jitter = hp.tile_jitter if tile_jitter is None else tile_jitter
        cell = hp.cell if cell is None else cell
        tile = cell * 3 // 4 if gap else cell
        device = self.permutations.device
        g = torch.Generator(device=device).manual_seed(seed)
        was_training = self.training
        self.eval()
        correct = 0
        for i in range(0, len(images), batch_size):
            x = images[i:i + batch_size].to(device)
            tiles = jigsaw_tiles(x, hp.grid, cell, tile, tile_jitter, generator=g)
            labels = torch.randint(len(self.permutations), (len(x),), generator=g, device=device)
            tiles = shuffle_tiles(tiles, self.permutations, labels)
            B, T = tiles.shape[:2]
            f = self.backbone(self.prepare(tiles.flatten(0, 1))).float()
            correct += int((self.head(f.view(B, -1)).argmax(1) == labels).sum())
        self.train(was_training)
        return correct / len(images)
