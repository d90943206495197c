"""lightning-bolts' CPC v2 encoder, rebuilt so its published ImageNet weights load into sslkit.

Hénaff et al.'s CPC v2 (2020) replaces BatchNorm by LayerNorm: a patch's code must not depend on
the other patches of the batch, which BatchNorm's batch statistics would let it read. bolts'
``cpc_resnet101`` is a bottleneck ResNet with that change, and two more of its own:

- every LayerNorm normalizes a whole (C, H, W) activation with a weight per element, so the
  network is built for one patch size (32 px for ImageNet, 8 px for CIFAR-10);
- stage 3 has 46 blocks of 512 channels expanded 8× (4,096 out), stage 4 expands 4× (2,048).

:class:`CPCResNet` reproduces bolts' module names (``conv1``, ``ln1``, ``layer1.0.conv1``,
``layer1.0.ln1``, ``layer1.0.downsample.0`` / ``.1``, …), so a bolts ``state_dict`` loads
strictly once its ``encoder.`` prefix is dropped (:mod:`sslkit.records.pretrained`).
:class:`PatchEncoder` turns it into an image encoder: cut the image into CPC's overlapping patch
grid, encode each patch, mean-pool the codes — the representation sslkit's own CPC evaluates.
Written from bolts' ``networks.py`` (Apache-2.0) as a description of its layout; no code of it
is imported.
"""

from __future__ import annotations

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from sslkit.parts.augment import patch_grid

# bolts' cpc_resnet101: blocks per stage, and (planes, expansion, stride) of each stage
CPC_RESNET101 = (3, 4, 46, 3)
STAGES = ((64, 4, 1), (128, 4, 2), (512, 8, 2), (512, 4, 2))


def _out_size(size: int, stride: int) -> int:
    """Spatial size after a 3×3 convolution with padding 1 (or a 1×1 one) at ``stride``."""
    return (size - 1) // stride + 1


class LNBottleneck(nn.Module):
    """1×1 → 3×3 (at ``stride``) → 1×1 convolutions, each followed by a LayerNorm over its whole
    (C, H, W) output; a 1×1 convolution + LayerNorm on the shortcut when the shape changes.
    ``size`` is the input's height and width (the LayerNorms' shapes depend on it)."""

    def __init__(self, cin: int, planes: int, cout: int, stride: int, size: int):
        super().__init__()
        out = _out_size(size, stride)
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.ln1 = nn.LayerNorm([planes, size, size])
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, padding=1, bias=False)
        self.ln2 = nn.LayerNorm([planes, out, out])
        self.conv3 = nn.Conv2d(planes, cout, 1, bias=False)
        self.ln3 = nn.LayerNorm([cout, out, out])
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.LayerNorm([cout, out, out]))

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.ln1(self.conv1(x)))
        out = self.relu(self.ln2(self.conv2(out)))
        out = self.ln3(self.conv3(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class CPCResNet(nn.Module):
    """bolts' CPC ResNet for ``patch``-pixel patches: (N, 3, patch, patch) → (N, 2048, h, w)
    (h = w = 1 for 32-px patches). ``blocks``: per stage, (3, 4, 46, 3) for ``cpc_resnet101``."""

    def __init__(self, patch: int = 32, blocks: tuple[int, ...] = CPC_RESNET101):
        super().__init__()
        if len(blocks) != 4 or min(blocks) < 1:
            raise ValueError(f"blocks must give 4 stages of at least one block each, got {blocks}.")
        if patch < 8:
            raise ValueError(f"patch must be at least 8 pixels (five stride-2 steps), got {patch}.")
        self.patch = patch
        size = _out_size(patch, 2)  # conv1: 7×7, stride 2, padding 3
        self.conv1 = nn.Conv2d(3, 64, 7, 2, padding=3, bias=False)
        self.ln1 = nn.LayerNorm([64, size, size])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, padding=1)
        size = _out_size(size, 2)
        cin = 64
        for i, (n, (planes, expansion, stride)) in enumerate(zip(blocks, STAGES), 1):
            layer = []
            for j in range(n):
                s = stride if j == 0 else 1
                layer.append(LNBottleneck(cin, planes, planes * expansion, s, size))
                cin, size = planes * expansion, _out_size(size, s)
            setattr(self, f"layer{i}", nn.Sequential(*layer))
        self.feature_dim = cin

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-2:] != (self.patch, self.patch):
            raise ValueError(f"CPCResNet takes {self.patch}×{self.patch} patches (its LayerNorms are built for them), "
                             f"got {tuple(x.shape[-2:])}; use PatchEncoder for whole images.")
        x = self.maxpool(self.relu(self.ln1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))


class PatchEncoder(nn.Module):
    """A patch encoder used on whole images: (B, 3, H, W), normalized as the encoder was trained
    → resized to ``image`` pixels (bilinear) → the ``patch``-pixel grid at ``stride`` (7×7 for
    128 / 32 / 16, bolts' ImageNet setting) → each patch encoded → codes mean-pooled → (B, feature_dim)."""

    def __init__(self, encoder: nn.Module, image: int = 128, patch: int = 32, stride: int = 16):
        super().__init__()
        self.encoder, self.image, self.patch, self.stride = encoder, image, patch, stride
        self.feature_dim = encoder.feature_dim

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-2:] != (self.image, self.image):
            x = F.interpolate(x, size=(self.image, self.image), mode="bilinear", antialias=True, align_corners=False)
        grid = patch_grid(x, self.patch, self.stride)  # (B, R, S, 3, patch, patch)
        B = grid.shape[0]
        codes = self.encoder(grid.reshape(-1, *grid.shape[-3:]))  # (B·R·S, C, h, w)
        return codes.mean((2, 3)).reshape(B, -1, codes.shape[1]).mean(1)
