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
# # 02 · Jigsaw puzzles, and the shortcuts of pretext tasks
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sslkit/sslkit/blob/main/notebooks/02_jigsaw.ipynb)
#
# Jigsaw (Noroozi & Favaro, 2016) cuts an image into a 3×3 grid of tiles, shuffles them with
# one of a fixed set of permutations, and trains the network to name the permutation. One
# shared encoder looks at each tile alone; the nine tile features, concatenated in the
# shuffled order, go to a small classifier. To solve the puzzle the network should learn
# what object parts look like and where they belong.
#
# Pretext tasks have a weakness: **shortcuts**. A network can solve a jigsaw without
# understanding anything, by lining up the edges of neighbouring tiles (pixels continue
# across a cut) or by matching colour statistics (lens chromatic aberration even tells where
# in the frame a tile came from). The paper's defences: leave a random **gap** between tiles
# (each tile is a random crop inside its cell) and **jitter** each tile's colour on its own.
# This notebook trains the puzzle with and without those defences and compares how well each
# solves the puzzle and how well its features transfer. That weakness is one reason the
# field moved on to contrastive learning (notebook 04).
#
# A second lesson runs through the notebook: **solving the pretext task is not the goal.** Watch,
# in section 3, how well the main run solves its puzzle and what that does to its features.
#
# Choices for 32×32 images: 3×3 tiles of a 32-pixel image would be 10 pixels wide, too small
# for a ResNet, and a 2×2 grid has only 24 orderings; so the image is upsampled to 48×48 and
# cut into 16-pixel cells, from which the gap variant crops 12-pixel tiles. We use 64
# permutations chosen greedily for a large minimum Hamming distance (the first cell of section 1
# prints it).
#
# **Sizes.** The numbers here come from two sizes. **The main run**: all 50,000 training images
# and the 10,000 test images, a ResNet-18 at width 1/8, about two CPU-hours of training, the
# budget every method's main run gets. **The sweep size**, for the experiments of section 4:
# 2,000 training images and 5,000 test images, width 1/8, 8 epochs, three seeds per setting.

# %%
RETRAIN = False  # True trains every run here at the small "live" size (minutes) instead of loading the references
DRIVE = False  # Colab: True keeps data and runs in your Google Drive (MyDrive/sslkit), so a disconnect loses nothing

import importlib.util, subprocess, sys
if importlib.util.find_spec("sslkit") is None:  # Colab or a fresh environment: install the sslkit this course was written for
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "git+https://github.com/sslkit/sslkit@v0.1.0"], check=True)
    importlib.invalidate_caches()

# %%
import statistics as st

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from IPython.display import Markdown, display

from sslkit.course import plots
from sslkit.course.by_hand import check_step
from sslkit.course.claims import GATE_POINTS
from sslkit.course.setup import report, setup
from sslkit.experiments.baselines import random_floor
from sslkit.experiments.sweeps import experiment_seeds, random_init_seeds, sweep_run
from sslkit.methods.jigsaw import Jigsaw, min_hamming_distance, permutation_set
from sslkit.parts.augment import assemble_tiles, jigsaw_tiles, shuffle_tiles
from sslkit.parts.data import cifar10
from sslkit.records.policy import load_or_pretrain
from sslkit.records.results import load_reference, reference_lines
from sslkit.training.stats import judge, mean_sd, verdict

PROFILE, MODE = setup("02_jigsaw", retrain=RETRAIN, drive=DRIVE)  # the profile; whether runs load or train
SEEDS = experiment_seeds(PROFILE)  # every experiment setting is trained once per seed: 3 (2 under smoke)
MAIN = PROFILE.main_profile()  # the main run's sizes; the experiments keep the profile's own
train, test = cifar10(MAIN)  # the main run's images
reference = load_reference(PROFILE)  # floor and supervised baseline from notebook 00

# %% [markdown]
# ## 1 · One puzzle
# Left to right: the image, its nine tiles (with gap and colour jitter, in their true
# places), and the puzzle the network receives — the same tiles shuffled by permutation 5.
# Without the gap, the tiles of the last panel would still tell their neighbours by edges.

# %%
perms = permutation_set(64)
print(f"{len(perms)} permutations, minimum Hamming distance {min_hamming_distance(perms)}")
g = torch.Generator().manual_seed(0)
img = train.images[7:8]
plain = jigsaw_tiles(img)
tiles = jigsaw_tiles(img, tile=12, jitter=True, generator=g)
puzzle = shuffle_tiles(tiles, perms, torch.tensor([5]))


def spaced(t):  # draw tiles with white space between them
    t = torch.nn.functional.pad(t, (1, 1, 1, 1), value=1.0)
    return assemble_tiles(t)[0]


fig, axes = plt.subplots(1, 4, figsize=(12, 3.2))
for ax, im, title in zip(axes, [img[0].float() / 255, spaced(plain), spaced(tiles), spaced(puzzle)],
                         ["image", "3×3 cells", "tiles: gap + jitter", f"shuffled: {perms[5].tolist()}"]):
    ax.imshow(im.permute(1, 2, 0).clamp(0, 1).numpy(), interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.axis("off")

# %% [markdown]
# The labels, written out: a puzzle's label is the index of a permutation in the fixed set;
# slot j of the puzzle holds tile `perm[j]`. Checked against the package's `shuffle_tiles`,
# and undone by the inverse permutation:

# %%
labels = torch.randint(len(perms), (4,), generator=g)  # one label per puzzle
batch_tiles = jigsaw_tiles(train.images[:4])  # (4, 9, 3, 16, 16)
by_hand = torch.stack([batch_tiles[b][perms[labels[b]]] for b in range(4)])  # slot j ← tile perm[j]
assert torch.equal(by_hand, shuffle_tiles(batch_tiles, perms, labels))
inverse = perms[labels].argsort(dim=1)  # where each tile went
assert torch.equal(torch.stack([by_hand[b][inverse[b]] for b in range(4)]), batch_tiles)
print(f"labels {labels.tolist()}: shuffled by hand = sslkit.parts.augment.shuffle_tiles; the inverse permutation restores them")

# %% [markdown]
# One training step, written out for a small Jigsaw model (width 1/8): cut the tiles, shuffle
# each image's tiles by a random permutation of the set, encode every tile alone with the shared
# backbone, put the nine features side by side, and classify the permutation. `check_step` runs
# it and the package's `Jigsaw.step` on the same 16 training images from the same random seed,
# so both draw the same tile jitter and permutations, and asserts that the losses and the
# gradients of every trained weight agree (a misplaced stop-gradient would change the gradients,
# not the loss):

# %%
def jigsaw_step_by_hand(model, x):
    """x: (B, 3, 32, 32) uint8 images → the loss of one training step."""
    hp, B = model.hparams, len(x)
    tiles = jigsaw_tiles(x, hp.grid, hp.cell, model.tile, hp.tile_jitter)  # (B, 9, 3, 12, 12): gap + jitter
    labels = torch.randint(len(model.permutations), (B,))  # one permutation of the set per image
    puzzles = torch.stack([tiles[b][model.permutations[labels[b]]] for b in range(B)])  # slot j ← tile perm[j]
    f = model.backbone(model.prepare(puzzles.flatten(0, 1)))  # (9B, D): each tile alone, one shared network
    return F.cross_entropy(model.head(f.view(B, -1)), labels)  # 9 features side by side → which permutation?


check_step(Jigsaw(width=0.125), jigsaw_step_by_hand, train.images[:16])

# %% [markdown]
# ## 2 · Pretraining (with gap and jitter)
# The cell loads the trained main run (`RETRAIN = True` trains it here, at the live size). The
# online probe learns from whole-image features while the backbone learns from tiles.

# %%
# its epochs and settings: the profile's main-run table, PROFILE.main_run("jigsaw") (its share of one equal CPU budget)
jigsaw, jigsaw_run = load_or_pretrain(Jigsaw, train, test, "jigsaw", mode=MODE)
fig = plots.training_curves(jigsaw_run.run_dir, "Jigsaw pretraining", reference=reference_lines(reference, metric="linear"))

# %% [markdown]
# ## 3 · Evaluation
# The protocol of notebook 00 on whole images: the backbone learned from tiles, and is now read
# on whole 32×32 images, which it never learned from.

# %%
result = report("jigsaw", jigsaw, train, test, profile=PROFILE, mode=MODE, reference=reference, run=jigsaw_run)
if "floor" in reference:
    gain = {k: result[k] - reference["floor"][k] for k in ("knn", "linear")}
    print(f"Jigsaw vs the random-init floor: kNN {100 * gain['knn']:+.1f} points, linear {100 * gain['linear']:+.1f} points")
    side = {k: "above" if gain[k] > 0 else "below" for k in gain}
    display(Markdown(
        f"After {jigsaw_run.epochs} epoch{'s' * (jigsaw_run.epochs != 1)} on {len(train):,} images, Jigsaw's frozen features score "
        f"{result['knn']:.1%} kNN and {result['linear']:.1%} in the linear probe: {abs(100 * gain['knn']):.1f} kNN "
        f"points {side['knn']} the random-init floor ({reference['floor']['knn']:.1%}) and "
        f"{abs(100 * gain['linear']):.1f} linear points {side['linear']} it ({reference['floor']['linear']:.1%})."))

# %% [markdown]
# **What solving the puzzle did to the features.** The main run's own logs, per epoch: how well
# it solves its defended puzzle (training accuracy; chance is 1/64), the kNN of its frozen
# whole-image features where the run recorded a curve, and the effective rank of those features —
# how many of their directions they use (`collapse/h_rank`, the collapse monitor of notebook 05).
# **Stated before reading them:** if the puzzle is solved within the first epochs while the rank
# falls, the remaining epochs train a task already done and narrow the features to what it
# needs, and kNN cannot be expected to rise with them.

# %%
logs = plots.read_metrics(jigsaw_run.run_dir)
fig = plots.pretext_vs_features(jigsaw_run.run_dir, floor=reference.get("floor", {}).get("knn"),
                                title="Jigsaw's main run, per epoch")
solved = logs["train/pretext_acc"].dropna()
first = next((e + 1 for e, a in solved.items() if a >= 0.95), None)
print(f"puzzle accuracy (train): {100 * solved.iloc[0]:.1f}% after epoch 1, {100 * solved.iloc[-1]:.1f}% after epoch "
      f"{solved.index[-1] + 1}; " + (f"first 95% or more after epoch {first}" if first else "never 95% or more"))
if "collapse/h_rank" in logs:
    rank = logs["collapse/h_rank"].dropna()
    print(f"effective rank of the features h: {rank.iloc[0]:.1f} after epoch 1 → {rank.iloc[-1]:.1f} after epoch "
          f"{rank.index[-1] + 1} (of {int(logs['collapse/h_dim'].dropna().iloc[-1])} dimensions)")
rank_fell = "collapse/h_rank" in logs and rank.iloc[-1] < rank.iloc[0]
early = first is not None and first <= len(solved) // 2
display(Markdown(
    f"The puzzle goes from {solved.iloc[0]:.1%} after epoch 1 to {solved.iloc[-1]:.1%} after epoch "
    f"{solved.index[-1] + 1} (chance {1 / 64:.1%}), "
    + (f"95% or more from epoch {first} on" if first else "never reaching 95%")
    + (f"; the effective rank of the features goes from {rank.iloc[0]:.1f} to {rank.iloc[-1]:.1f}"
       if "collapse/h_rank" in logs else "")
    + ". " + ("So the pattern stated above is what the run shows: the puzzle is solved within the first half of "
              "training while the features narrow, and what follows trains a task already done."
              if early and rank_fell else
              "So the pattern stated above (a puzzle solved early while the features narrow) is not what this run shows.")))

# %% [markdown]
# ## 4 · The shortcut experiment
# Smaller runs at the sweep size, three seeds each, identical but for the defences: with gap
# and per-tile jitter, and without either. For each: how well it solves the puzzle (its
# *training* accuracy on the pretext task in the last epoch; chance is 1/64) and how well its
# backbone transfers (kNN on CIFAR-10 test, beside a random-init network of this size).
# `verdict` calls a difference *shown* only when it exceeds twice its standard error (SE).
#
# **Is the method learning enough to test a claim about it?** The course reads a claim about a
# method's features as a test only where the method learns at all at the experiment's size: its
# gain over random init there must reach a bar of 10 kNN points. The cell after the plot says
# where the defended runs stand.

# %%
sweep = PROFILE.sweep()
sweep_train, sweep_test = cifar10(sweep)
_, sweep_floor = random_floor(sweep_train, sweep_test, sweep)
variants = {"gap + jitter": {"gap": True, "tile_jitter": True}, "no defences": {"gap": False, "tile_jitter": False}}
# taken from each trained run (stored with its reference): puzzles cut from the *test* images
# with the defences on, and with them off, whatever the run trained on
tiles_measures = {"puzzle_defended": lambda m, tr, te: m.puzzle_accuracy(te.images, gap=True, tile_jitter=True),
                  "puzzle_plain": lambda m, tr, te: m.puzzle_accuracy(te.images, gap=False, tile_jitter=False)}
puzzle_acc, transfer, cross = {}, {}, {}
for name, kw in variants.items():
    runs = [sweep_run(Jigsaw, sweep_train, sweep_test, "jigsaw-sweep", mode=MODE, seed=s, measures=tiles_measures, **kw) for s in SEEDS]
    puzzle_acc[name] = [plots.read_metrics(r.curves)["train/pretext_acc"].dropna().iloc[-1] for r in runs]
    transfer[name] = [r.knn for r in runs]
    cross[name] = {t: [r.results[m] for r in runs] for t, m in (("defended tiles", "puzzle_defended"),
                                                                 ("plain tiles", "puzzle_plain"))}
fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.6))
plots.seed_bars(puzzle_acc, ylabel="puzzle accuracy, training (%)", title="the pretext task", ax=a1)
a1.axhline(100 / 64, ls=":", color="k", label="chance: 1/64")
a1.legend(fontsize=7)
plots.seed_bars(transfer, floor=sweep_floor["knn"], main=result["knn"], title="transfer: kNN on CIFAR-10 test", ax=a2)
fig.tight_layout()
for name in variants:
    print(f"{name}: puzzle solved {mean_sd(puzzle_acc[name])} %, transfer kNN {mean_sd(transfer[name])} % "
          f"(random init {100 * sweep_floor['knn']:.1f} %; mean ± sd over seeds)")
verdict("the defences improve transfer (kNN)", transfer["no defences"], transfer["gap + jitter"])

# %%
_, d_transfer, se_transfer = judge(transfer["no defences"], transfer["gap + jitter"])
defended_gain = 100 * (st.mean(transfer["gap + jitter"]) - sweep_floor["knn"])
display(Markdown(
    f"- The defences make the puzzle {'harder' if st.mean(puzzle_acc['gap + jitter']) < st.mean(puzzle_acc['no defences']) else 'no harder'}: "
    f"the undefended runs solve {mean_sd(puzzle_acc['no defences'])}% of their training puzzles, the defended ones "
    f"{mean_sd(puzzle_acc['gap + jitter'])}% (mean ± sd over {len(SEEDS)} seeds; chance {1 / 64:.1%}).\n"
    f"- Transfer: the defended runs' kNN is {100 * d_transfer:+.1f} ± {100 * se_transfer:.1f} points (± SE) from the "
    f"undefended runs' ({mean_sd(transfer['gap + jitter'])}% against {mean_sd(transfer['no defences'])}%, mean ± sd); "
    "the verdict line above judges it.\n"
    f"- The defended runs are {defended_gain:+.1f} kNN points from a random-init network of this size "
    f"({sweep_floor['knn']:.1%}): {'above' if defended_gain >= GATE_POINTS else 'below'} the bar of "
    f"{GATE_POINTS:.0f} points, so "
    + ("the transfer verdict is a test of the paper's claim at this size."
       if defended_gain >= GATE_POINTS else
       "what follows is about the shortcut the puzzle invites, not about transfer: the defended Jigsaw, the "
       "paper's setting, does not learn enough here for its features to test the paper's claim.")))

# %% [markdown]
# **Is it a shortcut?** The paper's mechanism: without the defences the network solves the
# puzzle from low-level cues — edges that continue from tile to tile, matching colour — rather
# than from what the tiles show. Then what it learned should not survive puzzles cut *with*
# the defences, while a network that learned content should still solve puzzles cut without
# them. Each trained run is asked both kinds of puzzle on the test images (one puzzle per image;
# each network also meets the other's tile size and colour, so both face a change of input).
# The test: the share of its own puzzle accuracy each network keeps on the other kind of tiles.

# %%
fig = plots.seed_bars(cross, ylabel="puzzle accuracy on test images (%)", title="puzzles cut both ways")
fig.axes[0].axhline(100 / 64, ls=":", color="k", label="chance: 1/64")
fig.axes[0].legend(fontsize=7)
own = {"gap + jitter": "defended tiles", "no defences": "plain tiles"}
other = {"gap + jitter": "plain tiles", "no defences": "defended tiles"}
kept = {n: [o / max(a, 1 / len(sweep_test)) for o, a in zip(cross[n][other[n]], cross[n][own[n]])] for n in variants}
for n in variants:
    print(f"trained with {n}: own tiles {mean_sd(cross[n][own[n]])} %, the other tiles {mean_sd(cross[n][other[n]])} %, "
          f"keeps {mean_sd(kept[n])} % of its accuracy (mean ± sd over seeds)")
verdict("without the defences the network keeps less of its puzzle accuracy on the other tiles (a shortcut)",
        kept["gap + jitter"], kept["no defences"], "lower")
_, d_kept, se_kept = judge(kept["gap + jitter"], kept["no defences"], "lower")
display(Markdown(
    f"On puzzles cut the other way, the undefended networks keep {mean_sd(kept['no defences'])}% of their own "
    f"accuracy and the defended ones {mean_sd(kept['gap + jitter'])}% (mean ± sd over seeds): a difference of "
    f"{100 * d_kept:+.1f} ± {100 * se_kept:.1f} points of kept accuracy (± SE), judged by the verdict line above."
    + (" A share above 100% means a network does better on the other tiles than on its own, as one can while its "
       "own puzzles are still near chance." if max(st.mean(kept[n]) for n in variants) > 1 else "")))

# %% [markdown]
# ### The same test at one tile size
# Above, the defences change two things at once: the gap crops 12-pixel tiles from 16-pixel
# cells, so the defended network trains on smaller tiles than the undefended one (16 pixels),
# and each network meets a new tile size in the other's puzzles. The control: an undefended
# network on **contiguous 12-pixel tiles** (the image resized to 36 pixels and cut into 12-pixel
# cells) against the defended one (12-pixel tiles cropped from 16-pixel cells), three seeds
# each, everything else as above. Both are asked both kinds of 12-pixel puzzle on the test
# images, so the only difference between the two kinds is the gap and the jitter. (One thing
# still differs: a contiguous 12-pixel tile shows a third of the image's side, a gapped one a
# quarter.) **The tests, stated before the runs:** *(a)* the undefended network keeps less of
# its puzzle accuracy on the other kind of tiles than the defended one (a shortcut, with tile
# size matched); *(b)* the defences improve transfer (kNN).

# %%
matched = {"gap + jitter": {"gap": True, "tile_jitter": True}, "no defences": {"gap": False, "tile_jitter": False, "cell": 12}}
matched_measures = {"puzzle_defended": lambda m, tr, te: m.puzzle_accuracy(te.images, gap=True, tile_jitter=True, cell=16),
                    "puzzle_plain": lambda m, tr, te: m.puzzle_accuracy(te.images, gap=False, tile_jitter=False, cell=12)}
m_transfer, m_cross = {}, {}
for name, kw in matched.items():
    runs = [sweep_run(Jigsaw, sweep_train, sweep_test, "jigsaw-matched", mode=MODE, seed=s, measures=matched_measures, **kw)
            for s in SEEDS]
    m_transfer[name] = [r.knn for r in runs]
    m_cross[name] = {t: [r.results[m] for r in runs] for t, m in (("gapped + jittered 12-px tiles", "puzzle_defended"),
                                                                  ("contiguous 12-px tiles", "puzzle_plain"))}
m_own = {"gap + jitter": "gapped + jittered 12-px tiles", "no defences": "contiguous 12-px tiles"}
m_other = {"gap + jitter": "contiguous 12-px tiles", "no defences": "gapped + jittered 12-px tiles"}
m_kept = {n: [o / max(a, 1 / len(sweep_test)) for o, a in zip(m_cross[n][m_other[n]], m_cross[n][m_own[n]])] for n in matched}
fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw=dict(width_ratios=[1.6, 1]))
plots.seed_bars(m_cross, ylabel="puzzle accuracy on test images (%)", title="12-pixel puzzles cut both ways", ax=a1)
a1.axhline(100 / 64, ls=":", color="k", label="chance: 1/64")
a1.legend(fontsize=7)
plots.seed_bars(m_transfer, title="transfer: kNN on CIFAR-10 test", ax=a2)
fig.tight_layout()
for n in matched:
    print(f"trained with {n} (12-px tiles): own tiles {mean_sd(m_cross[n][m_own[n]])} %, the other tiles "
          f"{mean_sd(m_cross[n][m_other[n]])} %, keeps {mean_sd(m_kept[n])} % of its accuracy; transfer kNN "
          f"{mean_sd(m_transfer[n])} % (mean ± sd over seeds)")
verdict("(a) at one tile size, without the defences the network keeps less of its puzzle accuracy on the other tiles",
        m_kept["gap + jitter"], m_kept["no defences"], "lower")
verdict("(b) at one tile size, the defences improve transfer (kNN)", m_transfer["no defences"], m_transfer["gap + jitter"])
floors = random_init_seeds(sweep_train, sweep_test)  # one random-init network per seed: the floor with its own spread
verdict("Jigsaw with the defences (12-px tiles) better than random init", floors, m_transfer["gap + jitter"])

# %%
_, d_m_kept, se_m_kept = judge(m_kept["gap + jitter"], m_kept["no defences"], "lower")
_, d_m_transfer, se_m_transfer = judge(m_transfer["no defences"], m_transfer["gap + jitter"])
display(Markdown(
    f"- *(a)* With every tile 12 pixels wide, the undefended networks keep {mean_sd(m_kept['no defences'])}% of their "
    f"puzzle accuracy on gapped, jittered tiles, the defended ones {mean_sd(m_kept['gap + jitter'])}% on contiguous "
    f"ones (mean ± sd): {100 * d_m_kept:+.1f} ± {100 * se_m_kept:.1f} points (± SE). Set beside the first test, "
    "this says whether the loss on the other tiles came from the change of tile size or from the seams and colours.\n"
    f"- *(b)* Transfer: {mean_sd(m_transfer['gap + jitter'])}% kNN with the defences against "
    f"{mean_sd(m_transfer['no defences'])}% without (mean ± sd), {100 * d_m_transfer:+.1f} ± "
    f"{100 * se_m_transfer:.1f} points (± SE).\n"
    "- The verdict lines (a) and (b) above judge both."))

# %% [markdown]
# ## Conclusion
# A pretext task is a means, not an end. The main run shows the gap between the two: how well
# the network solves its puzzle, and what its frozen features are worth on whole images next to
# random weights. The experiments take the paper's defences apart: the puzzles cut both ways
# test whether the undefended network leans on seams and colour (the shortcut), with and without
# the tile size matched, and the kNN comparison tests whether removing that shortcut buys better
# features. The verdict lines say which of the two shows at this size. With 12-pixel tiles of
# 32×32 images and 64 permutations the puzzle may simply be too easy to need object features: the
# paper used 64-pixel tiles of ImageNet images and 1,000 permutations.
#
# ## Going further
# - **What would settle the transfer claim:** runs long enough for both variants to solve their
#   puzzles, with tiles big enough to hold object parts (larger images, or the `gpu` profile with
#   far longer runs).
# - **Try it:** train without the gap only (jitter kept) and ask both kinds of puzzle, to see
#   which of the two defences removes the shortcut.
# - **Other readings of the same encoder:** re-estimate its BatchNorm statistics on whole images,
#   or read its features on the nine tiles as in training, and compare the kNN with section 3's.
#
# ## References
# - Noroozi, Favaro, *Unsupervised Learning of Visual Representations by Solving Jigsaw
#   Puzzles*, ECCV 2016.
# - Doersch, Gupta, Efros, *Unsupervised Visual Representation Learning by Context
#   Prediction*, ICCV 2015 (chromatic aberration as a shortcut).
