"""Masked prediction: hide patches of an image and predict them from the rest — in pixels, as
tokens of a finite visual vocabulary, or as representations.

In text, BERT masks a word and predicts it with a softmax over the vocabulary: every answer gets a
probability. An image patch has no vocabulary; three answers, one network:

- ``target="pixels"`` (MAE, He et al. 2021, https://arxiv.org/abs/2111.06377): regress the masked
  patches' pixels (mean squared error on masked patches only). The MSE optimum is the *mean* of
  the plausible fill-ins, so predictions come out blurry where many fill-ins are right.
- ``target="tokens"`` (BEiT's idea, Bao et al. 2021, https://arxiv.org/abs/2106.08254, without its
  learned tokenizer): give patches a vocabulary by k-means on training patches
  (:func:`sslkit.parts.masking.fit_vocabulary`, fitted once when training starts) and classify
  each masked patch's token with a softmax over the K tokens — a probability over every answer,
  as in text.
- ``target="representation"`` (data2vec, Baevski et al. 2022; I-JEPA, Assran et al. 2023):
  regress what an EMA copy of the encoder (as BYOL's target) computes at the masked positions of
  the whole image, layer-normalized: CPC's "predict a lower-dimensional encoding", not pixels.

The network is sslkit's CIFAR ResNet, the same encoder every other method trains, so the floor and
the supervised baseline of the course apply unchanged. Its input is the image with masked
``patch``-px patches filled with CIFAR-10's mean colour (zero after the encoder's normalization:
nothing of a masked patch reaches it); its last stage (4×4 positions for 8-px patches of 32-px
images) feeds a 1×1-convolution head that predicts, at every position, the target of the patch
under it. A ResNet cannot drop masked patches the way MAE's ViT encoder does, so every step costs
a whole image; in exchange the comparison with the other methods is at equal architecture.
Views: random resized crop (scale 0.2–1) and flip only, as MAE.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from sslkit.methods.base import Method, Step, check_positive
from sslkit.parts.augment import Augment, to_float
from sslkit.parts.data import Batch
from sslkit.parts.ema import cosine_tau, ema_update, make_target
from sslkit.parts.losses import masked_regression, masked_token_loss
from sslkit.parts.masking import fit_vocabulary, masked_input, patch_mask, patches, tokenize, unpatch

TARGETS = ("pixels", "tokens", "representation")


def mae_augment(size: int = 32) -> Augment:
    """MAE's views: random resized crop (scale 0.2–1) and horizontal flip, no colour changes."""
    return Augment(size=size, crop_scale=(0.2, 1.0), jitter_p=0.0, gray_p=0.0)


class MaskedPrediction(Method):
    base_lr = 0.1

    def __init__(self, target: str = "pixels", mask_ratio: float = 0.6, patch: int = 8, vocabulary: int = 512,
                 head_hidden: int = 256, tau_base: float = 0.996, augment: Augment | None = None, **kwargs):
        if target not in TARGETS:
            raise ValueError(f"target must be one of {', '.join(TARGETS)}, got {target!r}.")
        if not 0 < mask_ratio < 1:
            raise ValueError(f"mask_ratio must be in (0, 1), got {mask_ratio!r}.")
        check_positive("MaskedPrediction", patch=patch, vocabulary=vocabulary, head_hidden=head_hidden)
        if not 0.0 < tau_base <= 1.0:
            raise ValueError(f"tau_base must be in (0, 1], got {tau_base}.")
        super().__init__(**kwargs)
        self.augment = augment or mae_augment()
        dim = self.backbone.feature_dim
        out = {"pixels": 3 * patch * patch, "tokens": vocabulary, "representation": dim}[target]
        self.head = nn.Sequential(nn.Conv2d(dim, head_hidden, 1), nn.BatchNorm2d(head_hidden), nn.ReLU(inplace=True),
                                  nn.Conv2d(head_hidden, out, 1))
        # the visual vocabulary (tokens only): part of the weights, fitted once (set_vocabulary)
        self.register_buffer("vocabulary", torch.zeros(vocabulary if target == "tokens" else 0, 3 * patch * patch))
        self.target_encoder = make_target(self.backbone) if target == "representation" else None

    # -- the vocabulary
    def set_vocabulary(self, images: Tensor, seed: int = 0) -> None:
        """Fit the visual vocabulary on ``images`` (N, 3, H, W): k-means of their patches."""
        hp = self.hparams
        vocab = fit_vocabulary(images, hp.vocabulary, hp.patch, seed=seed)
        self.vocabulary.copy_(vocab.to(self.vocabulary.device))

    def on_train_start(self) -> None:
        if self.hparams.target == "tokens" and not bool(self.vocabulary.any()):  # a resumed run keeps its own
            loader = self.trainer.train_dataloader
            if not hasattr(loader, "images"):
                raise TypeError("MaskedPrediction(target='tokens') fits its vocabulary on loader.images: train it with "
                                "sslkit.training.train.pretrain (sslkit's DeviceLoader).")
            self.set_vocabulary(loader.images)

    def on_weights_loaded(self) -> None:
        """The EMA target starts as a copy of the (newly loaded) encoder."""
        if self.target_encoder is not None:
            self.target_encoder = make_target(self.backbone)

    # -- predicting
    def _grid_map(self, x: Tensor) -> Tensor:
        """The encoder's last-stage map of float images x, resized to the patch grid: (B, C, G, G)."""
        fmap = self.backbone.stages_out(self.prepare(x))[-1]
        grid = x.shape[-1] // self.hparams.patch
        return fmap if fmap.shape[-1] == grid else F.interpolate(fmap, size=(grid, grid), mode="bilinear")

    def predict(self, x: Tensor, mask: Tensor) -> Tensor:
        """Predictions for every patch of ``x`` (B, 3, H, W) seen through ``mask`` (B, G, G):
        (B, G, G, out) — pixels, token scores or representations."""
        return self.head(self._grid_map(masked_input(to_float(x), mask, self.hparams.patch))).permute(0, 2, 3, 1)

    @torch.no_grad()
    def fill_in(self, x: Tensor, mask: Tensor) -> Tensor:
        """``x`` with its masked patches replaced by the prediction: the regressed pixels, or the
        most likely token's centroid. (B, 3, H, W) float in [0, 1]."""
        hp = self.hparams
        if hp.target == "representation":
            raise ValueError("a representation target predicts no pixels: fill_in needs target 'pixels' or 'tokens'.")
        x = to_float(x)
        pred = self.predict(x, mask)
        guess = pred if hp.target == "pixels" else self.vocabulary[pred.argmax(-1)]
        keep = patches(x, hp.patch)
        return unpatch(torch.where(mask.unsqueeze(-1), guess.to(keep.dtype), keep), hp.patch).clamp(0, 1)

    def targets(self, x: Tensor) -> Tensor:
        """What the masked patches of float images ``x`` are trained towards: their pixels
        (B, G, G, 3·patch²), their tokens (B, G, G), or the EMA encoder's layer-normalized map
        of the whole image (B, G, G, C)."""
        hp = self.hparams
        if hp.target == "pixels":
            return patches(x, hp.patch)
        if hp.target == "tokens":
            if not bool(self.vocabulary.any()):
                raise RuntimeError("MaskedPrediction(target='tokens') has no vocabulary yet: call set_vocabulary(images) "
                                   "or train it with sslkit.training.train.pretrain, which fits it on the training images.")
            return tokenize(patches(x, hp.patch), self.vocabulary)
        with torch.no_grad():
            fmap = self.target_encoder.stages_out(self.prepare(x))[-1]
            grid = x.shape[-1] // hp.patch
            fmap = fmap if fmap.shape[-1] == grid else F.interpolate(fmap, size=(grid, grid), mode="bilinear")
            t = fmap.permute(0, 2, 3, 1).float()
            return F.layer_norm(t, t.shape[-1:])

    # -- training
    def step(self, batch: Batch) -> Step:
        hp = self.hparams
        h_probe = self.probe_forward(batch.x) if self.probe is not None else None  # (B, D) whole images
        x = self.augment(batch.x)  # (B, 3, S, S) float
        mask = patch_mask(len(x), x.shape[-1] // hp.patch, hp.mask_ratio, device=x.device)  # (B, G, G)
        fmap = self._grid_map(masked_input(x, mask, hp.patch))  # (B, C, G, G): nothing of a masked patch
        pred = self.head(fmap).permute(0, 2, 3, 1)  # (B, G, G, out)
        target = self.targets(x)
        if hp.target == "tokens":
            loss = masked_token_loss(pred, target, mask)
            logs = {"token_acc": (pred.argmax(-1) == target)[mask].float().mean()}
        else:
            loss = masked_regression(pred, target, mask)
            logs = {}
        return Step(loss, h=h_probe, z=fmap.mean(dim=(2, 3)), logs=logs)

    def on_train_batch_end(self, outputs, batch, batch_idx):
        """After each optimizer step (representation target): τ from the cosine schedule, then the EMA update."""
        if self.target_encoder is None:
            return
        tau = cosine_tau(self.global_step, int(self.trainer.estimated_stepping_batches), self.hparams.tau_base)
        ema_update(self.target_encoder, self.backbone, tau)
        self.log("train/tau", tau, on_step=False, on_epoch=True)
