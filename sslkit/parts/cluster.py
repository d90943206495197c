"""k-means on the training device, for DeepCluster (Caron et al. 2018, https://arxiv.org/abs/1807.05520).

- :func:`pca_whiten`: centre the features, keep the top principal components, scale each to
  unit variance and L2-normalize every row — the paper's preprocessing before k-means.
- :func:`kmeans`: Lloyd's iterations from k-means++ seeds (or given centroids), batched
  distance computations in float32 on whatever device the features are on. **Empty clusters**
  are handled as in the paper (switchable off): an empty cluster takes a copy of a non-empty
  cluster's centroid chosen with probability proportional to its size, the two copies are
  pushed apart by a small random perturbation, and the next assignment splits that cluster's
  points between them. Returns a :class:`Clustering` with what the notebooks report.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor


@dataclass
class Clustering:
    """One k-means result. labels: (N,) cluster per point; centroids: (K, D); sizes: (K,)
    points per cluster; inertia: sum of squared distances to the assigned centroid;
    iterations: Lloyd iterations run; empty_fixed: empty clusters re-seeded along the way;
    empty: clusters still empty at the end (0 whenever the fix is on)."""

    labels: Tensor
    centroids: Tensor
    sizes: Tensor
    inertia: float
    iterations: int
    empty_fixed: int
    empty: int


def pca_whiten(x: Tensor, dim: int = 128, eps: float = 1e-5) -> Tensor:
    """x: (N, D) features → (N, min(dim, D, N)) whitened, L2-normalized rows (float32).

    The top ``dim`` principal directions of the centred features, each divided by its
    standard deviation (so no direction dominates the distances), then every row scaled to
    unit length, as DeepCluster does before k-means."""
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"pca_whiten needs (N, D) features with N ≥ 2; got shape {tuple(x.shape)}.")
    x = x.float()
    x = x - x.mean(0)
    cov = x.T @ x / (len(x) - 1)  # (D, D)
    vals, vecs = torch.linalg.eigh(cov)  # ascending
    k = min(dim, x.shape[1], len(x))
    vals, vecs = vals.flip(0)[:k], vecs.flip(1)[:, :k]
    return F.normalize(x @ vecs / (vals.clamp(min=0) + eps).sqrt(), dim=1)


def _sq_distances(x: Tensor, c: Tensor, chunk: int = 16384) -> tuple[Tensor, Tensor]:
    """(nearest centroid (N,), its squared distance (N,)), computed in chunks of rows."""
    c2 = (c * c).sum(1)
    labels, dists = [], []
    for part in x.split(chunk):
        d = (part * part).sum(1, keepdim=True) - 2 * part @ c.T + c2  # (n, K)
        m, i = d.min(1)
        labels.append(i)
        dists.append(m.clamp(min=0))
    return torch.cat(labels), torch.cat(dists)


def kmeans_plus_plus(x: Tensor, k: int, generator: torch.Generator) -> Tensor:
    """k-means++ seeds (Arthur & Vassilvitskii 2007): each next centroid is a point drawn with
    probability proportional to its squared distance to the nearest centroid so far. (k, D)."""
    first = torch.randint(len(x), (1,), generator=generator).item()
    centroids = [x[first]]
    _, d = _sq_distances(x, x[first:first + 1])
    for _ in range(1, k):
        p = d.cpu().double()
        i = torch.multinomial(p / p.sum() if p.sum() > 0 else torch.ones_like(p), 1, generator=generator).item()
        centroids.append(x[i])
        _, d_new = _sq_distances(x, x[i:i + 1])
        d = torch.minimum(d, d_new)
    return torch.stack(centroids)


def kmeans(x: Tensor, k: int, iters: int = 20, init: str | Tensor = "kmeans++", fix_empty: bool = True,
           seed: int = 0, perturbation: float = 1e-4) -> Clustering:
    """Cluster the rows of ``x`` (N, D) into ``k`` groups with Lloyd's algorithm.

    init: "kmeans++", "random" (k distinct points) or a (k, D) tensor of starting centroids.
    Stops after ``iters`` iterations or when no point changes cluster. ``fix_empty`` re-seeds
    empty clusters (module docstring); off, an empty cluster keeps its centroid and stays
    empty. ``perturbation`` is the relative size of the push that splits a re-seeded pair.
    """
    if x.ndim != 2:
        raise ValueError(f"kmeans needs (N, D) points; got shape {tuple(x.shape)}.")
    if not 1 <= k <= len(x):
        raise ValueError(f"kmeans needs 1 ≤ k ≤ N points; got k={k} for {len(x)} points.")
    x = x.float()
    g = torch.Generator().manual_seed(seed)
    if isinstance(init, Tensor):
        if init.shape != (k, x.shape[1]):
            raise ValueError(f"init centroids must have shape ({k}, {x.shape[1]}); got {tuple(init.shape)}.")
        c = init.float().to(x.device).clone()
    elif init == "kmeans++":
        c = kmeans_plus_plus(x, k, g)
    elif init == "random":
        c = x[torch.randperm(len(x), generator=g)[:k].to(x.device)].clone()
    else:
        raise ValueError(f"init must be 'kmeans++', 'random' or a ({k}, D) tensor; got {init!r}.")
    labels, fixed, it = None, 0, 0
    for it in range(1, iters + 1):
        new, _ = _sq_distances(x, c)
        if labels is not None and torch.equal(new, labels):
            break
        labels = new
        sizes = torch.bincount(labels, minlength=k)
        sums = torch.zeros_like(c).index_add_(0, labels, x)
        filled = sizes > 0
        c[filled] = sums[filled] / sizes[filled, None].to(x.dtype)
        if fix_empty and not filled.all():
            fixed += _reseed(c, sizes, g, perturbation)
    labels, d = _sq_distances(x, c)
    sizes = torch.bincount(labels, minlength=k)
    for _ in range(10):  # a split that took no points: re-seed until every cluster holds one
        if not fix_empty or (sizes > 0).all():
            break
        fixed += _reseed(c, sizes, g, perturbation)
        labels, d = _sq_distances(x, c)
        sizes = torch.bincount(labels, minlength=k)
    return Clustering(labels, c, sizes, float(d.sum()), it, fixed, int((sizes == 0).sum()))


def _reseed(c: Tensor, sizes: Tensor, g: torch.Generator, perturbation: float) -> int:
    """Give every empty cluster a perturbed copy of a non-empty centroid (chosen ∝ its size;
    the donor is pushed the other way). Modifies ``c``; returns the number re-seeded."""
    empty = (sizes == 0).nonzero().flatten().tolist()
    counts = sizes.double().cpu()
    for e in empty:
        donor = torch.multinomial(counts / counts.sum(), 1, generator=g).item()
        scale = c[donor].norm().clamp(min=1e-6) * perturbation
        push = torch.randn(c.shape[1], generator=g).to(c) * scale
        c[e] = c[donor] + push
        c[donor] = c[donor] - push
        counts[donor] /= 2  # its points are to be shared: a halved weight for the next draw
        counts[e] = counts[donor]
    return len(empty)


def nmi(a: Tensor, b: Tensor) -> float:
    """Normalized mutual information of two labelings of the same points (arithmetic-mean
    normalization, as scikit-learn's default): 1 = the same partition, 0 = independent."""
    a, b = a.flatten().long().cpu(), b.flatten().long().cpu()
    if a.shape != b.shape:
        raise ValueError(f"nmi needs two labelings of the same points; got {tuple(a.shape)} and {tuple(b.shape)}.")
    _, a = a.unique(return_inverse=True)
    _, b = b.unique(return_inverse=True)
    joint = torch.zeros(int(a.max()) + 1, int(b.max()) + 1, dtype=torch.float64)
    joint.index_put_((a, b), torch.ones(len(a), dtype=torch.float64), accumulate=True)
    p = joint / len(a)
    pa, pb = p.sum(1), p.sum(0)
    nz = p > 0
    mi = (p[nz] * (p[nz] / (pa[:, None] * pb[None, :])[nz]).log()).sum()
    ha = -(pa[pa > 0] * pa[pa > 0].log()).sum()
    hb = -(pb[pb > 0] * pb[pb > 0].log()).sum()
    denom = (ha + hb) / 2
    return 1.0 if denom == 0 else float(mi / denom)
