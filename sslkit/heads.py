"""Heads that sit on top of a backbone's features h (B, D)."""

from __future__ import annotations

import torch.nn as nn


class ProjectionHead(nn.Sequential):
    """MLP from backbone features h (B, in_dim) to projections z (B, out_dim).

    Each hidden layer is Linear → BatchNorm → ReLU; the last layer is a plain Linear. SimCLR
    (Chen et al. 2020): "we use a MLP with one hidden layer to obtain z = g(h) = W2 σ(W1 h)",
    output 128; the contrastive loss is computed on z, and h is kept for downstream tasks.
    """

    def __init__(self, in_dim: int, hidden_dim: int = 2048, out_dim: int = 128, num_layers: int = 2):
        if num_layers < 1:
            raise ValueError(f"num_layers must be ≥ 1, got {num_layers}.")
        layers, d = [], in_dim
        for _ in range(num_layers - 1):
            layers += [nn.Linear(d, hidden_dim, bias=False), nn.BatchNorm1d(hidden_dim), nn.ReLU(inplace=True)]
            d = hidden_dim
        layers.append(nn.Linear(d, out_dim))
        super().__init__(*layers)
