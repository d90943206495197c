"""DeepCluster (Caron et al. 2018, https://arxiv.org/abs/1807.05520).

At the start of every epoch: extract the features of **every** training image (un-augmented,
eval mode), PCA-whiten them, cluster them with k-means into K groups (:mod:`sslkit.parts.cluster`),
and use the cluster ids as labels — *pseudo-labels*. Then train for one epoch to predict each
image's pseudo-label from an augmented view, through a classification head that is
re-initialized after every clustering (cluster ids mean nothing from one clustering to the
next). Batches carry each image's index, so its pseudo-label follows it through shuffling and
DDP sharding.

The paper's defences against trivial solutions, each switchable for the ablations:

- ``fix_empty``: an empty cluster is re-seeded from a non-empty one (:func:`sslkit.parts.cluster.kmeans`);
- ``uniform_sampling``: images are sampled with weight 1 / (size of their cluster), so every
  cluster is seen equally often and one giant cluster cannot dominate the loss (otherwise the
  network is rewarded for putting everything in it);
- ``recluster=False`` clusters once, at the start, and never again (the ablation of re-clustering).
  The pseudo-labels are not stored in checkpoints: a run resumed after a stop clusters again at
  the epoch it resumes (with ``recluster=False``, once more from the network as it was then).

Defaults for CIFAR-10, and why: ``n_clusters=100`` — K ≫ 10 classes, as the paper (which found
10× the classes best on ImageNet); ``pca_dim=64`` — the paper whitens to 256 dimensions from
AlexNet's 4096, about 1/16; our features have 64–512 dimensions, so 64 keeps most of them;
20 Lloyd iterations from k-means++ seeds; SGD as the supervised baseline (lr 0.1 × batch / 256,
momentum 0.9, weight decay 5e-4), not tuned for DeepCluster, but **constant** after the warmup,
as the paper: the head is re-initialized every epoch and must be learned again within it, which
a rate decayed towards 0 cannot do (measured on the cpu profile's first run with cosine decay:
the pseudo-label accuracy fell from 14% to 1% over the last four epochs, the loss rose back to
log K, and the backbone trained on a random head's gradients); light augmentation (random crop
scale 0.2–1 and flip, colour jitter with p 0.8), the paper's crop-and-flip plus colour since
CIFAR images are small.

Logged per epoch (``cluster/…``): seconds spent extracting features and clustering (apart from
training), k-means iterations, empty clusters re-seeded, the largest cluster's share of the
images, the number of non-empty clusters, NMI with the previous clustering and with the true
labels (a diagnostic only: the labels never reach the loss).
"""

from __future__ import annotations

import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from sslkit.methods.base import Method, Step
from sslkit.methods.features import extract_features
from sslkit.parts.augment import Augment, simclr_augment
from sslkit.parts.cluster import kmeans, nmi, pca_whiten
from sslkit.parts.data import Batch


class DeepCluster(Method):
    base_lr = 0.1
    decay_lr = False  # see the module docstring: a fresh head every epoch needs a learning rate to learn it

    def __init__(self, n_clusters: int = 100, pca_dim: int = 64, kmeans_iters: int = 20, recluster: bool = True,
                 fix_empty: bool = True, uniform_sampling: bool = True, augment: Augment | None = None, **kwargs):
        super().__init__(**kwargs)
        if n_clusters < 2:
            raise ValueError(f"n_clusters must be at least 2, got {n_clusters}.")
        self.augment = augment or simclr_augment().replace(crop_scale=(0.2, 1.0))
        self.head = nn.Linear(self.backbone.feature_dim, n_clusters)
        self.register_buffer("pseudo_labels", torch.zeros(0, dtype=torch.long), persistent=False)
        self.last_clustering = None  # the latest sslkit.parts.cluster.Clustering, for inspection

    def cluster(self, images: torch.Tensor, seed: int = 0):
        """Pseudo-labels for ``images`` (N, 3, H, W) from the current network: features →
        PCA-whitening → k-means. Returns (Clustering, seconds for features, seconds for k-means)."""
        t0 = time.perf_counter()
        feats = extract_features(self, images)
        t1 = time.perf_counter()
        hp = self.hparams
        result = kmeans(pca_whiten(feats, hp.pca_dim), hp.n_clusters, hp.kmeans_iters, fix_empty=hp.fix_empty,
                        seed=seed)
        return result, t1 - t0, time.perf_counter() - t1

    def set_pseudo_labels(self, labels: torch.Tensor) -> None:
        """Make ``labels`` (N,) — one cluster id in [0, n_clusters) per training image, indexed as
        the loader's images — the targets of the next steps (a clustering's, or a synthetic set to
        time a step without clustering)."""
        if labels.dim() != 1 or (len(labels) and not (0 <= int(labels.min()) and int(labels.max()) < self.hparams.n_clusters)):
            raise ValueError(f"pseudo-labels must be one id in [0, {self.hparams.n_clusters}) per image, shape (N,).")
        self.pseudo_labels = labels.to(self.pseudo_labels.device, torch.long)

    def on_train_epoch_start(self) -> None:
        hp = self.hparams
        if not hp.recluster and len(self.pseudo_labels):
            return
        loader = self.trainer.train_dataloader
        if not hasattr(loader, "images"):
            raise TypeError("DeepCluster needs sslkit's DeviceLoader (it clusters loader.images every epoch); "
                            "train it with sslkit.training.train.pretrain.")
        # k-means seeds from the epoch: every DDP process computes the same clustering
        result, t_feat, t_km = self.cluster(loader.images, seed=self.current_epoch)
        previous = self.pseudo_labels
        self.set_pseudo_labels(result.labels)
        self.last_clustering = result
        self.head.reset_parameters()  # the ids of this clustering mean nothing to the old head
        opt = self.optimizers(use_pl_optimizer=False)
        for p in self.head.parameters():
            opt.state.pop(p, None)  # nor does its momentum
        sizes = result.sizes
        loader.set_weights(1.0 / sizes[result.labels].double() if hp.uniform_sampling else None)
        logs = {"features_s": t_feat, "kmeans_s": t_km, "kmeans_iters": float(result.iterations),
                "empty_fixed": float(result.empty_fixed), "empty": float(result.empty),
                "largest": float(sizes.max()) / len(result.labels), "used": float((sizes > 0).sum()),
                "nmi_labels": nmi(result.labels, loader.labels)}
        if len(previous) == len(result.labels):
            logs["nmi_previous"] = nmi(previous, result.labels)
        for k, v in logs.items():
            self.log(f"cluster/{k}", v, on_step=False, on_epoch=True)

    def step(self, batch: Batch) -> Step:
        if not len(self.pseudo_labels):
            raise RuntimeError("DeepCluster has no pseudo-labels yet: they are made at the start of each training "
                               "epoch (on_train_epoch_start), so train it with a Trainer (sslkit.training.train.pretrain).")
        h = self.backbone(self.prepare(self.augment(batch.x)))  # (B, D)
        y = self.pseudo_labels[batch.index]  # (B,) each image's cluster, whatever the order
        logits = self.head(h)
        loss = F.cross_entropy(logits.float(), y)
        return Step(loss, h=h, z=h, logs={"pseudo_acc": (logits.argmax(1) == y).float().mean()})
