"""Does sslkit's weight standardization differ from Qiao et al.'s where it matters?

sslkit's ``WSConv2d`` divides each centred filter by sqrt(var + 1e-5) (population variance, ε
inside the root, as lucidrains' U-Nets); Qiao et al.'s released code divides by std + 1e-5
(unbiased std, ε outside: https://github.com/joe-siyuan-qiao/WeightStandardization); BiT uses
sqrt(var + 1e-10). Inside the root, ε = 1e-5 is a floor of about 3.2e-3 on the std, three
hundred times Qiao's, so the two agree only while every filter's variance is well above 1e-5.
A GroupNorm follows every convolution and removes any scale shared by a group's filters, so
what could matter is the standardized filters' std falling *unevenly* below 1.

For every WSConv2d of a GroupNorm + WS backbone this prints, per layer, the smallest filter
variance, how far ε shrinks the standardized filters and how unevenly (see :func:`compare`):
at random init, and for each ``--checkpoint`` given (a trained run's ``last.ckpt`` or
``weights.pt``).

    python bench/ws_formulation.py --width 0.125 [--checkpoint runs/.../checkpoints/last.ckpt ...]
"""

from __future__ import annotations

import argparse

import torch

from sslkit.parts.backbones import WSConv2d, build_backbone


def qiao(w: torch.Tensor) -> torch.Tensor:
    """Qiao et al.'s released formulation: (w − mean) / (unbiased std + 1e-5), per filter."""
    c = w - w.mean(dim=(1, 2, 3), keepdim=True)
    return c / (c.flatten(1).std(dim=1).view(-1, 1, 1, 1) + 1e-5)


def compare(named_weights) -> float:
    """Print one row per layer; return the largest uneven shrink over all layers.

    Two things separate the formulations. (1) ε: sslkit's filters come out with std
    sqrt(var / (var + 1e-5)) < 1 (Qiao's: std / (std + 1e-5), about 1); the GroupNorm after the
    convolution removes a shrink shared by all filters, not the *spread* of the shrink between
    filters, so the spread is the column that could matter. (2) unbiased vs population std: a
    factor sqrt(n / (n − 1)) shared by every filter of a layer (n weights per filter), which the
    GroupNorm removes entirely."""
    print("| layer | filters | smallest filter variance | ε shrink, largest | ε shrink, spread between filters "
          "| unbiased/population std factor (shared) | largest |sslkit − Qiao| / |Qiao| |\n|---|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    for name, w in named_weights:
        w = w.float()
        var = w.var(dim=(1, 2, 3), unbiased=False)
        shrink = 1 - torch.sqrt(var / (var + 1e-5))  # per filter: how far below 1 sslkit's std falls
        spread = float(shrink.max() - shrink.min())
        n = w[0].numel()
        ours = (w - w.mean(dim=(1, 2, 3), keepdim=True)) / torch.sqrt(var.view(-1, 1, 1, 1) + 1e-5)
        theirs = qiao(w)
        rel = float(((ours - theirs).flatten(1).norm(dim=1) / theirs.flatten(1).norm(dim=1)).max())
        worst = max(worst, spread)
        print(f"| {name} | {len(w)} | {float(var.min()):.2e} | {float(shrink.max()):.4f} | {spread:.4f} "
              f"| {(n / (n - 1)) ** 0.5:.4f} | {rel:.4f} |")
    return worst


def ws_weights(state: dict) -> list[tuple[str, torch.Tensor]]:
    """The 4-d conv weights of a backbone state dict (Lightning checkpoint or weights file)."""
    state = state.get("state_dict", state)
    return [(k, v) for k, v in state.items() if k.startswith("backbone.") and k.endswith("weight") and v.ndim == 4
            and "target" not in k]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--width", type=float, default=0.125)
    ap.add_argument("--checkpoint", nargs="*", default=[])
    args = ap.parse_args()
    torch.manual_seed(0)
    net = build_backbone("resnet18", args.width, 1.0, "gn")
    layers = [(n, m.weight.detach()) for n, m in net.named_modules() if isinstance(m, WSConv2d)]
    print(f"## random init, resnet18 width {args.width:g}, GroupNorm + WS\n")
    print(f"\nlargest spread of the ε shrink between the filters of a layer, at init: {compare(layers):.4f}\n")
    for path in args.checkpoint:
        state = torch.load(path, map_location="cpu", weights_only=False)
        print(f"## {path}\n")
        print(f"\nlargest spread of the ε shrink between the filters of a layer: {compare(ws_weights(state)):.4f}\n")


if __name__ == "__main__":
    main()
