"""Measures of what a claim is about, not of downstream accuracy.

Some of the source text's claims are about a mechanism that can be measured directly, at any
scale, where accuracy differences of small runs sit inside the seed-to-seed spread:

- **Temperature** controls attraction and repulsion in contrastive learning: Wang & Isola 2020
  ("Understanding Contrastive Representation Learning through Alignment and Uniformity on the
  Hypersphere", https://arxiv.org/abs/2005.10242) measure it with :func:`alignment` (how close
  the two views of an image land) and :func:`uniformity` (how evenly all images spread over the
  sphere), both on the unit-length projections the loss sees; lower is better for each.
- **CPC's context network**: without it, each patch only has to predict the codes below it from
  its own code, and nothing asks the codes of one image to share what the image is about; the
  source text's claim is that the codes then become unique per patch. :func:`code_similarity`
  measures how much more alike the codes of two patches of one image are than those of patches
  of two different images (:func:`within_image_similarity` on the code grid).
- **Colour distortion**: without it, SimCLR can match two views by their colour histograms (the
  paper's Figure 6). :func:`neighbour_agreement` of a model's nearest neighbours with those of
  plain :func:`colour_histograms` says how far its feature space *is* a colour-histogram space.

The pure functions take tensors; :func:`projection_geometry` and :func:`colour_agreement` apply
them to a trained method; :func:`code_excess` and :func:`context_knn` are in the form an
experiment's sweep measures take (``fn(module, train, test) → float``,
:func:`sslkit.experiments.sweeps.sweep_run`), so a notebook and a script that records its runs
store the same number under the same name.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from sslkit.methods.features import extract_features
from sslkit.parts.augment import patch_grid, to_float
from sslkit.parts.data import ImageSet
from sslkit.training.evaluate import evaluate


def alignment(z1: Tensor, z2: Tensor, alpha: float = 2.0) -> float:
    """Wang & Isola's alignment loss: the mean over pairs of ‖ẑ1_i − ẑ2_i‖^α, with ẑ the unit-length
    rows. z1, z2: (N, d), row i of each the two views of image i. 0 when every pair coincides, 4
    (at α = 2) when every pair is antipodal."""
    if z1.shape != z2.shape or z1.ndim != 2:
        raise ValueError(f"alignment needs two (N, d) tensors of one shape, got {tuple(z1.shape)} and {tuple(z2.shape)}.")
    a, b = F.normalize(z1.float(), dim=1), F.normalize(z2.float(), dim=1)
    return float((a - b).norm(dim=1).pow(alpha).mean())


def uniformity(z: Tensor, t: float = 2.0) -> float:
    """Wang & Isola's uniformity loss: log of the mean over all pairs i < j of exp(−t ‖ẑ_i − ẑ_j‖²),
    with ẑ the unit-length rows of z (N, d), N ≥ 2. 0 when all points coincide (collapse); more
    negative the more evenly they cover the sphere."""
    if z.ndim != 2 or len(z) < 2:
        raise ValueError(f"uniformity needs (N, d) with N ≥ 2 points, got {tuple(z.shape)}.")
    u = F.normalize(z.float(), dim=1)
    return float(torch.pdist(u, p=2).pow(2).mul(-t).exp().mean().log())


def colour_histograms(images: Tensor, bins: int = 4) -> Tensor:
    """Joint RGB histograms: images (N, 3, H, W) uint8 or float in [0, 1] → (N, bins³), each row
    the share of the image's pixels in every colour cell (rows sum to 1)."""
    x = to_float(images)
    if x.ndim != 4 or x.shape[1] != 3:
        raise ValueError(f"colour_histograms needs images (N, 3, H, W), got {tuple(x.shape)}.")
    q = (x * bins).long().clamp_(0, bins - 1)  # (N, 3, H, W) the cell index per channel
    cell = (q[:, 0] * bins + q[:, 1]) * bins + q[:, 2]  # (N, H, W)
    counts = F.one_hot(cell.flatten(1), bins ** 3).sum(1).float()  # (N, bins³)
    return counts / counts.sum(1, keepdim=True)


def neighbour_agreement(sim_a: Tensor, sim_b: Tensor, k: int = 10) -> float:
    """Mean over queries of |top-k of a ∩ top-k of b| / k: how far two similarity matrices
    (M queries × N bank items, larger = more similar) pick the same k nearest neighbours. 1 when
    they pick the same sets; k / N on average for unrelated ones."""
    if sim_a.shape != sim_b.shape or sim_a.ndim != 2:
        raise ValueError(f"neighbour_agreement needs two (M, N) matrices of one shape, got "
                         f"{tuple(sim_a.shape)} and {tuple(sim_b.shape)}.")
    if not 1 <= k <= sim_a.shape[1]:
        raise ValueError(f"k must be between 1 and the bank size {sim_a.shape[1]}, got {k}.")
    ia, ib = sim_a.topk(k, dim=1).indices, sim_b.topk(k, dim=1).indices  # (M, k) each
    shared = (ia[:, :, None] == ib[:, None, :]).any(2).sum(1)  # (M,)
    return float(shared.float().mean() / k)


@torch.no_grad()
def projection_geometry(model, images: Tensor, seed: int = 0) -> dict[str, float]:
    """{"align", "uniform"} of a method with an ``augment`` and a ``projector`` (SimCLR, BYOL) on
    ``images`` (N, 3, H, W): alignment of the unit-length projections of two augmented views of
    every image (drawn from ``seed``), uniformity of the projections of the images themselves.
    Eval mode (BatchNorm's running statistics), the model's mode restored after."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        x = images.to(device)
        g = torch.Generator(device=device).manual_seed(seed)

        def z(batch):
            return F.normalize(model.projector(model.backbone(model.prepare(batch))).float(), dim=1)

        z1, z2 = z(model.augment(x, generator=g)), z(model.augment(x, generator=g))
        return {"align": alignment(z1, z2), "uniform": uniformity(z(x))}
    finally:
        model.train(was_training)


def colour_agreement(model, bank, queries, k: int = 10, bins: int = 4) -> float:
    """:func:`neighbour_agreement` between a model's k nearest neighbours (cosine of its
    ``features``) and the k nearest by colour histogram (cosine of the square-rooted histograms,
    the Hellinger affinity) of every image of ``queries`` in ``bank`` (both ImageSets)."""
    fb, fq = (F.normalize(extract_features(model, s).float(), dim=1) for s in (bank, queries))
    hb, hq = (colour_histograms(s.images, bins).sqrt() for s in (bank, queries))
    return neighbour_agreement(fq @ fb.T, hq @ hb.T, k)


def within_image_similarity(codes: Tensor) -> dict[str, float]:
    """codes (B, R, S, D), a grid of patch codes per image → {"within": mean cosine similarity of
    two different patches of one image, "across": of two patches of two different images,
    "excess": within − across}. Near 0 excess: a patch's code says no more about its own image than
    about any other (codes "unique per patch"); near 1 − across: every patch codes its image.
    Needs B ≥ 2 images of R·S ≥ 2 patches. Computed from per-image sums of unit codes, without
    the (B·R·S)² similarity matrix."""
    if codes.dim() != 4:
        raise ValueError(f"codes must be (B, R, S, D), got shape {tuple(codes.shape)}.")
    B, R, S, _ = codes.shape
    P = R * S
    if B < 2 or P < 2:
        raise ValueError(f"need at least 2 images of at least 2 patches, got {B} images of {P} patches.")
    c = F.normalize(codes.double().reshape(B, P, -1), dim=-1)
    m = c.sum(1)  # (B, D): Σ_p c_bp
    per_image = (m * m).sum(1)  # |m_b|² = Σ_{p,q} c_bp · c_bq, the diagonal (p = q) adding P
    total = m.sum(0)
    within = float((per_image - P).sum() / (B * P * (P - 1)))
    across = float(((total * total).sum() - per_image.sum()) / (B * (B - 1) * P * P))
    return {"within": within, "across": across, "excess": within - across}


@torch.no_grad()
def code_similarity(model, images: Tensor, batch_size: int = 250) -> dict[str, float]:
    """:func:`within_image_similarity` of a CPC model's codes of the un-augmented patch grid of
    ``images`` (N, 3, H, W). Eval mode, the model's mode restored after."""
    device = next(model.parameters()).device
    hp = model.hparams
    was_training = model.training
    model.eval()
    try:
        codes = torch.cat([model.encode(patch_grid(x.to(device), hp.patch, hp.stride)).float().cpu()
                           for x in images.split(batch_size)])
    finally:
        model.train(was_training)
    return within_image_similarity(codes)


def code_excess(queries: ImageSet):
    """A sweep measure: ``fn(module, train, test)`` → :func:`code_similarity`'s ``"excess"`` of a
    CPC module's codes of ``queries``' images (fixed test images, so every run of an experiment
    is measured on the same ones; ``train`` and ``test`` are not read)."""
    def measure(model, train=None, test=None) -> float:
        return code_similarity(model, queries.images)["excess"]
    return measure


def context_knn(model, train: ImageSet, test: ImageSet) -> float:
    """A sweep measure: kNN top-1 of a CPC module's pooled *context* (both directions joined when
    bidirectional) instead of its pooled codes (:meth:`~sslkit.methods.cpc.CPC.context_view`), ``train`` the bank."""
    return evaluate(model.context_view(), train, test, probe=False)["knn"]
