"""ipywidgets explorers: move a slider, the figure updates.

Outside a live kernel (GitHub, nbval, a committed notebook just opened) a widget shows only its
text form, so every notebook also draws the static figure the explorer starts from, and an
explorer's text form says what it is and how to use it (:func:`_explorer`) instead of ipywidgets'
``VBox(children=(SelectionSlider(…``.
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import torch
from torch import Tensor

from sslkit.course.plots import augmentation_grid, sinkhorn_steps, softmax_over_similarities
from sslkit.parts.augment import simclr_augment


def _show(out, fig) -> None:
    """Make the ``Output`` widget ``out`` show ``fig`` (and nothing else), then release the figure.

    Set through the widget's state (``append_display_data``) rather than captured from a
    ``with out: display(fig)`` block: nbclient — nbconvert and the reference command — stalls
    until its timeout on a large figure captured into an Output widget (nbclient issue 312;
    120 s per explorer here), and a state update is also safe from a slider's callback thread.
    The figure goes as a PNG (as the inline backend draws it), so any matplotlib backend works."""
    from IPython.display import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    out.outputs = ()
    out.append_display_data(Image(data=buf.getvalue(), format="png"))


def _explorer(children, what: str):
    """A VBox of ``children`` whose text form (what a reader sees before the cell runs) is a hint."""
    import ipywidgets as W

    class Explorer(W.VBox):
        def __repr__(self) -> str:  # ipywidgets cuts the text form at 110 characters
            return f"[{what} explorer: run this cell to move its sliders]"

    return Explorer(children)


def augmentation_explorer(images: Tensor, n_views: int = 6, seed: int = 0):
    """Sliders for crop scale, colour-jitter strength and grayscale probability over a grid
    of ``images`` (N, 3, H, W) and ``n_views`` views each; returns the widget to display."""
    import ipywidgets as W

    label = dict(style={"description_width": "initial"}, layout=W.Layout(width="32%"))  # labels in full
    crop = W.FloatSlider(value=0.08, min=0.05, max=1.0, step=0.01, description="min crop scale", **label)
    jitter = W.FloatSlider(value=0.5, min=0.0, max=1.5, step=0.05, description="jitter strength", **label)
    gray = W.FloatSlider(value=0.2, min=0.0, max=1.0, step=0.05, description="grayscale p", **label)
    out = W.Output()

    def redraw(*_):
        aug = simclr_augment(images.shape[-1], jitter.value).replace(
            crop_scale=(crop.value, 1.0), gray_p=gray.value, jitter_p=0.8 if jitter.value > 0 else 0.0
        )
        _show(out, augmentation_grid(images, aug, n_views, torch.Generator().manual_seed(seed)))

    for s in (crop, jitter, gray):
        s.observe(redraw, names="value")
    redraw()
    return _explorer([W.HBox([crop, jitter, gray]), out], "augmentation")


TEMPERATURES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 2.0, 3.0)


def temperature_explorer(sims: Tensor, positive: int):
    """A temperature slider over :func:`sslkit.course.plots.softmax_over_similarities`: watch the
    softmax over one anchor's similarities sharpen (small τ) or flatten (large τ)."""
    import ipywidgets as W

    # the values themselves, not log-spaced steps: a FloatLogSlider turns 0.5 into 0.501187
    tau = W.SelectionSlider(options=TEMPERATURES, value=0.5, description="temperature τ",
                            style={"description_width": "initial"}, layout=W.Layout(width="60%"))
    out = W.Output()

    def redraw(*_):
        _show(out, softmax_over_similarities(sims, positive, (tau.value,)))

    tau.observe(redraw, names="value")
    redraw()
    return _explorer([tau, out], "temperature")


EPSILONS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)


def sinkhorn_explorer(scores: Tensor):
    """Sliders for SwAV's ε and the number of Sinkhorn iterations over
    :func:`sslkit.course.plots.sinkhorn_steps` of ``scores`` (B, K): a small ε gives nearly one-hot
    codes, a large one nearly uniform ones; more iterations bring the prototype totals to B/K."""
    import ipywidgets as W

    label = dict(style={"description_width": "initial"}, layout=W.Layout(width="45%"))
    eps = W.SelectionSlider(options=EPSILONS, value=0.05, description="ε", **label)
    iters = W.IntSlider(value=3, min=1, max=20, description="Sinkhorn iterations", **label)
    out = W.Output()

    def redraw(*_):
        _show(out, sinkhorn_steps(scores, eps.value, (iters.value,)))

    for s in (eps, iters):
        s.observe(redraw, names="value")
    redraw()
    return _explorer([W.HBox([eps, iters]), out], "Sinkhorn ε")

