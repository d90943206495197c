"""ipywidgets explorers: move a slider, the figure updates.

Outside a live kernel (GitHub, nbval) a widget shows only its text form, so every notebook
also draws the static figure the explorer starts from.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from torch import Tensor

from .augment import simclr_augment
from .plots import augmentation_grid


def augmentation_explorer(images: Tensor, n_views: int = 6, seed: int = 0):
    """Sliders for crop scale, colour-jitter strength and grayscale probability over a grid
    of ``images`` (N, 3, H, W) and ``n_views`` views each; returns the widget to display."""
    import ipywidgets as W

    crop = W.FloatSlider(value=0.08, min=0.05, max=1.0, step=0.01, description="min crop scale")
    jitter = W.FloatSlider(value=0.5, min=0.0, max=1.5, step=0.05, description="jitter strength")
    gray = W.FloatSlider(value=0.2, min=0.0, max=1.0, step=0.05, description="grayscale p")
    out = W.Output()

    def redraw(*_):
        aug = simclr_augment(images.shape[-1], jitter.value).replace(
            crop_scale=(crop.value, 1.0), gray_p=gray.value, jitter_p=0.8 if jitter.value > 0 else 0.0
        )
        with out:
            out.clear_output(wait=True)
            fig = augmentation_grid(images, aug, n_views, torch.Generator().manual_seed(seed))
            plt.show(fig)

    for s in (crop, jitter, gray):
        s.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([crop, jitter, gray]), out])


def temperature_explorer(sims: Tensor, positive: int):
    """A temperature slider over :func:`sslkit.plots.softmax_over_similarities`: watch the
    softmax over one anchor's similarities sharpen (small τ) or flatten (large τ)."""
    import ipywidgets as W

    from .plots import softmax_over_similarities

    tau = W.FloatLogSlider(value=0.5, base=10, min=-2, max=0.5, step=0.05, description="temperature τ")
    out = W.Output()

    def redraw(*_):
        with out:
            out.clear_output(wait=True)
            plt.show(softmax_over_similarities(sims, positive, (tau.value,)))

    tau.observe(redraw, names="value")
    redraw()
    return W.VBox([tau, out])
