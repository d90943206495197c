"""Exponential moving averages of a network's weights: BYOL's (and MoCo's) target network.

After every optimizer step the target moves a little towards the online network,
ξ ← τ·ξ + (1 − τ)·θ, with τ close to 1. BYOL raises τ from τ_base to 1 by a cosine over
training (Grill et al. 2020, section 3.2): τ_k = 1 − (1 − τ_base)·(cos(π k / K) + 1) / 2,
so the target follows quickly at first and freezes at the end.
"""

from __future__ import annotations

import copy
import math

import torch
import torch.nn as nn


def cosine_tau(step: int, total_steps: int, tau_base: float = 0.99) -> float:
    """τ at optimizer step ``step`` of ``total_steps``: τ_base at step 0, 1 at the end."""
    if not 0.0 <= tau_base <= 1.0:
        raise ValueError(f"tau_base must be in [0, 1], got {tau_base}.")
    progress = min(1.0, step / max(1, total_steps))
    return 1 - (1 - tau_base) * (math.cos(math.pi * progress) + 1) / 2


def make_target(online: nn.Module) -> nn.Module:
    """A copy of ``online`` that is never trained by gradients (requires_grad=False)."""
    target = copy.deepcopy(online)
    for p in target.parameters():
        p.requires_grad_(False)
    return target


@torch.no_grad()
def ema_update(target: nn.Module, online: nn.Module, tau: float) -> None:
    """In place: every target parameter ξ ← τ·ξ + (1 − τ)·θ; buffers (BatchNorm running
    statistics) are copied from the online network. Both must have the same structure."""
    t_params, o_params = list(target.parameters()), list(online.parameters())
    if len(t_params) != len(o_params):
        raise ValueError("ema_update: target and online networks have different parameter lists.")
    torch._foreach_lerp_(t_params, [p.detach() for p in o_params], 1 - tau)
    for tb, ob in zip(target.buffers(), online.buffers()):
        tb.copy_(ob)
