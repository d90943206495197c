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
# # 04 · SimCLR: learning by telling images apart
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sslkit/sslkit/blob/main/notebooks/04_simclr.ipynb)
#
# Pretext tasks (notebooks 01–02) invent a label and hope the features that predict it are
# useful. **Contrastive learning** asks for the useful property directly: two views of the
# same image should get similar features, views of different images dissimilar ones.
# SimCLR (Chen et al., 2020) is the simplest recipe that made this work at scale:
#
# 1. take a batch of B images and augment each twice (crop, flip, colour jitter, grayscale):
#    2B views;
# 2. run every view through the backbone (features **h**) and a small MLP, the *projection
#    head* (projections **z**);
# 3. for every view, its partner is the **positive**; the other 2B − 2 views are
#    **negatives**. The loss, NT-Xent, is a softmax classification: among all 2B − 1 other
#    views, pick your partner by cosine similarity divided by a **temperature** τ:
#
#    $$\ell_{i} = -\log \frac{\exp(\mathrm{sim}(z_i, z_{j(i)})/\tau)}{\sum_{k \neq i} \exp(\mathrm{sim}(z_i, z_k)/\tau)}$$
#
# **Why negatives?** Pulling positives together alone has a trivial optimum: map every image
# to the same point — *collapse*. The denominator pushes all views apart, so the only way to
# win is to keep what identifies an image and drop what the augmentations change.
#
# **Why a projection head?** The loss wants z to be invariant to colour, orientation and
# more; that throws information away. Putting the head between the backbone and the loss
# lets z absorb the invariance while h keeps more of the image — so we evaluate h.
#
# **Why big batches?** Every other image in the batch is a negative: more negatives make the
# task harder and the gradient estimate of the full softmax better. The paper trains with
# batches up to 8,192.
#
# This notebook writes the loss and one training step by hand, trains SimCLR, evaluates it
# with the protocol of notebook 00, and then tests four of the paper's claims with small
# experiments. Its numbers come from three sizes of run, those of the `cpu` profile whose
# reference runs it loads: **the main run** (all 50,000 training images, width 1/8, about two
# CPU-hours); **the experiment size** (2,000 training images, width 1/8, 8 epochs, every
# setting once per seed); and, for the last test, **the main size** (10,000 training images,
# width 1/4, 16 epochs).

# %% [markdown]
# ## Setup

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
import torch.nn as nn
import torch.nn.functional as F
from IPython.display import Markdown, display

from sslkit.course import plots, widgets
from sslkit.course.by_hand import check_step
from sslkit.course.setup import report, setup
from sslkit.experiments.baselines import random_floor
from sslkit.experiments.sweeps import experiment_seeds, main_size, random_init_seeds, sweep_seeds
from sslkit.methods import SimCLR
from sslkit.parts.augment import simclr_augment
from sslkit.parts.data import cifar10
from sslkit.parts.losses import nt_xent
from sslkit.records.policy import load_or_pretrain
from sslkit.records.results import load_reference, reference_lines
from sslkit.training.evaluate import extract_features, knn_accuracy, linear_probe
from sslkit.training.mechanisms import colour_agreement, projection_geometry
from sslkit.training.stats import SPREAD_LEGEND, mean_sd, verdict

PROFILE, MODE = setup("04_simclr", retrain=RETRAIN, drive=DRIVE)  # the profile; whether runs load or train
SEEDS = experiment_seeds(PROFILE)  # every experiment setting is trained once per seed: 3 (2 under smoke)
MAIN = PROFILE.main_profile()  # the main run's sizes; the experiments keep the profile's own
train, test = cifar10(MAIN)  # the main run's images
reference = load_reference(PROFILE)  # floor and supervised baseline from notebook 00
print(f"{len(train):,} train / {len(test):,} test images")

# %% [markdown]
# ## The loss in a few lines
# NT-Xent is a softmax classification over the 2B views of a batch: each view's logits are its
# cosine similarities to the other 2B − 1 views divided by τ, and its target is its partner.
# Written out, and checked on random projections against the package's `nt_xent`, which the
# training below uses:

# %%
def nt_xent_by_hand(z1, z2, tau):
    """z1, z2: (B, d) projections of the two views of B images."""
    B = len(z1)
    z = F.normalize(torch.cat([z1, z2]), dim=1)  # (2B, d) on the unit sphere
    logits = z @ z.T / tau  # (2B, 2B) cosine similarity / τ
    logits.fill_diagonal_(float("-inf"))  # a view is not its own candidate
    partner = torch.cat([torch.arange(B, 2 * B), torch.arange(B)])  # view i's positive
    return F.cross_entropy(logits, partner)  # mean over the 2B views


z1, z2 = torch.randn(16, 32), torch.randn(16, 32)
print(f"by hand {nt_xent_by_hand(z1, z2, 0.5):.6f}, sslkit.parts.losses.nt_xent {nt_xent(z1, z2, 0.5):.6f}")
assert torch.allclose(nt_xent_by_hand(z1, z2, 0.5), nt_xent(z1, z2, 0.5), atol=1e-5)

# %% [markdown]
# One training step, written out for a small SimCLR (width 1/8) with the loss above: two random
# views of every image, the same backbone and projection head for both, NT-Xent. `check_step`
# runs it and the package's `SimCLR.step` on the same 16 training images from the same random
# seed (so both draw the same crops, flips and colours) and asserts that the losses and the
# gradients of every trained weight agree:

# %%
def simclr_step_by_hand(model, x):
    """x: (B, 3, 32, 32) uint8 images → the loss of one training step."""
    x1, x2 = model.prepare(model.augment(x)), model.prepare(model.augment(x))  # two views of each image
    z1 = model.projector(model.backbone(x1))  # (B, 128): h = backbone(x), z = projector(h)
    z2 = model.projector(model.backbone(x2))
    return nt_xent_by_hand(z1, z2, model.hparams.temperature)


check_step(SimCLR(width=0.125), simclr_step_by_hand, train.images[:16])

# %% [markdown]
# ## 1 · Pretraining
# `load_or_pretrain` loads the main run of SimCLR (`RETRAIN = True` trains it here, at the live
# size): SGD with momentum, warmup and cosine decay, lr = 0.3 × batch / 256 and τ = 0.2, chosen
# on a validation split of the training images. The experiments in section 3 keep SimCLR's
# defaults, lr = 0.06 × batch / 256 and τ = 0.5. Labels reach only the *online probe*, a linear
# classifier on detached features that shows how useful h is while the backbone learns.

# %%
# its epochs and settings: the profile's main-run table, PROFILE.main_run("simclr")
simclr, simclr_run = load_or_pretrain(SimCLR, train, test, "simclr", mode=MODE)
fig = plots.training_curves(simclr_run.run_dir, "SimCLR pretraining", reference=reference_lines(reference, metric="linear"))

# %%
display(Markdown(f"The run trained {simclr_run.epochs} epochs ({simclr_run.steps:,} optimizer steps) on "
                 f"{len(train):,} images in {simclr_run.seconds / 60:.1f} minutes. In the curves, the loss falls as the "
                 "network learns to find each image's partner among the batch, and the online probe's test accuracy "
                 "shows what that is worth for classes no label ever told the backbone about."))

# %% [markdown]
# ## 2 · Evaluation
# The protocol of notebook 00 on the frozen backbone: kNN and a linear probe on h.

# %%
result = report("simclr", simclr, train, test, profile=PROFILE, mode=MODE, reference=reference, run=simclr_run)

# %%
floor, supervised = reference.get("floor", {}), reference.get("supervised", {})
said = [f"SimCLR's frozen features reach {result['knn']:.1%} kNN and {result['linear']:.1%} with a linear probe"]
if "knn" in floor:
    said.append(f", from {floor['knn']:.1%} and {floor.get('linear', float('nan')):.1%} for the same network at "
                "random init")
said.append(". ")
if "knn" in supervised:
    gap = supervised["knn"] - result["knn"]
    said.append(f"The supervised baseline on the same images reaches {supervised['knn']:.1%} kNN: "
                f"{100 * abs(gap):.1f} points {'above' if gap > 0 else 'below'} SimCLR. ")
said.append("The calibration table sets the run beside published SimCLR runs on CIFAR-10 and gives its share of "
            "their compute.")
display(Markdown("".join(said)))

# %%
h_test = extract_features(simclr, test)
fig = plots.embedding(h_test, test.labels, test.classes, "tsne", PROFILE.embed_points, title="SimCLR features h (t-SNE)")

# %% [markdown]
# Nearest neighbours in SimCLR's feature space (red: another class). Without labels the
# network groups images by what survives the augmentations: shape, layout, texture — and,
# where those are weak, still the background's colour. Look for a query whose neighbours share
# its background rather than its class: that is the limit of what the main run learned.

# %%
h_train = extract_features(simclr, train)
q = torch.stack([(test.labels == c).nonzero()[0, 0] for c in range(0, 10, 2)])
fig = plots.retrieval_grid(test.images[q], h_test[q], train.images, h_train, k=8,
                           query_labels=test.labels[q], gallery_labels=train.labels, classes=train.classes)

# %% [markdown]
# ## 3 · The claims, as experiments
# Each experiment trains SimCLR models of the experiment size that differ in one setting, once
# per seed, and compares their kNN accuracy: bars at the mean ± one sd over seeds, each seed a
# dot, beside a random-init network of the same size (the floor) and the main run. `verdict`
# prints one line per claim and calls a difference *shown* only when it exceeds twice its
# standard error (SE).

# %%
sweep_profile = PROFILE.sweep()
sweep_train, sweep_test = cifar10(sweep_profile)  # the experiment size's images (2,000 under cpu)
_, sweep_floor = random_floor(sweep_train, sweep_test, sweep_profile)
print(f"sweep runs: {len(sweep_train):,} images, width {sweep_profile.width}, {sweep_profile.pretrain_epochs} epochs, "
      f"seeds {SEEDS}; random init at this size: kNN {sweep_floor['knn']:.1%}")
ref_lines = dict(floor=sweep_floor["knn"], main=result["knn"])


def probe(layer, kind):
    """A sweep-run measure: the linear probe or kNN on the backbone features h or the projections z."""
    def measure(model, tr, te):
        net = model.backbone if layer == "h" else nn.Sequential(model.backbone, model.projector)
        f_tr, f_te = extract_features(net, tr), extract_features(net, te)
        if kind == "linear":
            return linear_probe(f_tr, tr.labels, f_te, te.labels, 10).accuracy
        return knn_accuracy(f_tr, tr.labels, f_te, te.labels, 10)
    return measure


queries = sweep_test.balanced(per_class=min(100, len(sweep_test) // 10), seed=1)  # the mechanism measures' 1,000 test images
# measured on each run of the temperature, augmentation and projection-head experiments right
# after it trains, and stored with it (a sweep run keeps no weights)
MEASURES = {"linear_h": probe("h", "linear"), "linear_z": probe("z", "linear"), "knn_z": probe("z", "knn"),
            "align": lambda model, tr, te: projection_geometry(model, queries.images)["align"],
            "uniform": lambda model, tr, te: projection_geometry(model, queries.images)["uniform"],
            "colour_agree": lambda model, tr, te: colour_agreement(model, tr, queries)}


def simclr_seeds(batch_size=sweep_profile.batch_size, temperature=0.5, augment="full", epochs=None, metric="knn",
                 measures=None, negatives=None):
    """kNN accuracy (or another ``metric`` of the run's ``measures``) of one small SimCLR setting,
    once per seed (runs reload if they already ran); ``negatives=None``: all of the batch's."""
    augs = {"full": simclr_augment(),
            "no crop": simclr_augment().replace(crop_scale=(1.0, 1.0)),
            "no colour": simclr_augment().replace(jitter_p=0.0, gray_p=0.0)}
    return sweep_seeds(SimCLR, sweep_train, sweep_test, "simclr-sweep", mode=MODE, batch_size=batch_size, temperature=temperature,
                       augment=augs[augment], metric=metric, measures=measures, **({"epochs": epochs} if epochs else {}),
                       **({"negatives": negatives} if negatives else {}))



# %% [markdown]
# ### Batch size
# *Claim: bigger batches (more negatives) give better representations.* Same number of
# epochs, learning rate scaled with the batch.

# %%
batches = [sweep_profile.batch_size // 2, sweep_profile.batch_size, sweep_profile.batch_size * 2]
acc_batch = [simclr_seeds(batch_size=b) for b in batches]
fig = plots.seed_bars({f"batch {b}": a for b, a in zip(batches, acc_batch)}, **ref_lines, title="kNN vs batch size")
verdict(f"batch {batches[-1]} better than {batches[0]}", acc_batch[0], acc_batch[-1])

# %% [markdown]
# At equal epochs a bigger batch takes fewer optimizer steps, so the comparison above mixes two
# things. The fairer test holds the number of steps fixed: every batch size trains for the
# steps the smallest batch takes in the experiment's epochs, so the larger batches see
# proportionally more epochs (and cost more compute).

# %%
steps = (len(sweep_train) // batches[0]) * sweep_profile.pretrain_epochs
epochs_at = {b: round(steps / (len(sweep_train) // b)) for b in batches}
print("epochs (optimizer steps) per batch size: "
      + ", ".join(f"{b}: {e} ({e * (len(sweep_train) // b)})" for b, e in epochs_at.items()))
acc_steps = [simclr_seeds(batch_size=b, epochs=epochs_at[b]) for b in batches]
fig = plots.seed_bars({f"batch {b}": a for b, a in zip(batches, acc_steps)}, **ref_lines,
                      title=f"kNN vs batch size at about {steps} steps")
verdict(f"at equal steps, batch {batches[-1]} better than {batches[0]}", acc_steps[0], acc_steps[-1])

# %% [markdown]
# **The negatives alone.** Neither design above isolates the number of negatives: at equal
# epochs a bigger batch takes fewer steps, at equal steps it sees more images. Here the batch,
# the steps, the images and the compute stay those of the default run, and only the number of
# negatives each view is contrasted with changes: NT-Xent's denominator keeps `n` of the
# 2B − 2 other views, drawn afresh at every step (`nt_xent(..., negatives=n)`; every similarity
# is still computed, so each step costs the same). **The test, stated before the runs**: the
# claim predicts that all 2B − 2 negatives beat 16, and 16 beat 2.

# %%
negatives = [2, 16, 2 * sweep_profile.batch_size - 2]
acc_neg = {n: simclr_seeds(negatives=None if n == negatives[-1] else n) for n in negatives}
fig = plots.seed_bars({f"{n} negatives" + (" (all)" if n == negatives[-1] else ""): a for n, a in acc_neg.items()},
                      **ref_lines, title=f"kNN vs negatives per view, batch {sweep_profile.batch_size}, equal compute")
verdict(f"at equal batch and compute, {negatives[-1]} negatives better than {negatives[1]}", acc_neg[negatives[1]],
        acc_neg[negatives[-1]])
verdict(f"at equal batch and compute, {negatives[1]} negatives better than {negatives[0]}", acc_neg[negatives[0]],
        acc_neg[negatives[1]])

# %%
from sslkit.training.stats import judge  # the numbers behind a verdict line: (verdict, difference, SE)


def gap(base, other):
    """The difference of means other − base ± its SE, in points, as a verdict line measures it."""
    _, d, se = judge(base, other)
    return f"{100 * d:+.1f} ± {100 * se:.1f} (SE) points"


def mean_of(values):
    return sum(values) / len(values)


n0, n1, n2 = negatives
first, last = judge(acc_neg[n0], acc_neg[n1])[1], judge(acc_neg[n1], acc_neg[n2])[1]
display(Markdown(
    f"At equal epochs, batch {batches[-1]} against batch {batches[0]}: {gap(acc_batch[0], acc_batch[-1])} of kNN, with "
    f"fewer optimizer steps; at equal steps: {gap(acc_steps[0], acc_steps[-1])}, with "
    f"{epochs_at[batches[-1]] / epochs_at[batches[0]]:.1f} times the epochs. At a fixed batch, steps and compute, going "
    f"from {n0} to {n1} negatives per view changes kNN by {gap(acc_neg[n0], acc_neg[n1])}, and from {n1} to all {n2} by "
    f"{gap(acc_neg[n1], acc_neg[n2])}; the verdict lines above judge each step. "
    + (f"The first {n1 - n0} negatives add more than the last {n2 - n1}: the gain per negative shrinks as their number "
       "grows. The paper's gain comes from batches of thousands over long runs, where the few hard negatives among "
       "many carry the signal." if first > last else
       f"The last {n2 - n1} negatives do at least as much as the first {n1 - n0}, the direction the claim predicts.")))

# %% [markdown]
# ### Temperature
# *Claim: the temperature matters, and a low one helps.* First what it does: below, one
# anchor's similarities to every other view in a batch under the trained model, and the
# softmax NT-Xent applies to them. A small τ sharpens the softmax: the loss then
# concentrates on the few hardest negatives; a large τ spreads it over all of them.

# %%
x = test.images[:128].to(PROFILE.device)
with torch.no_grad():
    simclr.eval()
    z1 = F.normalize(simclr.projector(simclr.backbone(simclr_augment()(x))), dim=1)
    z2 = F.normalize(simclr.projector(simclr.backbone(simclr_augment()(x))), dim=1)
sims = torch.cat([z1[0] @ z1[1:].T, z1[0] @ z2.T]).cpu()  # anchor 0 vs the 2B - 1 others
positive = len(z1) - 1  # index of z2[0] in sims
fig = plots.softmax_over_similarities(sims, positive, (0.05, 0.5, 2.0))

# %%
widgets.temperature_explorer(sims, positive)

# %%
temperatures = [0.1, 0.5, 1.0]
acc_temp = [simclr_seeds(temperature=t, measures=MEASURES) for t in temperatures]
fig = plots.seed_bars({f"τ = {t:g}": a for t, a in zip(temperatures, acc_temp)}, **ref_lines, title="kNN vs temperature")
verdict("τ = 0.1 better than τ = 0.5", acc_temp[1], acc_temp[0])
verdict("τ = 0.1 better than τ = 1.0", acc_temp[2], acc_temp[0])

# %% [markdown]
# **What τ does to the geometry (Wang & Isola 2020).** τ sets how hard NT-Xent pulls each
# image's two views together (*alignment*) against how hard it pushes all images apart
# (*uniformity* over the sphere). Both are measured on the unit-length projections z, for
# 1,000 test images (100 per class), on every run above; lower is better for both. The test,
# stated before the runs, from Wang & Liu 2021's analysis of the loss: a lower τ spreads the
# images more evenly (a lower uniformity loss) and pulls the views less close (a higher
# alignment loss), from τ = 1.0 to 0.5 and from 0.5 to 0.1.

# %%
geometry = {f"τ = {t:g}": (simclr_seeds(temperature=t, metric="align", measures=MEASURES),
                           simclr_seeds(temperature=t, metric="uniform", measures=MEASURES)) for t in temperatures}
fig = plots.align_uniform(geometry, title="SimCLR sweep runs: alignment vs uniformity by τ")
for lo, hi in ((0.1, 0.5), (0.5, 1.0)):
    verdict(f"τ = {lo:g} spreads the images more evenly than τ = {hi:g} (uniformity loss)",
            geometry[f"τ = {hi:g}"][1], geometry[f"τ = {lo:g}"][1], "lower", points=False)
    verdict(f"τ = {lo:g} pulls the views less close than τ = {hi:g} (alignment loss)",
            geometry[f"τ = {hi:g}"][0], geometry[f"τ = {lo:g}"][0], "higher", points=False)

# %%
knn_at = {t: mean_of(a) for t, a in zip(temperatures, acc_temp)}
align_at = {t: mean_of(geometry[f"τ = {t:g}"][0]) for t in temperatures}
uniform_at = {t: mean_of(geometry[f"τ = {t:g}"][1]) for t in temperatures}
best = max(knn_at, key=knn_at.get)
said = ("kNN by temperature: " + ", ".join(f"τ = {t:g}: {mean_sd(a)}%" for t, a in zip(temperatures, acc_temp))
        + f" (mean ± sd over seeds); τ = {best:g} comes out best. In the geometry, the alignment loss of z is "
        + ", ".join(f"{align_at[t]:.3f}" for t in temperatures) + " and the uniformity loss "
        + ", ".join(f"{uniform_at[t]:.3f}" for t in temperatures) + " from the lowest τ to the highest (means over seeds). ")
if align_at[0.1] < align_at[0.5] and uniform_at[0.1] > uniform_at[0.5]:
    said += ("At τ = 0.1 both move against the prediction: the views land close together and the images bunch, a "
             "partial collapse of z: in so few steps the sharp softmax finds it easier to make two views identical than "
             "to spread the batch" + (", which is why its kNN is the lowest." if min(knn_at, key=knn_at.get) == 0.1
                                      else "."))
else:
    said += "The verdict lines above say where this follows the predicted direction."
display(Markdown(said))

# %% [markdown]
# τ = 0.5 is the paper's own choice for CIFAR-10 (Chen et al. 2020); its lower τ values go with
# ImageNet batches of thousands.
#
# ### Augmentations
# *Claim: random cropping and colour distortion together are what make the task useful;
# without colour distortion the network can match views by their colour histogram alone.*

# %%
augment_names = ["full", "no crop", "no colour"]
acc_aug = [simclr_seeds(augment=a, measures=MEASURES) for a in augment_names]
fig = plots.seed_bars(dict(zip(augment_names, acc_aug)), **ref_lines, title="kNN vs augmentations")
verdict("cropping helps (full better than no crop)", acc_aug[1], acc_aug[0])
verdict("colour distortion helps (full better than no colour)", acc_aug[2], acc_aug[0])
sweep_floors = random_init_seeds(sweep_train, sweep_test)  # one random-init network per seed: the floor's own spread
verdict("SimCLR better than random init", sweep_floors, acc_aug[0])  # does it learn enough here to test claims about it?

# %% [markdown]
# **Does the no-colour network match colour histograms?** The claim's mechanism, measured
# directly: for each of those 1,000 test images, its 10 nearest training images by the
# network's features h and by colour histogram alone (4 levels per channel, cosine of the
# square-rooted histograms), and the share of the 10 the two lists have in common. A
# random-init network is the baseline (untrained convolutions already respond to colour). The
# test, stated before the runs: the no-colour network's neighbours agree with the
# colour-histogram neighbours more than the full augmentation's do.

# %%
agree_random = random_init_seeds(sweep_train, sweep_test, method_cls=SimCLR, measure=MEASURES["colour_agree"])
agree = {a: simclr_seeds(augment=a, metric="colour_agree", measures=MEASURES) for a in augment_names}
print(f"{len(queries):,} queries, bank of {len(sweep_train):,} training images: chance {10 / len(sweep_train):.1%}")
fig = plots.seed_bars({"random init": agree_random, **agree}, ylabel="neighbours shared with colour histograms (%)",
                      title="how far h is a colour-histogram space (10 nearest neighbours)")
verdict("without colour distortion the neighbours follow colour histograms more (agreement)",
        agree["full"], agree["no colour"])
verdict("training with full augmentation moves the neighbours away from colour (vs random init)",
        agree_random, agree["full"], "lower")

# %%
acc = dict(zip(augment_names, acc_aug))
share = {"a random-init network": agree_random, "full augmentation": agree["full"], "no crop": agree["no crop"],
         "no colour distortion": agree["no colour"]}
said = (f"Without random crops kNN is {mean_sd(acc['no crop'])}%, without colour distortion {mean_sd(acc['no colour'])}%, "
        f"with both {mean_sd(acc['full'])}% (mean ± sd over seeds); the two ablations are "
        f"{gap(acc['no crop'], acc['no colour'])} apart, to be read against twice their SE. Of a test image's 10 nearest "
        "neighbours, the share that are also among its 10 nearest by colour histogram is "
        + ", ".join(f"{mean_sd(v)}% for {k}" for k, v in share.items()) + " (mean ± sd over seeds). ")
if mean_of(agree["no crop"]) < mean_of(agree["full"]):
    said += ("The no-crop network is the mirror image of the no-colour one: its two views differ only in colour, so it "
             "learns to ignore colour. ")
full_vs_random = mean_of(agree["full"]) > mean_of(agree_random)
said += (f"With full augmentation the neighbours follow colour histograms {'more' if full_vs_random else 'less'} than "
         "a random network's do" + (": at this size colour is still a large part of what SimCLR learns" if full_vs_random
                                    else ", as the claim's mechanism predicts"))
if full_vs_random and mean_of(agree["no colour"]) > mean_of(agree["full"]):
    said += "; the distortion keeps it from being all of it"
said += "."
display(Markdown(said))

# %% [markdown]
# ### Projection head
# *Claim: the representation before the projection head (h) is better than after it (z).*
# The runs of the default setting, each probed on both sides of its head right after
# training: the linear probe, the paper's protocol, decides; kNN is shown beside it.

# %%
head_measures = ("linear_h", "linear_z", "knn_z")  # defined with the others at the top of section 3
acc_head = {m: simclr_seeds(metric=m, measures=MEASURES) for m in head_measures}
acc_head["knn_h"] = simclr_seeds(metric="knn", measures=MEASURES)  # every sweep run's kNN is on h
fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.6))
plots.seed_bars({"h (backbone)": acc_head["linear_h"], "z (projection)": acc_head["linear_z"]},
                floor=sweep_floor["linear"], main=result["linear"], ylabel="linear probe top-1 (%)",
                title="linear probe (decides)", ax=a1)
plots.seed_bars({"h (backbone)": acc_head["knn_h"], "z (projection)": acc_head["knn_z"]}, **ref_lines,
                title="kNN", ax=a2)
fig.tight_layout()
verdict("h better than z (linear probe)", acc_head["linear_z"], acc_head["linear_h"])
verdict("h better than z (kNN)", acc_head["knn_z"], acc_head["knn_h"])

# %% [markdown]
# **The same probes at the main size.** A head trained at the experiment size has had few
# steps to specialize to the loss. So the test again on longer SimCLR runs, once per seed, at
# the main size (10,000 images, width 1/4, 16 epochs) — not the main run above. Its floor is a
# random-init network of that size, and the main run's line is left off: it is another size.

# %%
size_train, size_test = cifar10(PROFILE)  # the main size's images: the profile's own (10,000 under cpu)
_, size_floor = random_floor(size_train, size_test, PROFILE)
print(f"main-size runs: {len(size_train):,} images, width {PROFILE.width}, {PROFILE.pretrain_epochs} epochs; "
      f"random init at this size: kNN {size_floor['knn']:.1%}, linear probe {size_floor['linear']:.1%}")
acc_head_main = {m: sweep_seeds(SimCLR, size_train, size_test, "simclr-main-size", mode=MODE, size="main", metric=m,
                                measures={k: MEASURES[k] for k in head_measures}) for m in [*head_measures, "knn"]}
fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.6))
plots.seed_bars({"h (backbone)": acc_head_main["linear_h"], "z (projection)": acc_head_main["linear_z"]},
                floor=size_floor["linear"], ylabel="linear probe top-1 (%)", title="linear probe, main size (decides)", ax=a1)
plots.seed_bars({"h (backbone)": acc_head_main["knn"], "z (projection)": acc_head_main["knn_z"]},
                floor=size_floor["knn"], title="kNN, main size", ax=a2)
fig.tight_layout()
verdict("at the main size, h better than z (linear probe)", acc_head_main["linear_z"], acc_head_main["linear_h"])
verdict("at the main size, h better than z (kNN)", acc_head_main["knn_z"], acc_head_main["knn"])
size_floors = random_init_seeds(size_train, size_test, profile=main_size(PROFILE))
verdict("SimCLR at the main size better than random init", size_floors, acc_head_main["knn"])
print("h − z per seed (linear probe): "
      + ", ".join(f"{100 * (h - z):+.1f}" for h, z in zip(acc_head_main["linear_h"], acc_head_main["linear_z"])) + " points")

# %%
small_gap, main_gap = (judge(a["linear_z"], a["linear_h"])[1] for a in (acc_head, acc_head_main))
ahead = sum(h > z for h, z in zip(acc_head_main["linear_h"], acc_head_main["linear_z"]))
display(Markdown(
    f"Linear probe, h against z (mean ± sd over seeds): at the experiment size {mean_sd(acc_head['linear_h'])}% against "
    f"{mean_sd(acc_head['linear_z'])}% ({gap(acc_head['linear_z'], acc_head['linear_h'])}); at the main size "
    f"{mean_sd(acc_head_main['linear_h'])}% against {mean_sd(acc_head_main['linear_z'])}% "
    f"({gap(acc_head_main['linear_z'], acc_head_main['linear_h'])}), h ahead in {ahead} of {len(SEEDS)} seeds. "
    f"kNN at the main size: {mean_sd(acc_head_main['knn'])}% on h, "
    f"{mean_sd(acc_head_main['knn_z'])}% on z. "
    + ("The gap grows with training, in the paper's direction; Chen et al. (2020) report more than 10 points on "
       "ImageNet, whose heads train for hundreds of epochs." if main_gap > max(small_gap, 0) else
       "At these sizes h does not pull ahead of z with longer training; Chen et al. (2020) report more than 10 points on ImageNet, whose "
       "heads train for hundreds of epochs.")))

# %% [markdown]
# ## 4 · What the runs show
# Every setting's result, mean ± sd over seeds:

# %%
lines = [
    f"- random init at sweep size: kNN {100 * sweep_floor['knn']:.1f} %",
    "- batch size at equal epochs: " + ", ".join(f"{b}: {mean_sd(a)}" for b, a in zip(batches, acc_batch)) + " % kNN",
    "- batch size at equal steps: " + ", ".join(f"{b}: {mean_sd(a)}" for b, a in zip(batches, acc_steps)) + " % kNN",
    f"- negatives per view at batch {sweep_profile.batch_size}, equal compute: "
    + ", ".join(f"{n}: {mean_sd(a)}" for n, a in acc_neg.items()) + " % kNN",
    "- temperature: " + ", ".join(f"{t:g}: {mean_sd(a)}" for t, a in zip(temperatures, acc_temp)) + " % kNN",
    "- alignment loss of z: " + ", ".join(f"{k}: {mean_sd(g[0], points=False)}" for k, g in geometry.items())
    + "; uniformity loss: " + ", ".join(f"{k}: {mean_sd(g[1], points=False)}" for k, g in geometry.items()),
    "- augmentations: " + ", ".join(f"{n}: {mean_sd(a)}" for n, a in zip(augment_names, acc_aug)) + " % kNN",
    "- neighbours shared with colour histograms: " + ", ".join(f"{n}: {mean_sd(a)}" for n, a in
                                                             {"random init": agree_random, **agree}.items()) + " %",
    f"- projection head: linear probe on h {mean_sd(acc_head['linear_h'])}, on z {mean_sd(acc_head['linear_z'])}; "
    f"kNN on h {mean_sd(acc_head['knn_h'])}, on z {mean_sd(acc_head['knn_z'])} %",
    f"- random init at the main size: kNN {100 * size_floor['knn']:.1f} %, linear probe {100 * size_floor['linear']:.1f} %",
    f"- projection head at the main size: linear probe on h {mean_sd(acc_head_main['linear_h'])}, on z "
    f"{mean_sd(acc_head_main['linear_z'])}; kNN on h {mean_sd(acc_head_main['knn'])}, on z "
    f"{mean_sd(acc_head_main['knn_z'])} %",
]
display(Markdown("\n".join(lines) + "\n\n" + SPREAD_LEGEND))

# %% [markdown]
# The tally of the verdict lines above, claim by claim:

# %%
g = {t: geometry[f"τ = {t:g}"] for t in temperatures}  # τ → (alignment, uniformity) per seed
claims = {  # (baseline, other, direction) of every verdict line above, in order
    f"batch {batches[-1]} beats {batches[0]} at equal epochs": (acc_batch[0], acc_batch[-1], "higher"),
    f"batch {batches[-1]} beats {batches[0]} at equal steps": (acc_steps[0], acc_steps[-1], "higher"),
    f"{n2} negatives beat {n1}": (acc_neg[n1], acc_neg[n2], "higher"),
    f"{n1} negatives beat {n0}": (acc_neg[n0], acc_neg[n1], "higher"),
    "τ = 0.1 beats τ = 0.5": (acc_temp[1], acc_temp[0], "higher"),
    "τ = 0.1 beats τ = 1.0": (acc_temp[2], acc_temp[0], "higher"),
    "τ = 0.1 spreads the images more than τ = 0.5": (g[0.5][1], g[0.1][1], "lower"),
    "τ = 0.1 pulls the views less close than τ = 0.5": (g[0.5][0], g[0.1][0], "higher"),
    "τ = 0.5 spreads the images more than τ = 1": (g[1.0][1], g[0.5][1], "lower"),
    "τ = 0.5 pulls the views less close than τ = 1": (g[1.0][0], g[0.5][0], "higher"),
    "cropping helps": (acc_aug[1], acc_aug[0], "higher"),
    "colour distortion helps": (acc_aug[2], acc_aug[0], "higher"),
    "without colour distortion the neighbours follow colour more": (agree["full"], agree["no colour"], "higher"),
    "full augmentation moves the neighbours away from colour": (agree_random, agree["full"], "lower"),
    "h beats z, linear probe": (acc_head["linear_z"], acc_head["linear_h"], "higher"),
    "h beats z, kNN": (acc_head["knn_z"], acc_head["knn_h"], "higher"),
    "at the main size, h beats z, linear probe": (acc_head_main["linear_z"], acc_head_main["linear_h"], "higher"),
    "at the main size, h beats z, kNN": (acc_head_main["knn_z"], acc_head_main["knn"], "higher"),
}
tally = {}
for claim, (base, other, direction) in claims.items():
    tally.setdefault(judge(base, other, direction)[0], []).append(claim)
display(Markdown("\n".join(f"- *{v}*: " + "; ".join(c) for v, c in tally.items())))

# %% [markdown]
# ## Conclusion
# With nothing but two augmented views per image and the rest of the batch as negatives,
# SimCLR learns features from which a kNN classifier and a linear probe read the class;
# section 2 measures how far above random weights and how far below the supervised baseline.
# Each verdict line is a statement about a size far below the paper's runs. Three lessons
# carry over: a design must isolate what a claim
# names (batch size alone mixes negatives, steps and images); the augmentations decide what the
# network learns to ignore (the colour-histogram test measures it directly); and a mechanism
# can be checked, not only an accuracy (alignment and uniformity show what τ does to z).
#
# ## Going further
# - **Thousands of negatives at a small batch.** MoCo (He et al. 2020) keeps a queue of past
#   projections as negatives; it would test the negatives claim beyond the batch.
# - **Which augmentation matters more?** The two ablations' difference printed with the
#   augmentation experiment says how far apart they are; more seeds would settle it.
# - **Temperature with the batch.** Repeating the τ sweep at the largest batch of the
#   batch-size experiment would show whether a lower τ pays off once there are more negatives.
#
# ## References
# - Chen, Kornblith, Norouzi, Hinton, *A Simple Framework for Contrastive Learning of Visual
#   Representations*, ICML 2020 (SimCLR).
# - van den Oord, Li, Vinyals, *Representation Learning with Contrastive Predictive Coding*,
#   2018 (InfoNCE).
# - Wu et al., *Unsupervised Feature Learning via Non-Parametric Instance Discrimination*,
#   CVPR 2018 (memory bank, kNN evaluation).
# - He, Fan, Wu, Xie, Girshick, *Momentum Contrast for Unsupervised Visual Representation
#   Learning*, CVPR 2020 (MoCo).
# - Wang, Isola, *Understanding Contrastive Representation Learning through Alignment and
#   Uniformity on the Hypersphere*, ICML 2020 (the alignment and uniformity losses).
# - Wang, Liu, *Understanding the Behaviour of Contrastive Loss*, CVPR 2021 (the temperature's
#   effect on uniformity).
