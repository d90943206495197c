"""Losses as pure functions. Shapes: B = local batch, D = embedding dim, W = world size.

All are computed in float32 even under bf16/fp16 autocast (:func:`float32`: inputs cast up,
autocast switched off inside): a temperature of 0.05 turns bf16's 3 significant digits of
cosine similarity into logits that are off by whole units.
"""

from __future__ import annotations

import functools

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor


def float32(loss_fn):
    """Run ``loss_fn`` in float32: tensor arguments are cast up and autocast is off inside, so a
    bf16 or fp16 autocast region around the training step never reaches the loss's matmuls."""

    @functools.wraps(loss_fn)
    def wrapper(*args, **kwargs):
        device = next((a.device.type for a in args if isinstance(a, Tensor)), "cpu")
        args = [a.float() if isinstance(a, Tensor) and a.is_floating_point() else a for a in args]
        with torch.autocast(device, enabled=False):
            return loss_fn(*args, **kwargs)

    return wrapper


def _positive(**values) -> None:
    """A temperature or ε divides the scores: 0 gives NaN, a negative one flips the softmax."""
    for name, v in values.items():
        if not v > 0:
            raise ValueError(f"{name} must be > 0 (the scores are divided by it), got {v!r}.")


@float32
def info_nce(anchors: Tensor, candidates: Tensor, positives: Tensor, temperature: float = 0.1,
             exclude: Tensor | None = None) -> Tensor:
    """InfoNCE (van den Oord et al. 2018, https://arxiv.org/abs/1807.03748): classify each
    anchor's positive among all candidates by cosine similarity / temperature.

    anchors: (N, D), candidates: (M, D), positives: (N,) index of each anchor's positive in
    candidates, exclude: optional (N, M) bool of pairs that are neither positive nor negative
    (e.g. an anchor and itself). Returns the mean cross-entropy over anchors, a scalar.
    """
    _positive(temperature=temperature)
    a = F.normalize(anchors.float(), dim=1)
    c = F.normalize(candidates.float(), dim=1)
    logits = a @ c.T / temperature  # (N, M)
    if exclude is not None:
        logits = logits.masked_fill(exclude, float("-inf"))
    return F.cross_entropy(logits, positives)


@float32
def cpc_loss(predictions: list[Tensor], codes: Tensor, temperature: float = 0.1,
             first: int = 1) -> tuple[Tensor, Tensor]:
    """CPC's InfoNCE over a grid of patch codes (van den Oord et al. 2018; Hénaff et al. 2019).

    codes: (B, R, S, D), the code of every patch of every image; predictions: K tensors, the
    k-th (B, R − k, S, D) — from the context at row r, the prediction of the code at row r + k
    in the same column (k = ``first`` … ``first`` + K − 1; 1 … K by default). Each prediction must pick its true code among the **B·S
    codes of its target's row across the batch**: the other patches of that row in its own
    image (hard negatives: neighbours that share its surroundings) and the row in every other
    image. (Candidates from every row, B·R·S of them, would cost R = 7 times more; on a CPU
    that is most of a training step.) Scores are cosine / ``temperature``.

    Returns (loss: the mean over k of each step's mean cross-entropy, a scalar; accuracy: (K,),
    how often the true code scores highest, per step; chance is 1 / (B·S)).
    """
    B, R, S, D = codes.shape
    candidates = F.normalize(codes.float(), dim=-1)
    target = torch.arange(B * S, device=codes.device)
    losses, accs = [], []
    if first < 1:
        raise ValueError(f"first (the nearest row predicted) must be at least 1, got {first}.")
    for k, pred in enumerate(predictions, start=first):
        if pred.shape != (B, R - k, S, D):
            raise ValueError(f"prediction {k} steps ahead must be {(B, R - k, S, D)}, got {tuple(pred.shape)}.")
        anchors = F.normalize(pred.float(), dim=-1).transpose(0, 1).reshape(R - k, B * S, D)  # per target row
        rows = candidates[:, k:].transpose(0, 1).reshape(R - k, B * S, D)
        logits = anchors @ rows.transpose(1, 2) / temperature  # (R − k, B·S, B·S)
        losses.append(F.cross_entropy(logits.flatten(0, 1), target.repeat(R - k)))
        accs.append((logits.detach().argmax(-1) == target).float().mean())
    return torch.stack(losses).mean(), torch.stack(accs)


def gather_with_grad(x: Tensor) -> Tensor:
    """Concatenate ``x`` (B, D) from every process in rank order → (W·B, D), keeping the
    gradient path back to each process's own slice. Identity outside distributed runs."""
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return x
    from torch.distributed.nn.functional import all_gather

    return torch.cat(all_gather(x), dim=0)


def _distributed() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


@float32
def nt_xent(z1: Tensor, z2: Tensor, temperature: float = 0.5, gather: bool | None = None,
            negatives: int | None = None) -> Tensor:
    """NT-Xent, SimCLR's loss (Chen et al. 2020, https://arxiv.org/abs/2002.05709).

    z1, z2: (B, D) projections of two views of the same B images. Each of the 2B views is an
    anchor; its positive is the other view of its image; every other view in the batch — the
    2B-2 others, or 2·W·B-2 with ``gather`` — is a negative. Returns the mean over anchors.

    ``gather`` (default: on whenever the world size is > 1) takes the negatives from every
    process, gathered with gradients, so a DDP run computes exactly the loss of one process
    on the global batch. Without it each GPU would only contrast against its own slice.

    ``negatives``: keep only this many negatives per anchor, drawn afresh at every call
    (:func:`sampled_negatives`), the others left out of the softmax's denominator. The batch,
    the images and the compute stay the same, so this changes *only* the number of negatives —
    the variable behind "bigger batches help", which a change of batch size confounds with the
    number of steps or of images seen. ``None``: all of them.
    """
    if z1.shape != z2.shape or z1.ndim != 2:
        raise ValueError(f"nt_xent needs two (B, D) tensors of one shape; got {tuple(z1.shape)} and {tuple(z2.shape)}.")
    gather = _distributed() if gather is None else gather
    B = len(z1)
    Z1, Z2 = (gather_with_grad(z1), gather_with_grad(z2)) if gather else (z1, z2)
    total = len(Z1)  # W·B
    offset = dist.get_rank() * B if gather and _distributed() else 0
    idx = torch.arange(B, device=z1.device) + offset  # global index of each local image
    candidates = torch.cat([Z1, Z2])  # (2WB, D): all first views, then all second views
    anchors = torch.cat([z1, z2])  # (2B, D)
    self_idx = torch.cat([idx, idx + total])
    pos_idx = torch.cat([idx + total, idx])
    exclude = F.one_hot(self_idx, 2 * total).bool()  # (2B, 2WB) an anchor is not its own negative
    if negatives is not None:
        exclude = ~sampled_negatives(exclude, pos_idx, negatives) & ~F.one_hot(pos_idx, 2 * total).bool()
    return info_nce(anchors, candidates, pos_idx, temperature, exclude)


def sampled_negatives(exclude: Tensor, positives: Tensor, n: int) -> Tensor:
    """(N, M) bool: ``n`` negatives per anchor, drawn uniformly without replacement (torch's
    global generator) from the candidates that are neither ``exclude``d nor the anchor's
    positive (``positives``: (N,) their indices)."""
    allowed = ~exclude & ~F.one_hot(positives, exclude.shape[1]).bool()
    available = int(allowed.sum(1).min())
    if not 1 <= n <= available:
        raise ValueError(f"negatives must be between 1 and {available} (all the batch offers an anchor); got {n}. "
                         "Use negatives=None for all of them.")
    scores = torch.rand(allowed.shape, device=allowed.device).masked_fill(~allowed, -1.0)
    chosen = torch.zeros_like(allowed)
    chosen.scatter_(1, scores.topk(n, dim=1).indices, True)
    return chosen


@float32
def regression_loss(p: Tensor, z: Tensor) -> Tensor:
    """BYOL's one-directional loss: mean over the batch of ‖p̂ − ẑ‖² = 2 − 2·cos(p, z), where
    p̂, ẑ are the L2-normalized prediction and target (Grill et al. 2020, eq. 2).

    p, z: (B, D). ``z`` is a target: it is detached here, so no gradient ever reaches the
    network that produced it (the stop-gradient is part of the objective, not an option).
    Ranges from 0 (same direction) to 4 (opposite).
    """
    if p.shape != z.shape or p.ndim != 2:
        raise ValueError(f"regression_loss needs two (B, D) tensors of one shape; got {tuple(p.shape)} and {tuple(z.shape)}.")
    cos = F.cosine_similarity(p.float(), z.detach().float(), dim=1)  # (B,)
    return (2 - 2 * cos).mean()


@float32
def byol_loss(p1: Tensor, p2: Tensor, z1: Tensor, z2: Tensor) -> Tensor:
    """BYOL's symmetrized loss (Grill et al. 2020, https://arxiv.org/abs/2006.07733).

    p1, p2: (B, D) online predictions of views 1 and 2; z1, z2: (B, D) target projections of
    the same views. The prediction of each view regresses the target of the *other* view:
    ½ (regression_loss(p1, z2) + regression_loss(p2, z1)). The paper sums the two terms
    (range 0–8); we average them (range 0–4) so the value reads like one term; the gradient
    is halved, which the learning rate absorbs. Targets are detached.
    """
    return 0.5 * (regression_loss(p1, z2) + regression_loss(p2, z1))


@float32
@torch.no_grad()
def sinkhorn(scores: Tensor, eps: float = 0.05, n_iters: int = 3, gather: bool | None = None) -> Tensor:
    """SwAV's online codes (Caron et al. 2020, https://arxiv.org/abs/2006.09882, Algorithm 1):
    soft assignments of B samples to K prototypes under the *equipartition* constraint, found
    with ``n_iters`` Sinkhorn-Knopp steps (Cuturi 2013).

    scores: (B, K) similarities of each sample to each prototype (cosines, in [-1, 1]). Start
    from Q = exp(scores / ε)ᵀ (K × B) scaled to sum 1, then alternately rescale its rows (each
    prototype gets mass 1/K) and its columns (each sample gets 1/B). Returns the codes
    B·Qᵀ, (B, K), without gradient: every row sums to 1 (exactly: the last step is the
    columns), and every column sums to B/K — exactly only in the limit of many iterations;
    three are close enough for training (the paper's choice).

    Computed in float32 in the log domain: a rescaling is a subtraction of a logsumexp, so
    exp(scores / ε) is never formed and cannot overflow (scores / ε reaches 20 for cosines at
    ε = 0.05 and 2·10⁴ for unnormalized scores of ±10³). ``gather`` (default: on when the world
    size is > 1) runs the iterations over the scores of every process, so a DDP run assigns its
    global batch; each process keeps the codes of its own rows.
    """
    if scores.ndim != 2:
        raise ValueError(f"sinkhorn needs scores of shape (B, K); got {tuple(scores.shape)}.")
    if eps <= 0 or n_iters < 1:
        raise ValueError(f"sinkhorn needs eps > 0 and n_iters ≥ 1; got eps={eps}, n_iters={n_iters}.")
    gather = _distributed() if gather is None else gather
    local = len(scores)
    if gather and _distributed():
        parts = [torch.empty_like(scores) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, scores.contiguous())
        scores = torch.cat(parts)
    B, K = scores.shape
    log_q = scores.T / eps  # (K, B)
    log_q = log_q - torch.logsumexp(log_q.flatten(), 0)  # Q sums to 1
    log_k, log_b = torch.log(torch.tensor(float(K))), torch.log(torch.tensor(float(B)))
    for _ in range(n_iters):
        log_q = log_q - torch.logsumexp(log_q, dim=1, keepdim=True) - log_k  # each prototype: 1/K
        log_q = log_q - torch.logsumexp(log_q, dim=0, keepdim=True) - log_b  # each sample: 1/B
    codes = (log_q + log_b).exp().T  # (B, K), rows sum to 1
    if gather and _distributed():
        codes = codes[dist.get_rank() * local:(dist.get_rank() + 1) * local]
    return codes


@float32
def swav_loss(scores: list[Tensor], n_assign: int = 2, temperature: float = 0.1, eps: float = 0.05, n_iters: int = 3,
              equipartition: bool = True, queue: list[Tensor] | None = None) -> Tensor:
    """SwAV's swapped prediction (Caron et al. 2020, eq. 1–3).

    scores: V tensors (B, K), the prototype scores of every view of the same B images; the
    first ``n_assign`` (the full-size views) give codes, the rest (small crops) only predict.
    For each assigned view i, its codes q_i = :func:`sinkhorn` (scores_i) (no gradient) are the
    targets of every *other* view v: the cross-entropy −Σ_k q_ik log softmax(scores_v / T)_k,
    averaged over v ≠ i and then over i. Returns a scalar.

    ``equipartition=False`` replaces Sinkhorn by a plain softmax of scores_i / ε (the same
    sharpness, no constraint across the batch): the ablation showing what the constraint
    prevents. ``queue``: optional ``n_assign`` tensors (Q, K), scores of stored past
    projections of the same views, appended before Sinkhorn so a small batch is assigned
    against a larger population; their codes are dropped afterwards.
    """
    if len(scores) < 2 or not 1 <= n_assign <= len(scores):
        raise ValueError(f"swav_loss needs ≥ 2 views and 1 ≤ n_assign ≤ the number of views; "
                         f"got {len(scores)} views, n_assign={n_assign}.")
    shapes = {tuple(s.shape) for s in scores}
    if len(shapes) != 1 or len(next(iter(shapes))) != 2:
        raise ValueError(f"swav_loss needs V score tensors of one shape (B, K); got {sorted(shapes)}.")
    if queue is not None and len(queue) != n_assign:
        raise ValueError(f"queue needs one tensor per assigned view ({n_assign}); got {len(queue)}.")
    _positive(temperature=temperature, eps=eps)
    B = len(scores[0])
    log_p = [F.log_softmax(s / temperature, dim=1) for s in scores]
    total = scores[0].new_zeros(())
    for i in range(n_assign):
        s = scores[i].detach()
        if queue is not None:
            s = torch.cat([s, queue[i].detach()])
        q = sinkhorn(s, eps, n_iters) if equipartition else F.softmax(s / eps, dim=1)
        q = q[:B]
        others = [v for v in range(len(scores)) if v != i]
        total = total + sum(-(q * log_p[v]).sum(1).mean() for v in others) / len(others)
    return total / n_assign


def _masked_positions(pred: Tensor, mask: Tensor, name: str) -> None:
    if mask.dtype != torch.bool or pred.shape[:-1] != mask.shape or not bool(mask.any()):
        raise ValueError(f"{name}: mask must be a bool (B, G, G) with at least one True, matching the predictions' "
                         f"(B, G, G, ·); got mask {tuple(mask.shape)} {mask.dtype} for {tuple(pred.shape)}.")


@float32
def masked_regression(pred: Tensor, target: Tensor, mask: Tensor) -> Tensor:
    """Mean squared error over the masked patches only (MAE, He et al. 2021,
    https://arxiv.org/abs/2111.06377: "the loss is computed only on masked patches").

    pred, target: (B, G, G, D) — a patch's pixels (MAE) or its target-encoder features
    (data2vec / I-JEPA); mask: (B, G, G) bool, True = masked. The target is detached. Returns
    the mean over masked patches of the mean over D of the squared error, a scalar.
    """
    _masked_positions(pred, mask, "masked_regression")
    if pred.shape != target.shape:
        raise ValueError(f"masked_regression: pred {tuple(pred.shape)} and target {tuple(target.shape)} differ.")
    return (pred - target.detach()).square().mean(dim=-1)[mask].mean()


@float32
def masked_token_loss(logits: Tensor, tokens: Tensor, mask: Tensor) -> Tensor:
    """Cross-entropy of each masked patch's token over a finite vocabulary (BEiT, Bao et al.
    2021, https://arxiv.org/abs/2106.08254; BERT's masked word prediction, for patches).

    logits: (B, G, G, K) scores over the K tokens; tokens: (B, G, G) long, each patch's token;
    mask: (B, G, G) bool, True = masked. Returns the mean over masked patches, a scalar; log K
    when the scores say nothing.
    """
    _masked_positions(logits, mask, "masked_token_loss")
    return F.cross_entropy(logits[mask], tokens[mask])
