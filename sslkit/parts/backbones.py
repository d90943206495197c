"""CIFAR-stem ResNets with width and depth multipliers and a choice of normalization.

The ImageNet ResNet's 7×7 stride-2 stem and max-pool would shrink a 32×32 image to 8×8
before the first block; the CIFAR stem is one 3×3 stride-1 convolution and no pool
(as in SimCLR's CIFAR experiments). Stages have 64·w, 128·w, 256·w, 512·w channels
(× 4 for Bottleneck); ``depth`` multiplies the number of blocks per stage.

``norm="bn"`` uses BatchNorm; ``norm="gn"`` uses GroupNorm with weight-standardized
convolutions (Qiao et al. 2019), the BatchNorm-free variant of the BYOL follow-up
(Richemond et al. 2020), which shares no statistics between samples.

The model takes float images in [0, 1] and normalizes them with CIFAR-10's channel
statistics itself, so augmentations, evaluation and plots all work in [0, 1].

    net = resnet18(width=0.5)
    h = net(x)                  # (B, net.feature_dim) pooled features
    stages = net.stages_out(x)  # [(B, 64w, 32, 32), (B, 128w, 16, 16), ...]
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)


def check_images(x, *, check_range: bool = True, what: str = "the encoder") -> None:
    """Refuse anything but what every sslkit encoder takes: a float tensor (B, 3, H, W) in [0, 1].

    Each error names what came in and the fix: a numpy array, images laid out (B, H, W, 3),
    uint8 pixels, float64, floats in 0–255 or already normalized by mean/std. ``check_range``
    reads the values (one min/max per batch, a device sync on GPU): skipped during training,
    where inputs come from sslkit's own augmentations."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{what} takes a torch.Tensor of images (B, 3, H, W) in [0, 1], got {type(x).__name__}. "
                        "For a numpy array of uint8 HWC images: torch.from_numpy(a).permute(0, 3, 1, 2).float() / 255.")
    if x.ndim != 4 or x.shape[1] != 3:
        hint = (" It looks like (B, H, W, 3): use x.permute(0, 3, 1, 2)." if x.ndim == 4 and x.shape[-1] == 3 else
                " A single image (3, H, W) needs a batch axis: x[None]." if x.ndim == 3 else "")
        raise ValueError(f"{what} takes images shaped (B, 3, H, W), got {tuple(x.shape)}.{hint}")
    if x.dtype == torch.uint8:
        raise ValueError(f"{what} takes float images in [0, 1], got uint8 pixels: use sslkit.parts.augment.to_float(x) "
                         "(x.float() / 255). sslkit methods' features() and sslkit.training.evaluate take uint8 directly.")
    if x.dtype not in (torch.float32, torch.float16, torch.bfloat16):
        raise TypeError(f"{what} takes float32 images (float16/bfloat16 under autocast), got {x.dtype}: use x.float().")
    if check_range and x.numel():
        finite = torch.isfinite(x.detach())
        if not bool(finite.all()):
            bad = x.detach()[~finite]
            kinds = ", ".join(k for k, m in (("NaN", bad.isnan()), ("+Inf", bad > 0), ("-Inf", bad < 0)) if bool(m.any()))
            raise ValueError(f"{what} got {int((~finite).sum())} pixel value(s) that are not finite ({kinds}) in a batch "
                             f"of {x.shape[0]} image(s): the images were damaged upstream (a division by zero in a "
                             "normalization, a failed decode). Fix the source, or drop those images "
                             "(torch.isfinite(x).flatten(1).all(1) marks the good ones).")
        lo, hi = (float(v) for v in torch.aminmax(x.detach()))
        if lo < -1e-3 or hi > 1 + 1e-3:
            fix = ("they look like 0-255 pixels: divide by 255" if hi > 2 else
                   "they look normalized by a mean and std already: pass the plain [0, 1] images (the encoder "
                   "normalizes with CIFAR-10's statistics itself)")
            raise ValueError(f"{what} takes images in [0, 1], got values in [{lo:.3g}, {hi:.3g}]: {fix}.")


class WSConv2d(nn.Conv2d):
    """Conv2d whose weight is standardized per output channel (zero mean, unit variance) on
    every forward (Qiao et al. 2019, https://arxiv.org/abs/1903.10520). The GroupNorm that
    follows supplies the learnable scale."""

    def standardized_weight(self) -> Tensor:
        """(C_out, C_in, k, k): each output filter with zero mean and unit variance."""
        w = self.weight
        mean = w.mean(dim=(1, 2, 3), keepdim=True)
        var = w.var(dim=(1, 2, 3), keepdim=True, unbiased=False)
        return (w - mean) / torch.sqrt(var + 1e-5)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.standardized_weight(), self.bias, self.stride, self.padding)


def _groups(channels: int) -> int:
    """Largest divisor of ``channels`` that is ≤ 32 and leaves ≥ 4 channels per group."""
    for g in range(min(32, max(1, channels // 4)), 0, -1):
        if channels % g == 0:
            return g
    return 1


class _Norm:
    """Builds conv and norm layers for one normalization choice."""

    def __init__(self, kind: str):
        if kind not in ("bn", "gn"):
            raise ValueError(f"norm must be 'bn' (BatchNorm) or 'gn' (GroupNorm + weight standardization), got {kind!r}.")
        self.kind = kind

    def conv(self, cin: int, cout: int, k: int, stride: int = 1) -> nn.Conv2d:
        cls = WSConv2d if self.kind == "gn" else nn.Conv2d
        return cls(cin, cout, k, stride=stride, padding=k // 2, bias=False)

    def norm(self, c: int) -> nn.Module:
        return nn.BatchNorm2d(c) if self.kind == "bn" else nn.GroupNorm(_groups(c), c)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin: int, c: int, stride: int, nl: _Norm):
        super().__init__()
        self.conv1, self.bn1 = nl.conv(cin, c, 3, stride), nl.norm(c)
        self.conv2, self.bn2 = nl.conv(c, c, 3), nl.norm(c)
        self.shortcut = (
            nn.Sequential(nl.conv(cin, c, 1, stride), nl.norm(c)) if stride != 1 or cin != c else nn.Identity()
        )

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin: int, c: int, stride: int, nl: _Norm):
        super().__init__()
        cout = c * self.expansion
        self.conv1, self.bn1 = nl.conv(cin, c, 1), nl.norm(c)
        self.conv2, self.bn2 = nl.conv(c, c, 3, stride), nl.norm(c)
        self.conv3, self.bn3 = nl.conv(c, cout, 1), nl.norm(cout)
        self.shortcut = (
            nn.Sequential(nl.conv(cin, cout, 1, stride), nl.norm(cout)) if stride != 1 or cin != cout else nn.Identity()
        )

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        return F.relu(self.bn3(self.conv3(out)) + self.shortcut(x))


class CIFARResNet(nn.Module):
    """ResNet with a CIFAR stem. ``forward(x)`` → (B, feature_dim) globally pooled features.

    Args:
        block: BasicBlock or Bottleneck.
        blocks: blocks per stage before the depth multiplier, e.g. (2, 2, 2, 2) for ResNet-18.
        width: channel multiplier (1.0 → 64 channels after the stem).
        depth: multiplier on the blocks per stage (rounded, at least 1).
        norm: "bn" or "gn" (GroupNorm + weight standardization).
    """

    def __init__(self, block=BasicBlock, blocks=(2, 2, 2, 2), width: float = 1.0, depth: float = 1.0, norm: str = "bn",
                 arch: str | None = None):
        super().__init__()
        if width <= 0 or depth <= 0:
            raise ValueError(f"width and depth multipliers must be positive, got width={width}, depth={depth}.")
        nl = _Norm(norm)
        # what rebuilds it (build_backbone's arguments), kept by the network itself
        self.settings = {"arch": arch, "width": width, "depth": depth, "norm": norm}
        self.blocks_per_stage = tuple(max(1, round(n * depth)) for n in blocks)
        chans = [max(4, round(c * width)) for c in (64, 128, 256, 512)]
        self.register_buffer("mean", torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(CIFAR10_STD).view(1, 3, 1, 1), persistent=False)
        self.stem = nn.Sequential(nl.conv(3, chans[0], 3), nl.norm(chans[0]), nn.ReLU(inplace=True))
        stages, cin = [], chans[0]
        for i, (c, n) in enumerate(zip(chans, self.blocks_per_stage)):
            layers = []
            for b in range(n):
                layers.append(block(cin, c, 2 if (i > 0 and b == 0) else 1, nl))
                cin = c * block.expansion
            stages.append(nn.Sequential(*layers))
        self.stages = nn.ModuleList(stages)
        self.stage_dims = tuple(c * block.expansion for c in chans)
        self.feature_dim = cin
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def stages_out(self, x: Tensor) -> list[Tensor]:
        """Output of each of the four stages: [(B, C_i, H_i, W_i)], for probing by depth.
        x: float images (B, 3, H, W) in [0, 1] (checked; the range only in eval mode)."""
        check_images(x, check_range=not self.training)
        x = self.stem((x - self.mean) / self.std)
        out = []
        for stage in self.stages:
            x = stage(x)
            out.append(x)
        return out

    def forward(self, x: Tensor) -> Tensor:
        return self.stages_out(x)[-1].mean(dim=(2, 3))  # (B, feature_dim)


_SPECS = {
    "resnet18": (BasicBlock, (2, 2, 2, 2)),
    "resnet34": (BasicBlock, (3, 4, 6, 3)),
    "resnet50": (Bottleneck, (3, 4, 6, 3)),
}


def build_backbone(arch: str = "resnet18", width: float = 1.0, depth: float = 1.0, norm: str = "bn") -> CIFARResNet:
    """A CIFAR ResNet by name: "resnet18" | "resnet34" | "resnet50"."""
    if arch not in _SPECS:
        raise ValueError(f"Unknown arch {arch!r}; choose one of {', '.join(_SPECS)}.")
    block, blocks = _SPECS[arch]
    return CIFARResNet(block, blocks, width, depth, norm, arch=arch)


def resnet18(width: float = 1.0, depth: float = 1.0, norm: str = "bn") -> CIFARResNet:
    return build_backbone("resnet18", width, depth, norm)


def resnet50(width: float = 1.0, depth: float = 1.0, norm: str = "bn") -> CIFARResNet:
    return build_backbone("resnet50", width, depth, norm)


class StageFeatures(nn.Module):
    """Features of one stage of a CIFAR ResNet, average-pooled to ``pool`` × ``pool`` and
    flattened: (B, C_stage · pool²). For probing how transferable each depth is."""

    def __init__(self, backbone: CIFARResNet, stage: int, pool: int = 2):
        super().__init__()
        self.backbone, self.stage, self.pool = backbone, stage, pool

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(self.backbone.stages_out(x)[self.stage], self.pool).flatten(1)
