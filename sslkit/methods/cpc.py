"""CPC, Contrastive Predictive Coding on images (van den Oord et al. 2018,
https://arxiv.org/abs/1807.03748; CPC v2: Hénaff et al. 2019, https://arxiv.org/abs/1905.09272).

1. Cut every image into a grid of overlapping patches (:func:`sslkit.parts.augment.cpc_patches`:
   8×8 pixels at stride 4, a 7×7 grid for CIFAR, each patch augmented on its own).
2. Encode every patch with the backbone, mean-pooled to one **code** z per patch: a
   (B, R, S, D) grid of codes.
3. A **context network** runs over the grid top-down — masked convolutions, PixelCNN-style, so
   the context c at row r has seen only rows ≤ r.
4. From the context at row r, one linear map W_k per step predicts the code k rows below
   (k = 1 … K); InfoNCE (:func:`sslkit.parts.losses.cpc_loss`) asks each prediction to pick its true
   code among the codes of the target's row in every image of the batch (B·S candidates: the
   row's other patches in its own image and the row of every other image).

Choices at CIFAR scale, and why:

- ``norm="gn"``: GroupNorm + weight standardization in the encoder (CPC v2 uses LayerNorm). With
  BatchNorm, the patches of one image would share batch statistics, a channel through which
  a patch can learn about its neighbours and solve the task without looking at what it shows.
- ``context="full"``: 3 residual blocks of (3, 3) convolutions masked to rows ≤ r — each block
  looks 2 rows up, so row 6 sees the whole grid. ``"row"``: (1, 3) kernels, the context at row r
  sees only its own row; ``"none"``: no context network, the prediction is W_k z of the patch
  itself. Both are the ablations of notebook 03.
- ``bidirectional``: a second context network and heads run bottom-up and predict upward
  (Hénaff et al.'s "predicting in several directions"); the two losses are summed.
- ``steps=3``: predict 1, 2 and 3 rows ahead (the papers use up to 5 on larger grids; on a 7-row
  grid the 5-step task has only 2 rows of anchors). ``first_step=k`` predicts only rows k …
  ``steps`` ahead: with 8-px patches at stride 4 the row below overlaps the context's own row by
  4 pixels and the next one touches it, so k = 1 and 2 can be solved by continuing low-level
  texture across the edge; the CPC v2 reference code predicts from 3 rows ahead only (its
  ``steps_to_ignore=2``, same half-patch stride). ``None`` (the default, and every run before
  the setting) is 1.
- Scores are cosine / τ with τ = 0.1 (the InfoNCE of SimCLR and of this package), not the
  papers' raw dot products: bounded logits keep bf16 training stable; the bound on mutual
  information holds for any score function.
- Representation (:meth:`CPC.features`): the codes of the un-augmented 7×7 grid, mean-pooled —
  CPC v2 evaluates the encoder's codes, not the context (which has seen only part of the
  image at most positions); pooling gives one D-dimensional vector, as the other methods' h.
- Adam (as the papers; decoupled weight decay 5e-4), lr 2e-3 × batch / 256 (1e-3 at batch
  128, Adam's usual default) with warmup and cosine decay; the online probe uses Adam at 1e-3.
  On a validation split of CIFAR-10 train, 2.5e-4, 1e-3 and 4e-3 cannot be told apart at the
  sweep size: all three stay at the random-init level there.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from sslkit.methods.base import Method, Step, check_positive
from sslkit.parts.augment import cpc_patches, patch_grid
from sslkit.parts.data import Batch
from sslkit.parts.losses import cpc_loss

CONTEXTS = ("full", "row", "none")


class RowCausalConv(nn.Conv2d):
    """Convolution over a (B, C, R, S) grid whose output at row r depends on rows ≤ r only: a
    (rows, width) kernel placed so that its last row lies on row r (zero padding above and on
    both sides, none below)."""

    def __init__(self, cin: int, cout: int, rows: int = 3, width: int = 3):
        super().__init__(cin, cout, (rows, width))
        self.pad = (width // 2, width // 2, rows - 1, 0)  # left, right, top, bottom

    def forward(self, x: Tensor) -> Tensor:
        return super().forward(F.pad(x, self.pad))


class ContextNetwork(nn.Module):
    """PixelCNN-style context over a code grid: (B, D, R, S) → (B, D, R, S), where the output at
    row r sees rows max(0, r − n_blocks·(rows − 1)) … r of the input and nothing below.

    Residual blocks ReLU → RowCausalConv(D → hidden, (rows, 3)) → ReLU → 1×1 conv(hidden → D);
    no normalization (no statistics shared between patches or images)."""

    def __init__(self, dim: int, hidden: int | None = None, n_blocks: int = 3, rows: int = 3):
        super().__init__()
        hidden = hidden or dim
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.ReLU(), RowCausalConv(dim, hidden, rows), nn.ReLU(), nn.Conv2d(hidden, dim, 1))
            for _ in range(n_blocks))

    def forward(self, z: Tensor) -> Tensor:
        for block in self.blocks:
            z = z + block(z)
        return z


class CPC(Method):
    base_lr = 2e-3  # Adam

    def __init__(self, steps: int = 3, context: str = "full", bidirectional: bool = False, temperature: float = 0.1,
                 patch: int = 8, stride: int = 4, context_blocks: int = 3, representation: str = "codes",
                 norm: str = "gn", probe_lr: float = 1e-3, first_step: int | None = None, **kwargs):
        if context not in CONTEXTS:
            raise ValueError(f"context must be one of {', '.join(CONTEXTS)}, got {context!r}.")
        if steps < 1:
            raise ValueError(f"steps (rows predicted ahead) must be at least 1, got {steps}.")
        if first_step is not None and not 1 <= first_step <= steps:
            raise ValueError(f"first_step must lie in 1 … steps ({steps}), got {first_step}: it is the nearest row "
                             "predicted, steps the farthest.")
        check_positive("CPC", temperature=temperature, patch=patch, stride=stride)
        super().__init__(norm=norm, probe_lr=probe_lr, **kwargs)
        rows = (32 - patch) // stride + 1
        if steps >= rows:
            raise ValueError(f"steps={steps} leaves no row to predict from on a {rows}-row grid; use steps < {rows}.")
        D = self.backbone.feature_dim
        directions = ("down", "up") if bidirectional else ("down",)
        kernel_rows = 3 if context == "full" else 1
        self.contexts = nn.ModuleDict({d: ContextNetwork(D, D, context_blocks, kernel_rows) if context != "none"
                                       else nn.Identity() for d in directions})
        # W_k as 1×1 convolutions over the context grid: one per direction and step
        self.first_step = first_step or 1
        self.heads = nn.ModuleDict({d: nn.ModuleList(nn.Conv2d(D, D, 1, bias=False)
                                                     for _ in range(self.first_step, steps + 1)) for d in directions})
        self.representation = representation

    # -- the model
    def encode(self, patches: Tensor) -> Tensor:
        """Patches (B, R, S, 3, p, p) → codes (B, R, S, D): the backbone on every patch, pooled."""
        B, R, S = patches.shape[:3]
        h = self.backbone(self.prepare(patches.reshape(B * R * S, *patches.shape[3:])))  # (B·R·S, D)
        return h.view(B, R, S, -1)

    def predict(self, codes: Tensor, direction: str = "down") -> list[Tensor]:
        """Codes (B, R, S, D) → one prediction per step k = ``first_step`` … ``steps``, each
        (B, R − k, S, D): from the context at row r (top-down; for ``"up"`` pass the grid flipped
        upside down), the code at row r + k."""
        c = self.contexts[direction](codes.permute(0, 3, 1, 2))  # (B, D, R, S)
        R = c.shape[2]
        return [W(c[:, :, :R - k]).permute(0, 2, 3, 1)
                for k, W in enumerate(self.heads[direction], start=self.first_step)]

    def context_features(self, codes: Tensor) -> Tensor:
        """Codes (B, R, S, D) → (B, D · directions): each direction's context, mean-pooled, joined."""
        out = []
        for d, net in self.contexts.items():
            grid = codes if d == "down" else codes.flip(1)
            out.append(net(grid.permute(0, 3, 1, 2)).mean(dim=(2, 3)))
        return torch.cat(out, dim=1)

    def features(self, x: Tensor, representation: str | None = None) -> Tensor:
        """The representation evaluations read, x (B, 3, 32, 32) → (B, D): the codes of the
        un-augmented patch grid, mean-pooled (``representation="context"``: the pooled contexts,
        both directions joined when bidirectional; default: the module's ``representation``)."""
        hp = self.hparams
        representation = representation or self.representation
        codes = self.encode(patch_grid(x, hp.patch, hp.stride))
        if representation == "context":
            return self.context_features(codes)
        if representation != "codes":
            raise ValueError(f"representation must be 'codes' or 'context', got {representation!r}.")
        return codes.mean(dim=(1, 2))

    def context_view(self) -> nn.Module:
        """This module read through its pooled contexts instead of its codes: a module whose
        ``forward(x)`` is ``features(x, "context")``, for any evaluation that takes an encoder."""
        return _ContextView(self)

    # -- training
    def step(self, batch: Batch) -> Step:
        hp = self.hparams
        codes = self.encode(cpc_patches(batch.x, hp.patch, hp.stride))  # (B, R, S, D)
        loss, acc = cpc_loss(self.predict(codes, "down"), codes, hp.temperature, self.first_step)
        logs = {f"acc_k{k}": a for k, a in enumerate(acc, start=self.first_step)}
        if hp.bidirectional:
            up = codes.flip(1)  # row 0 = the bottom row: "k rows below" is now k rows above
            loss_up, acc_up = cpc_loss(self.predict(up, "up"), up, hp.temperature, self.first_step)
            loss = loss + loss_up
            logs.update({f"acc_up_k{k}": a for k, a in enumerate(acc_up, start=self.first_step)})
        h = codes.mean(dim=(1, 2))  # pooled codes of the augmented patches, for the online probe
        return Step(loss, h=h, z=h, logs=logs)

    def make_optimizer(self, param_groups: list[dict]) -> torch.optim.Optimizer:
        """Adam with decoupled weight decay (AdamW), as the CPC papers use Adam."""
        return torch.optim.AdamW(param_groups, lr=self.hparams.lr)


class _ContextView(nn.Module):
    """A CPC module's pooled contexts as an encoder (:meth:`CPC.context_view`)."""

    def __init__(self, cpc: CPC):
        super().__init__()
        self.cpc = cpc

    def forward(self, x: Tensor) -> Tensor:
        return self.cpc.features(x, "context")
