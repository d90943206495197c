"""Figures the notebooks close their sections with. Each returns a matplotlib Figure.

- :func:`image_grid` / :func:`augmentation_grid`: images, and one image beside its views
- :func:`embedding`: t-SNE or PCA of features coloured by class
- :func:`training_curves`: loss, accuracy and (where logged) collapse monitor per epoch
- :func:`collapse_curves`: the collapse monitor of several runs side by side
- :func:`pretext_vs_features`: a pretext task's accuracy beside its features' kNN and rank
- :func:`retrieval_grid`: query images and their nearest neighbours in feature space
- :func:`accuracy_bars`: kNN / linear-probe bars per model, e.g. floor vs supervised
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from sslkit.experiments.scaling import summary
from sslkit.parts.augment import Augment, to_float
from sslkit.parts.losses import sinkhorn
from sslkit.training.curve import read_curve
from sslkit.training.runs import read_metrics


def _hwc(img: Tensor) -> np.ndarray:
    return to_float(img.detach().cpu()).clamp(0, 1).permute(1, 2, 0).numpy()


def image_grid(images: Tensor, titles: list[str] | None = None, ncols: int = 8, scale: float = 1.2, suptitle=None):
    """images: (N, 3, H, W) uint8 or float in [0, 1]."""
    n = len(images)
    nrows = max(1, -(-n // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * scale, nrows * scale), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(_hwc(images[i]), interpolation="nearest")
            if titles:
                ax.set_title(titles[i], fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def augmentation_grid(images: Tensor, augment: Augment, n_views: int = 7, generator=None, title=None):
    """One row per image: the original, then ``n_views`` independent augmented views."""
    rows = []
    for img in images:
        batch = img.unsqueeze(0).expand(n_views, -1, -1, -1)  # the same image n times: every view differs
        v = augment(batch, generator)
        orig = F.interpolate(to_float(img)[None], size=v.shape[-2:], mode="nearest")
        rows.append(torch.cat([orig, v]))
    grid = torch.cat(rows)
    titles = (["original"] + [f"view {i + 1}" for i in range(n_views)]) + [""] * (len(grid) - n_views - 1)
    return image_grid(grid, titles, ncols=n_views + 1, suptitle=title)


def embedding(features: Tensor, labels: Tensor, classes, method: str = "tsne", max_points: int = 2000,
              seed: int = 0, ax=None, title: str | None = None):
    """2-D map of features (N, D) coloured by class, by t-SNE or PCA (a random subset of
    ``max_points`` for t-SNE's sake)."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(features), generator=g)[:max_points]
    x = F.normalize(features[idx].float(), dim=1).cpu().numpy()
    y = labels[idx].cpu().numpy()
    if method == "tsne":
        xy = TSNE(2, perplexity=min(30, (len(x) - 1) / 3), init="pca", random_state=seed).fit_transform(x)
    elif method == "pca":
        xy = PCA(2, random_state=seed).fit_transform(x)
    else:
        raise ValueError(f"method must be 'tsne' or 'pca', got {method!r}.")
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.5, 5))
    cmap = plt.get_cmap("tab10")
    for c, name in enumerate(classes):
        m = y == c
        ax.scatter(xy[m, 0], xy[m, 1], s=5, color=cmap(c % 10), label=name)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title or f"{method.upper()} of features")
    ax.legend(markerscale=3, fontsize=7, loc="best", frameon=False)
    return fig or ax.figure


def training_curves(run_dir: str | Path, title: str | None = None, reference: dict[str, float] | None = None,
                    collapse: bool | None = None):
    """Loss (left) and accuracy (middle) per epoch: the pretext task's accuracy where the method
    logs one, and the online probe's on train and test; ``reference`` draws dashed lines,
    e.g. {"supervised (linear)": 0.8} — the online probe is a linear classifier, so compare it
    with linear-probe numbers (``reference_lines(results, metric="linear")``), not kNN. With ``collapse`` (default: when the run logged it) a third panel
    shows the collapse monitor: std of the L2-normalized z (and h) against 1/√d."""
    df = read_metrics(run_dir)
    collapse = any(c.startswith("collapse/") for c in df) if collapse is None else collapse
    fig, axes = plt.subplots(1, 3 if collapse else 2, figsize=(15 if collapse else 10, 3.5))
    a1, a2 = axes[0], axes[1]
    if "train/loss_epoch" in df:
        a1.plot(df.index + 1, df["train/loss_epoch"], marker="o")
    a1.set(xlabel="epoch", ylabel="training loss", title="loss")
    for col, label in (("train/pretext_acc", "pretext task (train)"), ("train/acc", "train (online)"),
                       ("val/acc", "test (online)")):
        if col in df and df[col].notna().any():
            s = df[col].dropna()
            a2.plot(s.index + 1, 100 * s, marker="o", label=label)
    for i, (name, v) in enumerate((reference or {}).items()):
        a2.axhline(100 * v, ls="--", color=f"C{i + 3}", label=name)
    a2.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    a2.legend(fontsize=8)
    if collapse:
        _collapse_panel(axes[2], [("z (projection)", df, "z"), ("h (backbone)", df, "h")])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _collapse_panel(ax, lines, stat: str = "std"):
    """One line per (label, metrics frame, key) for collapse/<key>_<stat>; dashed 1/√d lines for std."""
    dims = set()
    for i, (name, df, key) in enumerate(lines):
        col = f"collapse/{key}_{stat}"
        if col not in df or df[col].notna().sum() == 0:
            continue
        s = df[col].dropna()
        ax.plot(s.index + 1, s, marker="o", color=f"C{i}", label=name)
        if f"collapse/{key}_dim" in df:
            dims.add(int(df[f"collapse/{key}_dim"].dropna().iloc[-1]))
    if stat == "std":
        for d in sorted(dims):
            ax.axhline(d ** -0.5, ls="--", color="gray", lw=1)
            ax.text(0.01, d ** -0.5, f" 1/√{d}", transform=ax.get_yaxis_transform(), fontsize=7, color="gray",
                    va="top")
        ax.set(ylabel="std of L2-normalized output", title="collapse monitor (0 = collapsed)")
        ax.set_ylim(bottom=0)
    else:
        from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

        ax.set(ylabel="effective rank", title="effective rank (1 = collapsed)")
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.legend(fontsize=8)


def collapse_curves(runs: dict[str, str | Path], key: str = "z", title: str | None = None):
    """The collapse monitor of several runs (name → run folder): std of the L2-normalized
    ``key`` output against 1/√d (left) and its effective rank (right), per epoch."""
    lines = [(name, read_metrics(run), key) for name, run in runs.items()]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.5))
    _collapse_panel(a1, lines, "std")
    _collapse_panel(a2, lines, "rank")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


@torch.no_grad()
def retrieval_grid(query_images: Tensor, query_h: Tensor, gallery_images: Tensor, gallery_h: Tensor, k: int = 8,
                   query_labels=None, gallery_labels=None, classes=None):
    """Each row: a query image, then its ``k`` most cosine-similar gallery images.
    With labels, a neighbour of the wrong class gets a red title."""
    sim = F.normalize(query_h.float(), dim=1) @ F.normalize(gallery_h.float(), dim=1).T
    top = sim.topk(k, dim=1).indices.cpu()
    n = len(query_images)
    fig, axes = plt.subplots(n, k + 1, figsize=((k + 1) * 1.1, n * 1.2), squeeze=False)
    for i in range(n):
        axes[i, 0].imshow(_hwc(query_images[i]), interpolation="nearest")
        axes[i, 0].set_title("query" if classes is None else f"query: {classes[int(query_labels[i])]}", fontsize=7)
        for j, g in enumerate(top[i].tolist()):
            axes[i, j + 1].imshow(_hwc(gallery_images[g]), interpolation="nearest")
            if classes is not None:
                ok = int(gallery_labels[g]) == int(query_labels[i])
                axes[i, j + 1].set_title(classes[int(gallery_labels[g])], fontsize=7, color="black" if ok else "red")
    for ax in axes.flat:
        ax.axis("off")
    fig.tight_layout()
    return fig


def accuracy_bars(results: dict[str, dict], columns=("knn", "linear"), title: str | None = None):
    """Grouped bars: one group per model, one bar per metric, values printed on the bars."""
    names = list(results)
    fig, ax = plt.subplots(figsize=(1.6 * len(names) + 2, 3.5))
    w = 0.8 / len(columns)
    for j, c in enumerate(columns):
        vals = [100 * results[n].get(c, np.nan) for n in names]
        bars = ax.bar(np.arange(len(names)) + j * w - 0.4 + w / 2, vals, w, label=c)
        ax.bar_label(bars, fmt="%.1f", fontsize=8)
    ax.set_xticks(np.arange(len(names)), names)
    ax.set_ylabel("test top-1 (%)")
    ax.set_ylim(0, 105)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def sweep(values, accuracies: dict[str, list[float]], xlabel: str, title: str | None = None,
          reference: dict[str, float] | None = None, categorical: bool = False, logx: bool = False):
    """Accuracy (%) against one setting. ``accuracies`` maps a metric name to one value per
    setting; ``reference`` draws dashed lines (e.g. the floor)."""
    fig, ax = plt.subplots(figsize=(5, 3.5))
    xs = np.arange(len(values)) if categorical else np.asarray(values, dtype=float)
    for name, accs in accuracies.items():
        ax.plot(xs, 100 * np.asarray(accs), marker="o", label=name)
        for x, a in zip(xs, accs):
            ax.annotate(f"{100 * a:.1f}", (x, 100 * a), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    for i, (name, v) in enumerate((reference or {}).items()):
        ax.axhline(100 * v, ls="--", color=f"C{i + 3}", label=name)
    if categorical:
        ax.set_xticks(xs, [str(v) for v in values])
    elif logx:
        ax.set_xscale("log", base=2)
        ax.set_xticks(xs, [str(v) for v in values])
    ax.set(xlabel=xlabel, ylabel="test top-1 (%)")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def softmax_over_similarities(sims: Tensor, positive: int, temperatures=(0.1, 0.5, 1.0), axes=None):
    """How temperature shapes NT-Xent's softmax for one anchor.

    sims: (M,) cosine similarities of the anchor to every candidate, ``positive`` the index of
    its other view. One panel per temperature: candidates sorted by similarity, bar height =
    softmax(sims / τ), the positive in red."""
    order = sims.argsort(descending=True)
    fig = None
    if axes is None:
        fig, axes = plt.subplots(1, len(temperatures), figsize=(4 * len(temperatures), 3), squeeze=False)
        axes = axes[0]
    for ax, t in zip(axes, temperatures):
        p = torch.softmax(sims / t, dim=0)[order].cpu().numpy()
        colors = ["C3" if int(i) == positive else "C0" for i in order]
        ax.bar(np.arange(len(p)), p, color=colors, width=1.0)
        rank = int((order == positive).nonzero()[0, 0])
        ax.plot(rank, p[rank], "v", color="C3", markersize=9, label="positive (other view)")
        ax.set_title(f"τ = {t:g}: the positive gets {p[rank]:.1%}", fontsize=10)
        ax.legend(fontsize=8)
        ax.set_xlabel("candidates, most similar first")
    axes[0].set_ylabel("softmax probability")
    if fig:
        fig.tight_layout()
    return fig or axes[0].figure


def seed_bars(groups: dict, floor: float | None = None, main: float | None = None,
              ylabel: str = "kNN top-1 (%)", title: str | None = None, ystart: float = 0.0, ax=None):
    """One bar per setting at the mean over seeds, ± one standard deviation, each seed a dot;
    the random-init ``floor`` and the ``main`` run (same metric) as labelled dashed lines.

    groups: {setting: [accuracy per seed (0–1)]}, or {setting: {series: [accuracy per seed]}}
    for side-by-side bars per setting (e.g. {"stage 1": {"RotNet": [...], "random init": [...]}}),
    one colour per series. The y-axis starts at ``ystart`` (%), stated in the axis label, and ends
    a little above the highest value, so a 3-point spread is drawn as 3 points, not as the whole
    frame."""
    fig = None
    names = list(groups)
    nested = all(isinstance(groups[n], dict) for n in names)
    if not nested and any(isinstance(groups[n], dict) for n in names):
        raise ValueError("groups mixes lists and dicts: give every setting a list, or every setting a {series: list}.")
    series = list(dict.fromkeys(k for n in names for k in groups[n])) if nested else [None]
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.3 * len(groups) * (1 + 0.5 * (len(series) - 1)) + 2.5, 3.6))
    width = 0.8 / len(series)
    tops = []
    for j, ser in enumerate(series):
        vals = [100 * np.asarray(groups[n][ser] if nested else groups[n], dtype=float) for n in names]
        means = np.array([v.mean() for v in vals])
        sds = np.array([v.std(ddof=1) if len(v) > 1 else 0.0 for v in vals])
        xs = np.arange(len(names)) + (j - (len(series) - 1) / 2) * width
        label = f"{ser + ': ' if nested else ''}mean ± sd ({len(vals[0])} seeds)"
        ax.bar(xs, means, width=0.9 * width if nested else 0.8, yerr=sds, capsize=4, color=f"C{j}", alpha=0.75,
               label=label)
        for x, v in zip(xs, vals):
            ax.plot(np.full(len(v), x) + np.linspace(-0.15, 0.15, len(v)) * width, v, "o", color="k", ms=3)
        for x, m, sd in zip(xs, means, sds):
            ax.annotate(f"{m:.1f} ± {sd:.1f}", (x, m + sd), textcoords="offset points", xytext=(0, 4), ha="center",
                        fontsize=7 if nested else 8, zorder=5,  # over the floor / main-run lines, on white
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
        tops += list(means + sds)
    for value, label, color in ((floor, "random init (floor)", "C3"), (main, "main run", "C2")):
        if value is not None:
            ax.axhline(100 * value, ls="--", color=color, label=f"{label}: {100 * value:.1f}")
    top = max(tops + [100 * v for v in (floor, main) if v is not None])
    ax.set_ylim(ystart, top + 8)
    ax.set_xticks(np.arange(len(names)), [textwrap.fill(str(n), 14) for n in names])  # long names side by side
    ax.set_ylabel(f"{ylabel}, axis from {ystart:g}")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: never over a bar
    if fig is not None:
        fig.tight_layout()
    return fig or ax.figure


def sinkhorn_steps(scores: Tensor, eps: float = 0.1, iters=(1, 2, 3)):
    """Codes of a small score matrix (B samples × K prototypes) as heat maps: the plain softmax
    of scores / ε (no equipartition), then :func:`sslkit.parts.losses.sinkhorn` after each number of
    ``iters``. Under each map, every prototype's total over the batch (B/K when equal), so the
    rescaling towards uniform marginals is visible."""
    panels = [("softmax (no equipartition)", torch.softmax(scores.float() / eps, dim=1))]
    panels += [(f"Sinkhorn, {n} iteration{'s' if n > 1 else ''}", sinkhorn(scores, eps, n)) for n in iters]
    fig, axes = plt.subplots(1, len(panels), figsize=(2.6 * len(panels), 0.28 * len(scores) + 1.8), squeeze=False)
    B, K = scores.shape
    for ax_, (title, codes) in zip(axes[0], panels):
        ax_.imshow(codes.numpy(), cmap="Blues", vmin=0, vmax=1, aspect="auto")
        totals = codes.sum(0)
        ax_.set_title(title, fontsize=9)
        ax_.set_xticks(range(K), [f"{t:.1f}" for t in totals], fontsize=8)
        ax_.set_xlabel(f"prototype totals (equal: {B / K:.1f})", fontsize=8)
        ax_.set_yticks([])
    axes[0][0].set_ylabel(f"{B} samples")
    fig.suptitle(f"codes at ε = {eps:g}: each row sums to 1", fontsize=10)
    fig.tight_layout()
    return fig


def label_curves(curves: dict[str, dict[float, list[float]]], title: str | None = None,
                 ylabel: str = "test top-1 (%)", ax=None, styles: dict[str, dict] | None = None):
    """Accuracy against the fraction of labelled training images, log-x: one line per model at
    the mean over label draws, ± one standard deviation as error bars (none for a single draw).

    curves: {model: {fraction (0–1]: [accuracy per draw (0–1)]}}; ``styles`` may give a model
    matplotlib keywords (e.g. {"floor": {"ls": "--", "color": "k"}})."""
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for i, (name, by_fraction) in enumerate(curves.items()):
        fr = sorted(by_fraction)
        vals = [100 * np.asarray(by_fraction[f], dtype=float) for f in fr]
        means = [v.mean() for v in vals]
        sds = [v.std(ddof=1) if len(v) > 1 else 0.0 for v in vals]
        style = {"marker": "o", "color": f"C{i % 10}", **(styles or {}).get(name, {})}
        ax.errorbar([100 * f for f in fr], means, yerr=sds, capsize=3, label=name, **style)
    ax.set_xscale("log")
    fracs = sorted({f for c in curves.values() for f in c})
    ax.set_xticks([100 * f for f in fracs], [f"{100 * f:g}%" for f in fracs])
    ax.minorticks_off()
    ax.set(xlabel="labelled training images", ylabel=ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=7, ncol=2, title="mean ± sd over label draws", title_fontsize=7)
    if fig is not None:
        fig.tight_layout()
    return fig or ax.figure


def knn_curves(runs: dict[str, list[dict]], floor: float | None = None, cores: int = 2, title: str | None = None,
               ax=None):
    """Each main run's kNN against the CPU it had spent, log-x, side by side (notebook 08).

    runs: {label: a run's curve (:func:`sslkit.training.curve.read_curve`: dicts with "knn" 0–1
    and "cpu_s", the training process's CPU seconds at that point, its evaluations left out)}.
    x is ``cpu_s / cores`` in minutes — minutes of all ``cores`` cores busy, which pauses and
    other processes do not inflate the way they do wall time. ``floor`` (0–1): the random-init
    kNN, drawn as a dashed line."""
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4.2))
    for i, (name, rows) in enumerate(runs.items()):
        if not rows or any("cpu_s" not in r for r in rows):
            raise ValueError(f"{name}: a curve needs rows with the CPU seconds each point had spent (cpu_s); "
                             "curves recorded before sslkit kept them cannot be drawn on this axis.")
        x = [r["cpu_s"] / cores / 60 for r in rows]
        y = [100 * r["knn"] for r in rows]
        ax.plot(x, y, marker="o", color=f"C{i % 10}", label=f"{name} ({y[-1]:.1f}%)")
    if floor is not None:
        ax.axhline(100 * floor, ls="--", color="k", lw=1, label=f"random init ({100 * floor:.1f}%)")
    ax.set_xscale("log")
    ax.set(xlabel=f"CPU minutes of training ({cores} cores busy; log)", ylabel="kNN top-1 (%)")
    ax.set_title(title or "kNN along each main run")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    if fig is not None:
        fig.tight_layout()
    return fig or ax.figure


def pretext_vs_features(run_dir: str | Path, floor: float | None = None, title: str | None = None, key: str = "h"):
    """What training on a pretext task did to the features, per epoch (log-x), from one run's
    logs: the pretext task's training accuracy and, where the run recorded a curve
    (:func:`sslkit.training.curve.read_curve`: the full-scale main runs), the kNN of its frozen
    features, the random-init kNN ``floor`` (0–1) dashed (left); the effective rank of the
    backbone's features (``key`` "h"; "z" for a projection) against their dimension (right).
    Notebook 02 draws Jigsaw's main run with it: a puzzle solved early while the rank falls."""
    df = read_metrics(run_dir)
    if "train/pretext_acc" not in df or df["train/pretext_acc"].notna().sum() == 0:
        raise ValueError(f"{run_dir}: no train/pretext_acc in its logs — only a method with a pretext task "
                         "(RotNet, Jigsaw) logs one.")
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.6))
    acc = df["train/pretext_acc"].dropna()
    a1.plot(acc.index + 1, 100 * acc, marker="o", color="C0", label="pretext task (train)")
    curve = read_curve(run_dir)
    if curve:
        a1.plot([r["epoch"] for r in curve], [100 * r["knn"] for r in curve], marker="s", color="C1",
                label="kNN of the frozen features (test)")
    if floor is not None:
        a1.axhline(100 * floor, ls="--", color="k", lw=1, label=f"kNN at random init ({100 * floor:.1f}%)")
    a1.set(xscale="log", xlabel="epoch (log)", ylabel="accuracy (%)", title="the task and the features")
    a1.legend(fontsize=7)
    rank, dim = f"collapse/{key}_rank", f"collapse/{key}_dim"
    if rank in df and df[rank].notna().any():
        r = df[rank].dropna()
        a2.plot(r.index + 1, r, marker="o", color="C2", label=f"effective rank of {key}")
        if dim in df and df[dim].notna().any():
            d = int(df[dim].dropna().iloc[-1])
            a2.axhline(d, ls="--", color="gray", lw=1, label=f"dimension ({d})")
        a2.set_ylim(bottom=0)
        a2.legend(fontsize=7)
    else:
        a2.text(0.5, 0.5, "no effective rank logged", ha="center", va="center", transform=a2.transAxes)
    a2.set(xscale="log", xlabel="epoch (log)", ylabel="effective rank", title=f"how many directions {key} uses")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def size_curves(rows: dict[str, list[dict]], x: str = "params", metric: str = "linear", ax=None,
                title: str | None = None, xlabel: str | None = None, styles: dict[str, dict] | None = None):
    """Accuracy against model size, log-x: one line per method, mean over seeds ± one standard
    deviation as error bars.

    rows: {method: rows of :func:`sslkit.experiments.scaling.size_sweep`} — each row a run with the size's
    ``x`` (``params``, ``flops`` or ``train_flops``) and ``metric`` (0–1)."""
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.5, 4))
    for i, (name, method_rows) in enumerate(rows.items()):
        s = summary(method_rows).sort_values(x)
        style = {"marker": "o", "color": f"C{i % 10}", **(styles or {}).get(name, {})}
        ax.errorbar(s[x], 100 * s[f"{metric}_mean"], yerr=100 * s[f"{metric}_sd"], capsize=3, label=name, **style)
    ax.set_xscale("log")
    ax.set(xlabel=xlabel or {"params": "encoder parameters", "flops": "encoder FLOPs per image (forward)",
                             "train_flops": "training FLOPs (whole run)"}.get(x, x),
           ylabel={"knn": "kNN", "linear": "linear probe", "linear10": "10%-label linear probe"}.get(metric, metric)
           + ", test top-1 (%)")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, title="mean ± sd over seeds", title_fontsize=7)
    if fig is not None:
        fig.tight_layout()
    return fig or ax.figure


def align_uniform(points: dict[str, tuple[list[float], list[float]]], title: str | None = None, ax=None):
    """Wang & Isola's picture of a contrastive representation: uniformity loss (x) against
    alignment loss (y), lower-left better on both. points: {setting: ([alignment per seed],
    [uniformity per seed])}; each seed a dot, the setting's mean a larger marker with its name."""
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.2, 4))
    for i, (name, (align, unif)) in enumerate(points.items()):
        ax.plot(unif, align, "o", color=f"C{i}", ms=4, alpha=0.6)
        ax.plot(np.mean(unif), np.mean(align), "D", color=f"C{i}", ms=8, label=f"{name} (mean of {len(align)} seeds)")
    ax.set(xlabel="uniformity loss  log E exp(−2‖z_i − z_j‖²)  (lower: spread more evenly)",
           ylabel="alignment loss  E‖z − z⁺‖²  (lower: views closer)")
    ax.xaxis.label.set_fontsize(8)
    ax.yaxis.label.set_fontsize(8)
    ax.annotate("better", xy=(0.04, 0.06), xycoords="axes fraction", xytext=(0.2, 0.22),
                arrowprops=dict(arrowstyle="->", color="0.4"), fontsize=8, color="0.4")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=7)
    if fig is not None:
        fig.tight_layout()
    return fig or ax.figure
