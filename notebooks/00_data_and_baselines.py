# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 00 · Data, augmentations and the two baselines
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sslkit/sslkit/blob/main/notebooks/00_data_and_baselines.ipynb)
#
# **Self-supervised learning (SSL)** trains a network on images *without labels*. Labels are
# expensive and narrow: a label says "cat" and nothing about pose, texture or background.
# Unlabelled images are nearly free. SSL invents a training signal from the images
# themselves — predict how an image was rotated, tell two crops of the same photo apart from
# crops of other photos, group images into clusters — and hopes that solving it forces the
# network to learn features that are useful for tasks it never saw: classification,
# retrieval, detection. The next notebooks do exactly that, method by method.
#
# Before any method we need three things, built here once for the whole series:
#
# 1. **the data** — CIFAR-10, 60,000 colour images of 32×32 pixels in 10 classes;
# 2. **augmentations** — random crops and colour changes, the raw material of most SSL methods;
# 3. **a yardstick** — one evaluation protocol, and two reference points on it: the *floor*
#    (a network with random weights) and the *supervised baseline* (the same network trained
#    with all the labels). A self-supervised method is good when it lands close to the
#    second while never seeing a label.
#
# **Sizes.** Every number in this notebook comes from one size, **the main-run size**: all
# 50,000 training images and all 10,000 test images, a ResNet-18 at width 1/8 (an eighth of its
# channels), batch 256; the supervised baseline trains for about two CPU-hours at it. The
# method notebooks train their own main runs at the same size and read them against these two
# numbers. By default the trained network is loaded, not trained: set `RETRAIN = True` below to
# train it yourself at a small "live" size in minutes (its numbers then show the code learning,
# not the final baseline).

# %%
RETRAIN = False  # True trains every run here at the small "live" size (minutes) instead of loading the references
DRIVE = False  # Colab: True keeps data and runs in your Google Drive (MyDrive/sslkit), so a disconnect loses nothing

import importlib.util, subprocess, sys
if importlib.util.find_spec("sslkit") is None:  # Colab or a fresh environment: install the sslkit this course was written for
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "git+https://github.com/sslkit/sslkit@v0.1.0"], check=True)
    importlib.invalidate_caches()

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from IPython.display import Markdown, display

from sslkit.course import plots, widgets
from sslkit.course.setup import setup
from sslkit.experiments.baselines import random_floor, supervised_baseline
from sslkit.parts.augment import simclr_augment
from sslkit.parts.data import cifar10
from sslkit.records.results import format_table, save_result
from sslkit.training.evaluate import extract_features, knn_accuracy

PROFILE, MODE = setup("00_data_and_baselines", retrain=RETRAIN, drive=DRIVE)  # the profile; whether runs load or train

# %% [markdown]
# The lines above name the **profile** that sizes the runs (`cpu` by default: the sizes
# described at the top) and the device the notebook runs on.
#
# ## 1 · The data
# `cifar10()` returns the images of a profile's size as uint8 tensors of shape (N, 3, 32, 32),
# with their labels. The first call downloads CIFAR-10 (or reads a local copy named by
# `SSLKIT_DATA`) and decodes it once into a cache; later calls take about a second.

# %%
MAIN = PROFILE.main_profile()  # the main-run size, which the floor and the baseline share
train, test = cifar10(MAIN)  # all of CIFAR-10 at the main-run size
print(f"train: {tuple(train.images.shape)} {train.images.dtype}, test: {tuple(test.images.shape)}")
print("classes:", ", ".join(train.classes))
examples = torch.stack([(train.labels == c).nonzero()[:2, 0] for c in range(10)], dim=1).flatten()  # 2 per class
fig = plots.image_grid(train.images[examples], [train.classes[y] for y in train.labels[examples]], ncols=10)

# %% [markdown]
# ## 2 · Augmentations
# Most SSL methods show the network two *views* of the same image — two random crops with
# different colours — and ask for features that agree. Whatever the augmentations change
# (position, scale, colour) the features learn to ignore; whatever survives them (shape,
# parts, texture) they must capture. So every image in a batch needs **its own** random
# parameters. `sslkit.parts.augment` draws them per sample and applies them to the whole batch at
# once, on the GPU when there is one. Below, each row is one image augmented seven times, with
# SimCLR's CIFAR-10 settings (Chen et al., 2020: crops of 8–100% of the area, flips, colour jitter
# with p = 0.8, grayscale with p = 0.2).

# %%
aug = simclr_augment()
print(aug)
fig = plots.augmentation_grid(train.images[examples[:4]], aug, generator=torch.Generator().manual_seed(0))

# %% [markdown]
# Move the sliders (in a live notebook) to see how far the views stray from the image: a
# smaller crop scale and stronger jitter make the views harder to match.

# %%
widgets.augmentation_explorer(train.images[examples[:3]])

# %% [markdown]
# ## 3 · The evaluation protocol
# Every notebook measures a pretrained backbone the same way, on the features `h` it outputs
# for **un-augmented** images (before any projection head), with the backbone frozen:
#
# - **kNN**: normalize features to unit length; a test image looks up its 200 most
#   cosine-similar training images, and each votes for its class with weight
#   exp(similarity / 0.1). No training at all, so it reads the geometry of the features.
# - **Linear probe**: multinomial logistic regression on the features. Its L2 strength is
#   chosen on a validation split cut from the training set, never on the test set.
#
# We report the final model, never the best epoch on test.
#
# ### The floor: random weights
# A randomly initialized ResNet is not useless: convolutions and pooling of raw pixels
# already carry colour and texture statistics. Its score is the bar every method must clear.

# %%
random_net, floor = random_floor(train, test, MAIN)
print(f"random-init backbone: kNN {floor['knn']:.1%}, linear probe {floor['linear']:.1%}")

# %% [markdown]
# The kNN rule, written out, and checked on the random network's features against the
# package's `knn_accuracy`, which every kNN number of the course comes from, the floor's above
# included:

# %%
def knn_by_hand(bank_h, bank_y, query_h, k=200, temperature=0.1, num_classes=10):
    """bank_h (N, D) features with labels bank_y (N,); query_h (M, D) → (M,) predicted classes."""
    bank, queries = F.normalize(bank_h.float(), dim=1), F.normalize(query_h.float(), dim=1)  # dot = cosine
    sim, idx = (queries @ bank.T).topk(k, dim=1)  # (M, k): the k most similar training images
    votes = torch.zeros(len(queries), num_classes, device=queries.device)  # each neighbour votes exp(cos / 0.1)
    votes.scatter_add_(1, bank_y[idx], (sim / temperature).exp())
    return votes.argmax(1)


h_bank, h_queries = extract_features(random_net, train), extract_features(random_net, test)
by_hand = (knn_by_hand(h_bank, train.labels.to(h_bank.device), h_queries).cpu() == test.labels).float().mean().item()
package = knn_accuracy(h_bank, train.labels, h_queries, test.labels, num_classes=10)
print(f"kNN of the random network: by hand {by_hand:.2%}, sslkit's knn_accuracy {package:.2%}")
assert abs(by_hand - package) <= 1 / len(test)  # the same rule; at most one tie broken differently

# %% [markdown]
# ### The ceiling: supervised training
# The same backbone trained end to end with every label (cross-entropy, crop and flip
# augmentation, SGD with cosine decay), then evaluated with the same protocol. The cell loads the
# trained baseline; with `RETRAIN = True` it trains here, at the live size, in
# `runs/live/supervised/`, where an interrupted run resumes from its last checkpoint.

# %%
(supervised, supervised_run), sup = supervised_baseline(train, test, mode=MODE)
print(f"supervised: kNN {sup['knn']:.1%}, linear probe {sup['linear']:.1%}, "
      f"own classifier {sup['classifier']:.1%}, trained in {sup['wall_s']:.0f} s")

# %%
fig = plots.training_curves(supervised_run.run_dir, "supervised baseline",
                            reference={"floor (linear probe)": floor["linear"]})
took = f"{sup['wall_s'] / 60:.0f} minutes" if sup["wall_s"] >= 60 else f"{sup['wall_s']:.0f} s"
display(Markdown(
    f"The baseline trained for {supervised_run.epochs} epochs on {len(train):,} images ({took}). Its frozen "
    f"features reach {sup['knn']:.1%} kNN and {sup['linear']:.1%} in the linear probe, against {floor['knn']:.1%} "
    f"and {floor['linear']:.1%} for random weights: the labels move kNN by {100 * (sup['knn'] - floor['knn']):+.1f} "
    "points."))

# %% [markdown]
# ## 4 · What the features look like
# t-SNE squeezes the features of test images into two dimensions, keeping neighbours close.
# Compare how well the classes separate with random features (left) and with supervised
# features (right), where the labels told the network which differences matter.

# %%
h_random = extract_features(random_net, test)
h_sup = extract_features(supervised, test)
fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 5))
plots.embedding(h_random, test.labels, test.classes, "tsne", PROFILE.embed_points, ax=a1, title="random init")
plots.embedding(h_sup, test.labels, test.classes, "tsne", PROFILE.embed_points, ax=a2, title="supervised")
fig.tight_layout()

# %% [markdown]
# Nearest neighbours, image by image: the first column is a test image, the rest its closest
# training images in supervised feature space (red: another class). Count the red ones: each is
# a training image the kNN vote above counts against the right class.

# %%
h_train = extract_features(supervised, train)
q = torch.stack([(test.labels == c).nonzero()[0, 0] for c in range(0, 10, 2)])  # one test image of 5 classes
fig = plots.retrieval_grid(test.images[q], h_sup[q], train.images, h_train, k=8,
                           query_labels=test.labels[q], gallery_labels=train.labels, classes=train.classes)

# %% [markdown]
# ## 5 · The reference table
# Saved to `runs/<profile>/results.json`; every later notebook reads it (or, when you have not
# run this notebook, the reference runs' numbers) and draws these two numbers as reference lines.

# %%
results = {"floor (random init)": floor, "supervised": sup}
save_result("floor", floor, mode=MODE)
save_result("supervised", sup, run=supervised_run, mode=MODE)
display(Markdown(f"**CIFAR-10 test top-1, profile `{PROFILE.name}`**\n\n"
                 + format_table(results, ("knn", "linear", "classifier", "wall_s"))))
fig = plots.accuracy_bars(results, title=f"profile {PROFILE.name}")

# %% [markdown]
# ## Conclusion
# We have the data on the device, per-sample augmentations, one evaluation protocol and the
# two numbers every method will be read against. The gap between the floor and the
# supervised baseline is the room self-supervised learning has to work in; the next
# notebooks try to close it without labels, starting with pretext tasks (RotNet, Jigsaw)
# and moving to contrastive learning (SimCLR).
#
# ## Going further
# - **Profiles.** `SSLKIT_PROFILE`, set before `setup` runs, picks the sizes of every run:
#   `cpu` (the default, the sizes above), `live` (what `RETRAIN = True` trains: minutes, too
#   small for the papers' claims), `smoke` (seconds: it proves the code runs, its accuracies
#   mean nothing) and `gpu` (all of CIFAR-10 with a full-width ResNet-18, for a fast GPU).
# - **Try it:** run `knn_by_hand` on the random network's features with k = 20 instead of 200,
#   or a temperature of 0.5, and see how far the floor moves: the protocol is a choice too.
#
# ## References
# - Krizhevsky, *Learning Multiple Layers of Features from Tiny Images*, 2009 (CIFAR-10).
# - Chen et al., *A Simple Framework for Contrastive Learning of Visual Representations*
#   (SimCLR), ICML 2020 — the augmentation settings used here.
# - Wu et al., *Unsupervised Feature Learning via Non-Parametric Instance Discrimination*,
#   CVPR 2018 — the weighted kNN evaluation.
# - He et al., *Deep Residual Learning for Image Recognition*, CVPR 2016 (ResNet).
