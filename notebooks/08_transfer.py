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
# # 08 · Transfer: every method on one protocol, and how many labels each one saves
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sslkit/sslkit/blob/main/notebooks/08_transfer.ipynb)
#
# Notebooks 01–07 each trained one self-supervised method and read its frozen features with
# kNN and a linear probe. Here all of them meet on one protocol, with the two reference points
# every table carries: the **floor** (a random-init network) and the **supervised baseline**
# (the same network trained with all the labels). Then the question self-supervised learning
# is for: *when labels are scarce, how much does a pretrained encoder save?* This course asks
# whether pretraining pays off *most* when labels are few, and tests it:
#
# 1. **All labels** — kNN and linear probe on frozen features: one table, one bar chart.
# 2. **Label efficiency** — linear probes trained on 1, 10 and 100 percent of the labelled
#    training images (class-balanced, three label draws per fraction, the smaller set inside the
#    larger), for every encoder: one curve.
# 3. **Fine-tuning** the whole network on the same subsets, for the floor (which is training
#    from scratch), the supervised baseline and the two SSL encoders whose linear probe scores
#    best on the probe's *validation* split (part of the training set: the test set chooses
#    nothing). The gain of pretraining over training from scratch, at each fraction, answers
#    the question.
# 4. **ImageNet-pretrained SSL models → CIFAR-10**: published ResNet-50 weights of SwAV, DINO,
#    Barlow Twins, VICReg, lightning-bolts' SimCLR and SwAV, torchvision's supervised model, and
#    bolts' CPC v2 (a LayerNorm ResNet-101 on patches). This part needs the internet and a GPU
#    (Colab); offline it shows the published numbers, labelled as published.
#
# **Sizes.** Every encoder is a **main run** (all 50,000 training images, width 1/8, about two
# CPU-hours each), loaded from the course's reference runs (`RETRAIN = True` trains small versions
# here instead) and evaluated on all 10,000 test images. The fine-tunes train on label subsets of
# those 50,000 images at batch 128.

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
import time
import urllib.request

import matplotlib.pyplot as plt
import torch
from IPython.display import Markdown, display

from sslkit.course import plots
from sslkit.course.setup import setup
from sslkit.experiments import transfer
from sslkit.experiments.baselines import random_floor, supervised_baseline
from sslkit.methods import BYOL, CPC, DeepCluster, Jigsaw, RotNet, SimCLR, SwAV
from sslkit.parts.data import cifar10
from sslkit.records import pretrained
from sslkit.records.policy import load_or_pretrain
from sslkit.records.results import format_table, markdown_table
from sslkit.training.curve import read_curve
from sslkit.training.evaluate import extract_features, knn_accuracy
from sslkit.training.stats import SPREAD_LEGEND, mean_sd, verdict

PROFILE, MODE = setup("08_transfer", retrain=RETRAIN, drive=DRIVE)  # the profile; whether runs load or train
MAIN = PROFILE.main_profile()  # the main runs' sizes: every encoder below is a main run
train, test = cifar10(MAIN)  # the main runs' images (cpu profile: all 50,000 training, 10,000 test)
print(f"{len(train):,} train / {len(test):,} test images")

# %% [markdown]
# ## 1 · The encoders
# Each method's main run, exactly as its notebook trains it, the random-init floor and the
# supervised baseline. The representation read from each is the one its notebook evaluates: the
# pooled backbone output, except CPC's pooled patch codes.

# %%
floor_net, _ = random_floor(train, test, MAIN)
(supervised, supervised_report), _ = supervised_baseline(train, test, mode=MODE)
# each method's main run: the settings of PROFILE.main_run(stem), the run its own notebook loads
mains = {name: load_or_pretrain(cls, train, test, name.lower(), mode=MODE)
         for name, cls in (("RotNet", RotNet), ("Jigsaw", Jigsaw), ("CPC", CPC), ("SimCLR", SimCLR), ("BYOL", BYOL),
                           ("DeepCluster", DeepCluster), ("SwAV", SwAV))}
encoders = {"floor (random init)": floor_net, **{name: run.module for name, run in mains.items()}, "supervised": supervised}
SSL = [n for n in encoders if n not in ("floor (random init)", "supervised")]
t0 = time.perf_counter()
feats = {n: (extract_features(m, train), extract_features(m, test)) for n, m in encoders.items()}
print(f"features of {len(encoders)} encoders on {len(train) + len(test):,} images: {time.perf_counter() - t0:.0f} s")

# %% [markdown]
# ## 2 · All labels: kNN and linear probe
# The protocol of notebook 00 (kNN: cosine, k = 200; linear probe: logistic regression whose L2
# strength is chosen on a validation split of the training images) on every encoder.

# %%
probes = {n: transfer.probe_fractions(feats[n][0], train.labels, feats[n][1], test.labels, train.num_classes)
          for n in encoders}
table = {n: {"knn": knn_accuracy(feats[n][0], train.labels, feats[n][1], test.labels, train.num_classes),
             "linear": probes[n][1.0][0].accuracy} for n in encoders}
display(Markdown(f"**CIFAR-10 test top-1, profile `{PROFILE.name}`, all {len(train):,} labels**\n\n"
                 + format_table(table)))
fig = plots.accuracy_bars(table, title="frozen features, all labels")

# %% [markdown]
# ### Along the way: each main run's kNN against the compute it had spent
# Every main run had the same budget of CPU time (more epochs for a method that costs less per
# image), and was scored on the full test set at a few epochs along the way (`curve.json`,
# recorded with the run). The x-axis is CPU time, not wall time, so pauses do not stretch it. A
# run trained here instead of loaded has no such curve; it is named below the plot.

# %%
reports = {**{name: run.report for name, run in mains.items()}, "supervised": supervised_report}
curves = {name: read_curve(report.run_dir) for name, report in reports.items()}
drawn = {name: rows for name, rows in curves.items() if rows and all("cpu_s" in r for r in rows)}
if drawn:
    fig = plots.knn_curves(drawn, floor=table["floor (random init)"]["knn"],
                           title="kNN along each main run (full test set)")
missing = [name for name in curves if name not in drawn]
if missing:
    print("no recorded curve for " + ", ".join(missing) + ": the reference main runs record one, a run trained "
          "in the notebook does not")

# %% [markdown]
# ## 3 · Label efficiency: linear probes on 1, 10 and 100 percent of the labels
# Each fraction is drawn three times (class-balanced; one percent of 50,000 images is 50 images
# per class); the probe's L2 strength is chosen on a fifth of that draw's own labels (with all
# labels, on the tenth that notebook 00's protocol holds out, so those numbers equal the method
# notebooks'). The curve shows the mean over draws ± one standard deviation (sd); the full set
# has one draw.

# %%
curves = {n: {f: [r.accuracy for r in rs] for f, rs in probes[n].items()} for n in encoders}
fig = plots.label_curves(curves, title="linear probe on frozen features",
                         styles={"floor (random init)": {"ls": "--", "color": "k"},
                                 "supervised": {"ls": ":", "color": "0.4"}})
display(Markdown("**Linear probe on frozen features**, CIFAR-10 test top-1 (%), mean ± sd over the label draws\n\n"
                 + markdown_table({n: {f"{100 * f:g}% labels": mean_sd(a)
                                       for f, a in c.items()} for n, c in curves.items()})))

# %% [markdown]
# **Which SSL encoders to fine-tune.** The two whose linear probe on all labels scores best on
# its validation split (the held-out fifth of the *training* images the probe uses to choose
# its L2 strength), never on test. CPC is left out: its encoder was trained on 8×8 patches and
# its representation pools them, so fine-tuning its encoder on whole images would test
# something else.

# %%
val_score = {n: max(probes[n][1.0][0].val_accuracy.values()) for n in SSL if n != "CPC"}
chosen = sorted(val_score, key=val_score.get, reverse=True)[:2]
print("validation accuracy of the full-label probe: "
      + ", ".join(f"{n} {100 * v:.1f}%" for n, v in sorted(val_score.items(), key=lambda kv: -kv[1])))
print(f"fine-tuned below: floor, supervised, {chosen[0]}, {chosen[1]}")

# %% [markdown]
# ## 4 · Fine-tuning on 1, 10 and 100 percent of the labels
# The whole network and a new linear head trained end to end on the labelled subset
# (supervised augmentation, the supervised baseline's learning rate, the profile's supervised
# epochs — raised, for a small subset, to at least a quarter of the optimizer steps of a
# supervised run on the experiment size's 10,000 images, so that 100 labelled images are not
# seen for a handful of steps only: `transfer.fine_tune_steps`). Fine-tuning the floor is
# training from scratch on those labels. The supervised baseline was pretrained with *all* the
# labels, so it is a ceiling here, not a competitor.

# %%
tuned = {}
for n in ["floor (random init)", "supervised", *chosen]:
    net = encoders[n] if n == "floor (random init)" else encoders[n].backbone
    stem = "finetune-" + n.split(" ")[0].lower()
    tuned[n] = {f: transfer.fine_tune_seeds(net, stem, train, test, f, mode=MODE) for f in transfer.FRACTIONS}
fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
styles = {"floor (random init)": {"ls": "--", "color": "k"}, "supervised": {"ls": ":", "color": "0.4"}}
plots.label_curves(tuned, title="fine-tuned (floor = trained from scratch)", ax=a1, styles=styles)
plots.label_curves({n: curves[n] for n in tuned}, title="linear probe on frozen features (section 3)", ax=a2,
                   styles=styles)
fig.tight_layout()
display(Markdown("**Fine-tuned**, CIFAR-10 test top-1 (%), mean ± sd over the label draws\n\n"
                 + markdown_table({n: {f"{100 * f:g}% labels": mean_sd(a)
                                       for f, a in c.items()} for n, c in tuned.items()})))

# %% [markdown]
# **The course's question: does pretraining pay off most when labels are scarce?** For each
# chosen SSL encoder, its gain over training from scratch on the *same* labelled images (paired
# by draw), with one and with ten percent of the labels; *shown* when the first gain exceeds the
# second by more than twice its standard error. The full set has one draw, so its gain is
# printed, not judged.

# %%
gains = {n: {f: [a - b for a, b in zip(tuned[n][f], tuned["floor (random init)"][f])] for f in transfer.FRACTIONS}
         for n in chosen}
for n in chosen:
    g = gains[n]
    print(f"{n}: gain over training from scratch: 1% {mean_sd(g[0.01])}, 10% {mean_sd(g[0.1])}, "
          f"100% {100 * g[1.0][0]:+.1f} points (mean ± sd over label draws)")
    verdict(f"{n}: the gain is larger with 1% of the labels than with 10%", g[0.1], g[0.01])
    verdict(f"{n}: fine-tuned beats training from scratch at 1%", tuned["floor (random init)"][0.01], tuned[n][0.01])


def mean(v):
    return sum(v) / len(v)


def trend(a, b):  # how the mean gain moves from a (1% of the labels) to b (10%), in words
    d = mean(b) - mean(a)
    return "holds level" if abs(d) < 0.005 else ("grows" if d > 0 else "shrinks")


display(Markdown(" ".join(
    f"{n}'s gain over training from scratch {trend(gains[n][0.01], gains[n][0.1])} from 1% to 10% of the labels "
    f"({mean_sd(gains[n][0.01])} → {mean_sd(gains[n][0.1])} points, mean ± sd over label draws) and is "
    f"{100 * gains[n][1.0][0]:+.1f} points with all of them (one draw)." for n in chosen)
    + " The verdict lines above judge the question."))

# %% [markdown]
# ## 5 · ImageNet-pretrained SSL models → CIFAR-10
# The registry below lists each published file (ResNet-50s, and bolts' CPC v2, whose encoder
# codes a 7×7 grid of 32-px patches of a 128-px image and is read by averaging the codes, as
# notebook 03 reads CPC): where it is, how it is pinned, and its authors' ImageNet linear-probe
# accuracy. `sslkit.load_imagenet(name)` downloads a file once, checks it against its pinned
# hash, reads it with `weights_only=True`, maps its keys onto its architecture (dropping the
# projection heads, prototypes and CPC's prediction task) and loads it strictly — no
# `torch.hub.load`, so no code from the internet runs.

# %%
display(Markdown(markdown_table({
    name: {"method": w.method, "pin": "sha256" if w.sha256 else ("sha256 prefix" if w.sha256_prefix else
                                                                 "on first download (allow_unpinned=True)"),
           "ImageNet linear top-1 (published, %)": w.imagenet_linear or "–", "source": w.source}
    for name, w in pretrained.REGISTRY.items()}, first="name")))

# %% [markdown]
# **Published CIFAR-10 transfer** (theirs, not measured here): a linear classifier on frozen
# ImageNet ResNet-50 features, from the BYOL paper (Grill et al. 2020, Table 3, linear
# evaluation). Our CIFAR-trained encoders above are a fraction of that size and data.

# %%
published = {"SimCLR (ResNet-50, ImageNet)": 90.6, "BYOL (ResNet-50, ImageNet)": 91.3,
             "supervised (ResNet-50, ImageNet)": 93.6}
display(Markdown("**Published** — Grill et al. 2020, Table 3\n\n"
                 + markdown_table({k: {"CIFAR-10 linear top-1 (%)": v} for k, v in published.items()})))


# %%
def reachable(url, timeout=5):
    """True when the internet (the weights' host) answers."""
    try:
        urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout).close()
        return True
    except Exception:
        return False


ONLINE = PROFILE.name != "smoke" and reachable(pretrained.REGISTRY["supervised"].url)
if not ONLINE:
    print("The published weights are not reachable here (no internet, or the smoke profile), so this "
          "section stops at the published table above. In Colab (Runtime → GPU) the cells below download "
          "each model once (about 100 MB each) and measure it.")

# %% [markdown]
# **Measured in Colab** (runs only where the weights are reachable). First the resolution: an
# ImageNet ResNet-50 expects ~224-px objects, CIFAR images are 32 px. On 5,000 training images
# (4,000 to fit, 1,000 to score: a validation split, never test) the supervised model's probe
# accuracy and feature time at 32, 128 and 224 px decide which resolution the comparison uses.
# A T4 at 224 px, an estimate from ResNet-50's 4.1 GFLOPs per image (not measured here): the
# 60,000 CIFAR images are about 250 TFLOPs per model, a few minutes each with resizing and
# transfer included.

# %%
if ONLINE:
    from sslkit.training.evaluate import linear_probe

    small = train.subset(transfer.label_subset(train.labels, min(1.0, 500 / (len(train) / 10))))
    fit_idx, val_idx = torch.arange(len(small)) % 5 != 0, torch.arange(len(small)) % 5 == 0
    net = pretrained.load_imagenet("supervised")
    trade = {}
    for res in (32, 128, 224):
        t = time.perf_counter()
        f = transfer.imagenet_features(net, small, res)
        secs = time.perf_counter() - t
        acc = linear_probe(f[fit_idx], small.labels[fit_idx], f[val_idx], small.labels[val_idx], 10).accuracy
        trade[res] = (acc, secs)
        print(f"{res:>3} px: validation top-1 {100 * acc:.1f}%, features of {len(small):,} images in {secs:.1f} s")
    RESOLUTION = max(trade, key=lambda r: trade[r][0])
    print(f"resolution used below: {RESOLUTION} px (best on validation)")

# %%
if ONLINE:
    imagenet = {}
    for name in pretrained.REGISTRY:
        try:
            net = pretrained.load_imagenet(name, allow_unpinned=True)
        except Exception as e:  # a dead link or a changed file: say so and go on with the others
            print(f"{name}: not loaded — {e}")
            continue
        tr, te = transfer.imagenet_features(net, train, RESOLUTION), transfer.imagenet_features(net, test, RESOLUTION)
        imagenet[name] = {f: [r.accuracy for r in rs] for f, rs in
                          transfer.probe_fractions(tr, train.labels, te, test.labels, 10).items()}
        print(f"{name}: linear probe, all labels {100 * imagenet[name][1.0][0]:.1f}%")
    fig = plots.label_curves(imagenet, title=f"ImageNet SSL encoders, frozen, {RESOLUTION} px → CIFAR-10")
    display(Markdown(markdown_table({
        name: {f"CIFAR-10 linear, {100 * f:g}% labels (measured here, %)": mean_sd(a)
               for f, a in curve.items()}
        | {"ImageNet linear (published, %)": pretrained.REGISTRY[name].imagenet_linear or "–"}
        for name, curve in imagenet.items()}, first="model")))

# %% [markdown]
# ## 6 · Conclusion
# Self-supervised pretraining is for the case where labels are few. The numbers of this run
# (its profile is printed at the top), then what they show.

# %%
best = max(SSL, key=lambda n: table[n]["linear"])
lines = [
    f"- all labels, linear probe: floor {100 * table['floor (random init)']['linear']:.1f}%, best SSL "
    f"{best} {100 * table[best]['linear']:.1f}%, supervised {100 * table['supervised']['linear']:.1f}%",
    "- linear probe with 1% of the labels: " + ", ".join(f"{n} {mean_sd(curves[n][0.01])}" for n in encoders) + " %",
    "- fine-tuned with 1% of the labels: " + ", ".join(f"{n} {mean_sd(tuned[n][0.01])}" for n in tuned) + " %",
    "- fine-tuned with 10% of the labels: " + ", ".join(f"{n} {mean_sd(tuned[n][0.1])}" for n in tuned) + " %",
]
display(Markdown("\n".join(lines) + "\n\n" + SPREAD_LEGEND.replace("the seeds", "the label draws")))

# %%
lin = {n: table[n]["linear"] for n in encoders}
floor_lin, sup_lin = lin["floor (random init)"], lin["supervised"]
ranked = sorted(SSL, key=lin.get, reverse=True)
above = [n for n in SSL if lin[n] > floor_lin]
keep = {n: mean(curves[n][0.01]) / curves[n][1.0][0] for n in ranked[:3] + ["floor (random init)"]}
scratch = "floor (random init)"
top = chosen[0]
display(Markdown("\n".join([
    "- **All labels.** By linear probe on frozen features: " + ", ".join(f"{n} {lin[n]:.1%}" for n in ranked)
    + f"; the floor reaches {floor_lin:.1%}, the supervised baseline {sup_lin:.1%}. {len(above)} of {len(SSL)} "
    f"methods are above the floor"
    + (f" ({', '.join(n for n in SSL if n not in above)} not)" if len(above) < len(SSL) else "")
    + f", and {'all stay' if all(lin[n] < sup_lin for n in SSL) else 'not all stay'} below the supervised baseline.",
    "- **Frozen features with 1% of the labels** keep, of their all-label linear accuracy, "
    + ", ".join(f"{n} {k:.0%}" for n, k in keep.items()) + " (mean over label draws).",
    "- **Fine-tuning.** " + " ".join(
        f"{n} gains {mean_sd(gains[n][0.01])} points over training from scratch with 1% of the labels, "
        f"{mean_sd(gains[n][0.1])} with 10% and {100 * gains[n][1.0][0]:+.1f} with all of them "
        "(mean ± sd over label draws; the last is one draw)." for n in chosen)
    + f" Trained from scratch, the network reaches {mean_sd(tuned[scratch][0.01])} %, "
    f"{mean_sd(tuned[scratch][0.1])} % (mean ± sd) and {100 * tuned[scratch][1.0][0]:.1f} % at the three fractions. "
    "Whether the gain is largest with the fewest labels is the verdict lines' call in section 4.",
    f"- **Two protocols side by side** (a reading of the tables, not a verdict): with 1% of the labels a linear probe "
    f"on {top}'s frozen features ({mean_sd(curves[top][0.01])} %) is "
    f"{'above' if mean(curves[top][0.01]) > mean(tuned[scratch][0.01]) else 'not above'} a whole network trained "
    f"from scratch on the same labels ({mean_sd(tuned[scratch][0.01])} %); with 10%: {mean_sd(curves[top][0.1])} % "
    f"against {mean_sd(tuned[scratch][0.1])} % (mean ± sd over label draws).",
    f"- **The supervised baseline**, pretrained with every label and so the ceiling here, reaches "
    f"{mean_sd(tuned['supervised'][0.01])} % fine-tuned on 1% of them (mean ± sd over label draws), "
    f"{'above' if mean(tuned['supervised'][0.01]) > mean(tuned[top][0.01]) else 'not above'} {top} fine-tuned on the "
    f"same labels ({mean_sd(tuned[top][0.01])} %).",
    ("- **ImageNet SSL models** were measured in section 5." if ONLINE else
     "- **ImageNet SSL models** were not measured in this run (the weights were not reachable); section 5 shows the "
     "published numbers, and its code measures them in Colab."),
])))

# %% [markdown]
# ## Going further
# - **Fewer labels.** Fine-tune with 5 percent of the labels, or fewer than one percent, where
#   training from scratch has almost nothing to learn from: does the gain of pretraining grow there?
# - **Longer pretraining.** The encoders here had about two CPU-hours each; the published
#   ResNet-50s of section 5 were trained for hundreds of epochs on ImageNet's 1.28 million
#   images. In Colab, section 5's cells measure how far their frozen features carry to CIFAR-10
#   at each label fraction.
# - **The semi-supervised protocol** of SimCLR (Chen et al. 2020) fine-tunes on 1% and 10% of
#   ImageNet's labels, the fractions this notebook borrows.
#
# ## References
# - Grill et al., *Bootstrap Your Own Latent*, NeurIPS 2020 (Table 3: transfer to CIFAR-10).
# - Caron et al., *Unsupervised Learning of Visual Features by Contrasting Cluster Assignments*,
#   NeurIPS 2020 (SwAV); Caron et al., *Emerging Properties in Self-Supervised Vision
#   Transformers*, ICCV 2021 (DINO, also a ResNet-50).
# - Zbontar et al., *Barlow Twins*, ICML 2021; Bardes, Ponce, LeCun, *VICReg*, ICLR 2022.
# - Chen et al., *A Simple Framework for Contrastive Learning of Visual Representations*, ICML
#   2020 (SimCLR; label-efficiency with 1% and 10% of ImageNet's labels).
