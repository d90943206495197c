"""The one evaluation protocol every sslkit notebook uses.

- **kNN** (Wu et al. 2018, as in most SSL papers' CIFAR tables): backbone features (before
  any head) of un-augmented images, L2-normalized; each test image takes the k=200 most
  cosine-similar train images, each voting for its class with weight exp(sim / 0.1); top-1.
- **Linear probe**: frozen backbone, precomputed features, multinomial logistic regression
  (full-batch L-BFGS on the device). Its L2 strength is chosen on a class-balanced
  validation split cut from the train set, never on test; then refit on all train features.
- **Fine-tune** (:mod:`sslkit.experiments.transfer`): backbone and a linear head trained end to end with labels.
- **Low-label**: the same on a class-balanced 1% or 10% of the train labels.

Report the final model, not the best epoch on the test set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from sslkit.methods.features import extract_features
from sslkit.parts.data import ImageSet, class_balanced_subset, split_train_val


@torch.no_grad()
def knn_predict(
    train_h: Tensor, train_y: Tensor, test_h: Tensor, num_classes: int, k: int = 200,
    temperature: float = 0.1, chunk: int = 1024,
) -> Tensor:
    """Weighted kNN class predictions.

    train_h: (N, D), train_y: (N,), test_h: (M, D) → (M,) predicted labels. Cosine similarity,
    the top-``k`` neighbours (k is capped at N) vote with weight exp(sim / temperature).
    """
    if len(train_h) != len(train_y):
        raise ValueError(f"{len(train_h)} train features but {len(train_y)} labels.")
    train_h = F.normalize(train_h.float(), dim=1)
    test_h = F.normalize(test_h.float().to(train_h.device), dim=1)
    train_y = train_y.to(train_h.device)
    k = min(k, len(train_h))
    preds = []
    for q in test_h.split(chunk):
        sim, idx = (q @ train_h.T).topk(k, dim=1)  # (b, k)
        votes = torch.zeros(len(q), num_classes, device=q.device)
        votes.scatter_add_(1, train_y[idx], (sim / temperature).exp())
        preds.append(votes.argmax(dim=1))
    return torch.cat(preds)


def knn_accuracy(train_h, train_y, test_h, test_y, num_classes: int, k: int = 200, temperature: float = 0.1) -> float:
    """Top-1 accuracy (0–1) of :func:`knn_predict`."""
    pred = knn_predict(train_h, train_y, test_h, num_classes, k, temperature)
    return (pred.cpu() == test_y.cpu()).float().mean().item()


# ----------------------------------------------------------------------------- linear probe

def fit_logistic_regression(
    x: Tensor, y: Tensor, num_classes: int, weight_decay: float, max_iter: int = 300,
    init: nn.Linear | None = None, tolerance_grad: float = 1e-4,
) -> nn.Linear:
    """Multinomial logistic regression by full-batch L-BFGS.

    Minimizes mean cross-entropy + weight_decay / 2 · ||W||² (bias not penalized), which is
    scikit-learn's ``LogisticRegression(C=1 / (weight_decay · N))``. x: (N, D), y: (N,).
    Starts from zero, or from ``init``'s weights (a warm start: the solution at a nearby
    weight decay); stops when every gradient entry is below ``tolerance_grad`` (the problem
    is convex: this bounds the distance to the optimum), the loss stops changing, or after
    ``max_iter`` iterations. The number of iterations is kept as ``layer.iterations``.
    """
    x = x.float()
    layer = nn.Linear(x.shape[1], num_classes).to(x.device)
    with torch.no_grad():
        if init is None:
            layer.weight.zero_()
            layer.bias.zero_()
        else:
            layer.weight.copy_(init.weight)
            layer.bias.copy_(init.bias)
    opt = torch.optim.LBFGS(
        layer.parameters(), lr=1, max_iter=max_iter, history_size=20, line_search_fn="strong_wolfe",
        tolerance_grad=tolerance_grad, tolerance_change=1e-10,
    )

    onehot = F.one_hot(y, num_classes).to(x.dtype)

    @torch.no_grad()
    def closure():  # loss and its gradient in closed form: no autograd graph per evaluation
        w, b = layer.weight, layer.bias
        logits = torch.addmm(b, x, w.T)
        lse = logits.logsumexp(1, keepdim=True)
        loss = (lse - logits).mul_(onehot).sum() / len(x) + 0.5 * weight_decay * w.pow(2).sum()
        g = (logits - lse).exp_().sub_(onehot).div_(len(x))  # d loss / d logits: (softmax − onehot) / N
        w.grad = torch.addmm(w, g.T, x, beta=weight_decay, alpha=1.0)
        b.grad = g.sum(0)
        return loss

    opt.step(closure)
    layer.iterations = opt.state[layer.weight].get("n_iter", 0)
    return layer


@dataclass
class ProbeResult:
    accuracy: float  # test top-1 (0–1) of the model refit on all train features
    weight_decay: float  # the L2 strength chosen on the validation split
    val_accuracy: dict[float, float] = field(default_factory=dict)  # weight decay → val accuracy
    iterations: int = 0  # L-BFGS iterations over the whole path and the refit


WEIGHT_DECAYS = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)


@torch.no_grad()
def linear_probe(
    train_h: Tensor, train_y: Tensor, test_h: Tensor, test_y: Tensor, num_classes: int,
    weight_decays=WEIGHT_DECAYS, val_fraction: float = 0.1, seed: int = 0,
) -> ProbeResult:
    """Linear-probe accuracy of frozen features, L2 strength chosen on a validation split.

    train_h: (N, D), test_h: (M, D). Features are standardized with train statistics. The
    weight decays are fitted as a **path**, strongest first, each fit starting from the
    previous solution (the optimum moves little between neighbouring strengths), and the
    final refit on all train features starts from the chosen strength's solution: about half
    the L-BFGS iterations of fitting each from zero, same accuracies (``bench/evaluate_speed.py``
    measures both).
    """
    device = train_h.device
    train_y, test_y = train_y.to(device), test_y.to(device)
    mean, std = train_h.mean(0), train_h.std(0) + 1e-6
    xs, xt = (train_h - mean) / std, (test_h.to(device) - mean) / std
    fit_idx, val_idx = split_train_val(train_y.cpu(), val_fraction, seed)
    fit_idx, val_idx = fit_idx.to(device), val_idx.to(device)
    val_acc, fits, prev = {}, {}, None
    for wd in sorted(weight_decays, reverse=True):
        prev = fits[wd] = fit_logistic_regression(xs[fit_idx], train_y[fit_idx], num_classes, wd, init=prev)
        val_acc[wd] = (prev(xs[val_idx]).argmax(1) == train_y[val_idx]).float().mean().item()
    best = max(val_acc, key=lambda wd: (val_acc[wd], wd))  # ties → stronger regularization
    clf = fit_logistic_regression(xs, train_y, num_classes, best, init=fits[best])
    acc = (clf(xt).argmax(1) == test_y).float().mean().item()
    iters = clf.iterations + sum(f.iterations for f in fits.values())
    return ProbeResult(acc, best, dict(sorted(val_acc.items())), iters)


# ----------------------------------------------------------------------------- all together

def _check_sets(*sets) -> None:
    for s in sets:
        if not isinstance(s, ImageSet):
            raise TypeError(f"Evaluation takes labelled sslkit.parts.data.ImageSet images (uint8 (N, 3, H, W) + labels), got "
                            f"{type(s).__name__}: wrap tensors as ImageSet(images, labels, classes), or load them with "
                            "sslkit.parts.data.cifar10().")


def _check_finite_weights(model: nn.Module) -> None:
    """Refuse a model with a NaN or infinite weight, naming it: its features would be NaN and every
    score meaningless (a training run that diverged)."""
    bad = [n for n, t in model.state_dict().items() if t.is_floating_point() and not bool(torch.isfinite(t).all())]
    if bad:
        raise ValueError(f"{type(model).__name__} has NaN or infinite weights ({', '.join(bad[:4])}"
                         f"{f' and {len(bad) - 4} more' if len(bad) > 4 else ''}), so its features cannot be scored: the "
                         "training diverged. Fix: load an earlier checkpoint, or train again with a lower learning rate.")


def evaluate(
    backbone: nn.Module, train: ImageSet, test: ImageSet, k: int = 200, device=None, probe: bool = True
) -> dict[str, float]:
    """kNN and linear-probe top-1 (0–1) of frozen features: {"knn": …, "linear": …}.

    ``backbone``: an sslkit method (its ``features`` are evaluated) or a bare backbone."""
    _check_sets(train, test)
    _check_finite_weights(backbone)
    train_h = extract_features(backbone, train, device=device)
    test_h = extract_features(backbone, test, device=device)
    out = {"knn": knn_accuracy(train_h, train.labels, test_h, test.labels, train.num_classes, k)}
    if probe:
        out["linear"] = linear_probe(train_h, train.labels, test_h, test.labels, train.num_classes).accuracy
    return out


def low_label_probe(
    backbone: nn.Module, train: ImageSet, test: ImageSet, fractions=(0.01, 0.1), seed: int = 0, device=None
) -> dict[float, float]:
    """Linear-probe accuracy with only ``fraction`` of the train labels (class-balanced)."""
    _check_sets(train, test)
    train_h = extract_features(backbone, train, device=device)
    test_h = extract_features(backbone, test, device=device)
    out = {}
    for f in fractions:
        sub = class_balanced_subset(train.labels, fraction=f, seed=seed)
        if len(sub) < 2 * train.num_classes:
            raise ValueError(f"{f:.0%} of {len(train)} images leaves {len(sub)} labels: too few to probe.")
        sub_d = sub.to(train_h.device)
        out[f] = linear_probe(
            train_h[sub_d], train.labels[sub], test_h, test.labels, train.num_classes, val_fraction=0.2, seed=seed
        ).accuracy
    return out


@torch.no_grad()
def evaluate_classifier(module: nn.Module, test: ImageSet) -> float:
    """Top-1 (0–1) of a module whose ``classify(backbone(x))`` gives logits."""
    h = extract_features(module, test)
    return (module.classify(h).argmax(1).cpu() == test.labels).float().mean().item()
