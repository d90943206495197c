"""Heads that sit on top of a backbone's features h (B, D): MLPs built from one block list.

``norm`` chooses what follows each hidden Linear: "bn" (BatchNorm1d, the papers' choice),
"gn" (GroupNorm over the hidden units of each sample: no statistics shared across the batch,
for the BatchNorm-free BYOL variant) or "none".
"""

from __future__ import annotations

import torch
import torch.nn as nn

from sslkit.parts.backbones import _groups


def _norm1d(kind: str, dim: int) -> list[nn.Module]:
    if kind == "bn":
        return [nn.BatchNorm1d(dim)]
    if kind == "gn":
        return [nn.GroupNorm(_groups(dim), dim)]
    if kind == "none":
        return []
    raise ValueError(f"norm must be 'bn', 'gn' or 'none', got {kind!r}.")


class MLPHead(nn.Sequential):
    """MLP (B, in_dim) → (B, out_dim): ``num_layers - 1`` hidden blocks of Linear → norm →
    ReLU, then a plain Linear.

    Under bf16/fp16 autocast the head runs in float32 when ``float32`` is True (the class
    default): its output feeds a loss that compares projections closely, and the head costs a
    few percent of a backbone's step (``bench/precision_check.py`` measures the difference).
    """

    float32 = True

    def __init__(self, in_dim: int, hidden_dim: int, out_dim: int, num_layers: int = 2, norm: str = "bn"):
        if num_layers < 1:
            raise ValueError(f"num_layers must be ≥ 1, got {num_layers}.")
        layers, d = [], in_dim
        for _ in range(num_layers - 1):
            layers += [nn.Linear(d, hidden_dim, bias=norm == "none"), *_norm1d(norm, hidden_dim), nn.ReLU(inplace=True)]
            d = hidden_dim
        layers.append(nn.Linear(d, out_dim))
        super().__init__(*layers)

    def forward(self, x):
        if self.float32 and torch.is_autocast_enabled(x.device.type):
            with torch.autocast(x.device.type, enabled=False):
                return super().forward(x.float())
        return super().forward(x)


class ProjectionHead(MLPHead):
    """Backbone features h (B, in_dim) → projections z (B, out_dim).

    SimCLR (Chen et al. 2020): "we use a MLP with one hidden layer to obtain
    z = g(h) = W2 σ(W1 h)", output 128; the loss is computed on z, h is kept for downstream
    tasks. BYOL (Grill et al. 2020) uses the same shape with BatchNorm: hidden 4096, output 256.
    """

    def __init__(self, in_dim: int, hidden_dim: int = 2048, out_dim: int = 128, num_layers: int = 2,
                 norm: str = "bn"):
        super().__init__(in_dim, hidden_dim, out_dim, num_layers, norm)


class PredictionHead(MLPHead):
    """BYOL's predictor q: online projections z (B, dim) → predictions p (B, dim).

    Grill et al. 2020: "the predictor q_θ uses the same architecture as g_θ" (the projector):
    Linear 4096 → BatchNorm → ReLU → Linear 256. It exists only in the online network, and it
    is what lets the online network chase the target without both collapsing to a constant.
    """

    def __init__(self, dim: int = 256, hidden_dim: int = 4096, num_layers: int = 2, norm: str = "bn"):
        super().__init__(dim, hidden_dim, dim, num_layers, norm)
