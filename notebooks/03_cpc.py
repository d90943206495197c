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
# # 03 · CPC: predicting the patches below
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sslkit/sslkit/blob/main/notebooks/03_cpc.ipynb)
#
# RotNet and Jigsaw (notebooks 01, 02) invent a classification task and hope the features it
# needs are useful. **Contrastive Predictive Coding** (van den Oord et al. 2018; "CPC v2",
# Hénaff et al. 2019) asks for something more general: *predict what comes next* — not the
# pixels, which are hard to predict and mostly noise, but a learned **code** of them, and
# score the prediction by whether it can tell the true code apart from others. On images:
#
# 1. cut every image into a grid of overlapping **patches** (here 8×8 pixels at stride 4: a
#    7×7 grid for CIFAR's 32×32 images) and encode each with the same network into a code
#    $z_{r,s}$ (row r, column s);
# 2. run an autoregressive **context network** down the grid: the context $c_{r,s}$ has seen
#    only the rows ≤ r (masked convolutions, as PixelCNN);
# 3. from the context at row r, predict the code k rows below with one linear map per step,
#    $\hat z_{r+k,s} = W_k\, c_{r,s}$, for k = 1 … K;
# 4. score each prediction with **InfoNCE**: among a set $Z$ of candidate codes that holds the
#    true one $z^+$ and N − 1 others (*negatives*), pick the true one:
#
#    $$\mathcal L_k = -\,\mathbb E \log \frac{\exp(\operatorname{sim}(\hat z, z^+)/\tau)}{\sum_{z \in Z} \exp(\operatorname{sim}(\hat z, z)/\tau)} .$$
#
# **Why this learns.** InfoNCE is a cross-entropy over N candidates; van den Oord et al.
# show that $I(z_{r+k}; c_r) \ge \log N - \mathcal L_k$: lowering the loss raises a lower bound
# on the mutual information between the context and the code it predicts. Whatever the codes
# keep must be *shared* between distant parts of an image — the object, its shape and
# colours — since pixel noise is not predictable from the patches above.
#
# **Why several steps ahead.** One row down, neighbouring patches overlap (stride 4, patch
# 8): the next code can be predicted from low-level continuity. Three rows down, the patches
# no longer touch, and only what the image *is* links them. CPC v2's reference code predicts
# *only* three rows ahead, and so does this notebook's main run (`first_step=3`, chosen on a
# validation split cut from the training images); the experiments predict 1, 2 and 3 rows ahead.
#
# **Why no BatchNorm.** The patches of one image are encoded in the same batch; BatchNorm's
# statistics would let each patch's code depend on its neighbours', a channel to solve the
# task without looking. CPC v2 uses LayerNorm; the encoder here uses GroupNorm with weight
# standardization, which normalizes each patch on its own. For the evaluation, the codes of the
# un-augmented 7×7 grid are mean-pooled: CPC v2 evaluates the encoder's codes, not the context.
#
# **Sizes.** The numbers here come from two sizes. **The main run**: all 50,000 training images
# and the 10,000 test images, a ResNet-18 at width 1/8, about two CPU-hours of training, the
# budget every method's main run gets. **The experiment size**, for section 5: the profile's
# 10,000 training images and 5,000 test images, width 1/8, 8 epochs, three seeds per setting.

# %%
RETRAIN = False  # True trains every run here at the small "live" size (minutes) instead of loading the references
DRIVE = False  # Colab: True keeps data and runs in your Google Drive (MyDrive/sslkit), so a disconnect loses nothing

import importlib.util, subprocess, sys
if importlib.util.find_spec("sslkit") is None:  # Colab or a fresh environment: install the sslkit this course was written for
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "git+https://github.com/sslkit/sslkit@v0.1.0"], check=True)
    importlib.invalidate_caches()

# %%
import math
import statistics as st

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from IPython.display import Markdown, display

from sslkit.course import plots
from sslkit.course.estimate import images_per_s
from sslkit.course.by_hand import check_step
from sslkit.course.claims import GATE_POINTS
from sslkit.course.setup import report, setup
from sslkit.experiments.sweeps import experiment_seeds, random_init_seeds, sweep_seeds
from sslkit.methods import CPC
from sslkit.methods.cpc import ContextNetwork
from sslkit.parts.augment import cpc_patches, patch_grid
from sslkit.parts.data import cifar10
from sslkit.parts.losses import cpc_loss
from sslkit.records.policy import load_or_pretrain
from sslkit.records.results import load_reference, reference_lines
from sslkit.training.evaluate import extract_features
from sslkit.training.mechanisms import code_excess, context_knn
from sslkit.training.stats import SPREAD_LEGEND, judge, mean_sd, verdict

PROFILE, MODE = setup("03_cpc", retrain=RETRAIN, drive=DRIVE)  # the profile; whether runs load or train
SEEDS = experiment_seeds(PROFILE)  # every experiment setting is trained once per seed: 3 (2 under smoke)
MAIN = PROFILE.main_profile()  # the main run's sizes; the experiments keep the profile's own
train, test = cifar10(MAIN)  # the main run's images
reference = load_reference(PROFILE)  # floor and supervised baseline (notebook 00), the other methods
print(f"{len(train):,} train / {len(test):,} test images")

# %% [markdown]
# ## The method in a few lines
# The patch grid with `F.unfold`, and the loss for predictions k rows ahead, written out and
# checked on random input against the package's `patch_grid` and `cpc_loss`, which the
# training below uses. The candidates of each prediction are the codes of its target's row in
# every image of the batch: the other patches of that row in its own image (its hardest
# negatives) and the same row of the other images — B·S = 896 candidates at batch 128.
# (Candidates from every row would cost 7 times more.)

# %%
def patches_by_hand(x, patch=8, stride=4):
    """x (B, 3, 32, 32) float → (B, R, S, 3, patch, patch), row-major: a 7×7 grid."""
    cols = F.unfold(x, kernel_size=patch, stride=stride)  # (B, 3·patch², R·S)
    n = int(cols.shape[-1] ** 0.5)
    return cols.view(len(x), 3, patch, patch, n, n).permute(0, 4, 5, 1, 2, 3)


def cpc_loss_by_hand(preds, codes, temperature=0.1):
    """preds[k - 1]: (B, R − k, S, D), the codes predicted k rows below each context;
    codes: (B, R, S, D). Mean over k of the InfoNCE of every prediction."""
    B, R, S, D = codes.shape
    per_step = []
    for k, pred in enumerate(preds, start=1):
        terms = []
        for r in range(R - k):  # contexts at row r predict row r + k
            anchors = F.normalize(pred[:, r].reshape(B * S, D), dim=1)
            candidates = F.normalize(codes[:, r + k].reshape(B * S, D), dim=1)  # row r + k of every image
            logits = anchors @ candidates.T / temperature  # (B·S, B·S); the true code is on the diagonal
            terms.append(F.cross_entropy(logits, torch.arange(B * S), reduction="none"))
        per_step.append(torch.cat(terms).mean())
    return torch.stack(per_step).mean()


x = train.images[:4].float() / 255
assert torch.equal(patches_by_hand(x), patch_grid(x))
codes = torch.randn(4, 7, 7, 32)
preds = [torch.randn(4, 7 - k, 7, 32) for k in (1, 2, 3)]
assert torch.allclose(cpc_loss_by_hand(preds, codes), cpc_loss(preds, codes)[0], atol=1e-5)
print(f"patch grid {tuple(patch_grid(x).shape)}; loss by hand {cpc_loss_by_hand(preds, codes):.5f}, "
      f"sslkit.parts.losses.cpc_loss {cpc_loss(preds, codes)[0]:.5f}")

# %% [markdown]
# One training step, written out for a small CPC (width 1/8) with the loss above: every patch
# encoded alone, the context network over the code grid (row r sees rows ≤ r only), one linear
# map W_k per step ahead, and the InfoNCE of the predictions. `check_step` runs it and the
# package's `CPC.step` on the same 16 training images from the same random seed, so both draw the
# same per-patch shifts, flips and colour drops, and asserts that the losses and the gradients of
# every trained weight agree (a misplaced stop-gradient would change the gradients, not the loss):

# %%
def cpc_step_by_hand(model, x):
    """x: (B, 3, 32, 32) uint8 images → the loss of one training step."""
    B = len(x)
    patches = cpc_patches(x)  # (B, 7, 7, 3, 8, 8), each patch shifted, flipped, greyed, colour-dropped alone
    codes = model.backbone(model.prepare(patches.flatten(0, 2))).view(B, 7, 7, -1)  # (B, R, S, D)
    c = model.contexts["down"](codes.permute(0, 3, 1, 2))  # (B, D, R, S): the context at row r
    preds = [W(c[:, :, :7 - k]).permute(0, 2, 3, 1)  # k-th: (B, 7 − k, S, D), predicting row r + k
             for k, W in enumerate(model.heads["down"], start=1)]
    return cpc_loss_by_hand(preds, codes, model.hparams.temperature)


check_step(CPC(width=0.125), cpc_step_by_hand, train.images[:16])

# %% [markdown]
# ## 1 · The patch grid
# One image cut into its 49 patches (drawn apart so the grid shows; each overlaps its
# neighbours by half), then the same patches as training sees them: every patch shifted by up
# to 2 pixels, flipped, turned gray or stripped of two colour channels *on its own* (CPC v2's
# per-patch augmentation), so that neighbours cannot be matched by their shared pixels or colour.

# %%
img = train.images[7:8]
for name, grid in (("plain", patch_grid(img)), ("augmented per patch", cpc_patches(img, generator=torch.Generator().manual_seed(0)))):
    fig = plots.image_grid(grid[0].flatten(0, 1), ncols=7, scale=0.55, suptitle=f"{train.classes[int(train.labels[7])]}: {name}")

# %% [markdown]
# ## 2 · What the context sees
# The gradient of the context at each row with respect to the codes of each row, on random
# codes (dark: zero). Top-down, row r sees rows ≤ r — three masked blocks, each looking two
# rows up, reach the whole grid; the one-row ablation sees only its own row; the bottom-up
# network of bidirectional CPC is the mirror image. The tests check these zeros exactly.

# %%
def rows_seen(net, flip=False):
    codes = torch.randn(1, 16, 7, 7, requires_grad=True)
    grid = torch.zeros(7, 7)
    for r in range(7):
        out = net(codes.flip(2) if flip else codes)
        out = out.flip(2) if flip else out
        grid[r] = torch.autograd.grad(out[:, :, r].sum(), codes)[0].abs().sum(dim=(0, 1, 3))
    return grid > 0


torch.manual_seed(0)
fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
for ax, (title, net, flip) in zip(axes, (("top-down (full)", ContextNetwork(16, rows=3), False),
                                         ("one row", ContextNetwork(16, rows=1), False),
                                         ("bottom-up", ContextNetwork(16, rows=3), True))):
    ax.imshow(rows_seen(net, flip), cmap="Greens", vmin=0, vmax=1.3)
    ax.set(title=title, xlabel="code row j", ylabel="context row r", xticks=range(7), yticks=range(7))
fig.suptitle("which code rows each context row depends on (green: nonzero gradient)")
fig.tight_layout()

# %% [markdown]
# ## 3 · Pretraining
# The cell loads the trained main run (`RETRAIN = True` trains it here, at the live size).
# Settings (docstring of `sslkit.methods.cpc`): predictions up to K = 3 rows ahead (only the
# third in the main run), τ = 0.1, Adam at lr 2e-3 × batch / 256, the ResNet-18 of every notebook
# with GroupNorm + weight standardization, run on each patch. A CPC step encodes 49 patches of
# 8×8 pixels per image, three times the pixels of one 32×32 view, so its steps cost more than
# those of the methods that see whole images.

# %%
cpc, cpc_run = load_or_pretrain(CPC, train, test, "cpc", mode=MODE)
fig = plots.training_curves(cpc_run.run_dir, "CPC pretraining", reference=reference_lines(reference, metric="linear"))
loss = plots.read_metrics(cpc_run.run_dir)["train/loss_epoch"].dropna()
print(f"loss {loss.iloc[0]:.2f} in the first epoch → {loss.iloc[-1]:.2f} in the last "
      f"(a uniform guess over the {MAIN.batch_size * 7} candidates: {math.log(MAIN.batch_size * 7):.2f})")
main_epochs = cpc_run.epochs  # kept: the name cpc_run is reused for the experiments' helper below
took = f"{cpc_run.seconds / 60:.0f} minutes" if cpc_run.seconds >= 60 else f"{cpc_run.seconds:.0f} s"
display(Markdown(
    f"The main run trained for {cpc_run.epochs} epochs on {len(train):,} images ({took}). Its loss went from "
    f"{loss.iloc[0]:.2f} in the first epoch to {loss.iloc[-1]:.2f} in the last; a uniform guess over the "
    f"{MAIN.batch_size * 7:,} candidates of a prediction scores {math.log(MAIN.batch_size * 7):.2f}."))

# %% [markdown]
# **How often the true patch wins.** The share of predictions whose true code scores highest
# among the batch's candidates (the target row of every image: the dashed line is chance), per
# step k the run predicts, during training (augmented patches) and on test images after training
# (plain patches, batches of the training size). Farther rows are harder to predict.

# %%
df = plots.read_metrics(cpc_run.run_dir)
K, FIRST = cpc.hparams.steps, cpc.first_step  # the rows ahead it predicts: FIRST … K


@torch.no_grad()
def prediction_accuracy(model, images, batch_size):
    """Per step k: how often the true code wins, on un-augmented patches of ``images``."""
    model.eval()
    accs = []
    for xb in images.split(batch_size):
        if len(xb) < batch_size:
            break
        codes = model.encode(patch_grid(xb.to(model.device)))
        accs.append(cpc_loss(model.predict(codes), codes, model.hparams.temperature, model.first_step)[1])
    return torch.stack(accs).mean(0)


test_acc = prediction_accuracy(cpc, test.images, MAIN.batch_size)
fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.4))
for k in range(FIRST, K + 1):
    s = df[f"train/acc_k{k}"].dropna()
    a1.plot(s.index + 1, 100 * s, "o-", label=f"k = {k}")
a1.set(xlabel="epoch", ylabel="true code wins (%), axis from 0", title="training (augmented patches)", ylim=(0, None))
a1.legend()
a2.bar([f"k = {k}" for k in range(FIRST, K + 1)], 100 * test_acc.numpy(), color="C0")
a2.axhline(100 / (MAIN.batch_size * 7), ls="--", color="k", label="chance")
a2.set(ylabel="true code wins (%), axis from 0", title="test images, after training")
a2.legend()
fig.tight_layout()
print("test: " + ", ".join(f"k = {k}: {100 * a:.1f}%" for k, a in enumerate(test_acc.tolist(), start=FIRST)))
display(Markdown(
    "On test images the true code wins " + ", ".join(f"{a:.1%} of the time {k} row{'s' * (k != 1)} ahead"
                                                     for k, a in enumerate(test_acc.tolist(), start=FIRST))
    + f", where chance is 1 in {MAIN.batch_size * 7:,} ({1 / (MAIN.batch_size * 7):.2%})."))

# %% [markdown]
# ## 4 · Evaluation
# The protocol of notebook 00 on the pooled patch codes, beside the other methods' reference
# runs on the same data.

# %%
result = report("cpc", cpc, train, test, profile=PROFILE, mode=MODE, reference=reference, compare="all", run=cpc_run)
if "floor" in reference:
    display(Markdown(
        f"CPC's pooled codes score {result['knn']:.1%} kNN and {result['linear']:.1%} in the linear probe, against "
        f"{reference['floor']['knn']:.1%} and {reference['floor']['linear']:.1%} for the random-init floor: "
        f"{100 * (result['knn'] - reference['floor']['knn']):+.1f} and "
        f"{100 * (result['linear'] - reference['floor']['linear']):+.1f} points, one run."))

# %%
h_test = extract_features(cpc, test)
fig = plots.embedding(h_test, test.labels, test.classes, "tsne", PROFILE.embed_points, title="CPC pooled codes (t-SNE)")

# %% [markdown]
# ## 5 · The claims, as experiments
# Each experiment trains smaller CPC models that differ in one setting, **three seeds per
# setting**, and compares their kNN accuracy (mean ± sd, each seed a dot). The floor here is
# CPC's own architecture at random init — pooled codes of a random patch encoder, three seeds —
# since it differs from the plain backbone of the other notebooks; the main run is drawn too.
# `verdict` calls a difference *shown* only when it exceeds twice its standard error (SE).
#
# **Run length.** The other notebooks' sweeps train on 2,000 images for 8 epochs (128 steps),
# too few for CPC's loss to leave chance. So these runs take the sweep's width and epochs on
# the profile's 10,000 experiment images (not the main run's 50,000): 625 steps, five times as
# many.
#
# **Is the method learning enough to test a claim about it?** The course reads a claim about
# *how* a method learns as a test only where the method learns at all at the experiment's size:
# its gain over random init there must reach a bar of 10 kNN points. The first experiment
# measures that gain.

# %%
sweep_profile = PROFILE.sweep()
sweep_train, sweep_test = cifar10(PROFILE)  # the profile's experiment images (10,000 under cpu), not the main run's
acc_random = random_init_seeds(sweep_train, sweep_test, method_cls=CPC)
print(f"experiment runs: {len(sweep_train):,} images, width {sweep_profile.width}, {sweep_profile.pretrain_epochs} epochs, "
      f"seeds {SEEDS}; CPC at random init: kNN {mean_sd(acc_random)}% (mean ± sd)")

queries = sweep_test.balanced(per_class=min(100, len(sweep_test) // 10), seed=1)  # the code measure's 1,000 test images
# measured on each run right after it trains and stored with its reference (a sweep run keeps no
# weights): the kNN of the pooled context instead of the codes, and how much the codes of one
# image share (section "What the context changes in the codes")
MEASURES = {"context_knn": context_knn, "code_excess": code_excess(queries)}


def cpc_run(metric="knn", **kwargs):
    """kNN accuracy (or another ``metric`` of ``MEASURES``) of one small CPC setting, once per seed."""
    return sweep_seeds(CPC, sweep_train, sweep_test, "cpc-sweep-main-data", mode=MODE, metric=metric, measures=MEASURES, **kwargs)


acc_full = cpc_run()
ref_lines = dict(floor=sum(acc_random) / len(acc_random), main=result["knn"])

# %% [markdown]
# ### Does it beat random weights?
# *Claim: CPC learns features better than its random-init encoder's.*

# %%
acc_floor = {"random init": acc_random, "CPC": acc_full}
fig = plots.seed_bars(acc_floor, main=result["knn"], title="kNN at the sweep size")
verdict("CPC better than random init", *acc_floor.values())
_, gain, gain_se = judge(acc_random, acc_full)
cleared = 100 * gain >= GATE_POINTS
display(Markdown(
    f"At the experiment size CPC's kNN is {mean_sd(acc_full)}% against {mean_sd(acc_random)}% for its encoder at "
    f"random init (mean ± sd over {len(SEEDS)} seeds): {100 * gain:+.1f} ± {100 * gain_se:.1f} points (± SE), judged "
    f"by the verdict line above, and {'above' if cleared else 'below'} the bar of {GATE_POINTS:.0f} points. "
    + ("So the experiments below test the paper's claims at this size." if cleared else
       "So the experiments below describe a method that has barely started learning; they are not tests of the "
       "paper's claims.")))

# %% [markdown]
# ### Does the autoregressive context matter?
# *Claim (the design of CPC): predictions need a context that summarizes the rows above.*
# Full CPC against two ablations at the same size: **no context** — each patch predicts the
# codes below it from its own code, W_k z — and **one row** — a context network that sees only
# its own row (all columns), so it knows more than one patch but nothing of the rows above.
# Two measures: the kNN accuracy of the pooled codes, and what the context changes in the codes.
#
# *The source text's form of the claim: without the context network, CPC's codes become unique
# per patch.* With a context, the code of a patch must be predictable from what the rows above
# say about the image, so the codes of one image should share what the image is about; without
# one, each code only has to be predictable from the code above it. That can be measured: on the
# same 1,000 test images' un-augmented 7×7 patch grids, the mean cosine similarity of two
# patches' codes **within one image** minus that of two patches of **two different images**
# (`sslkit.training.mechanisms.code_similarity`, the *code excess*). Near 0 — a patch's code says
# no more about its own image than about any other — is what "unique per patch" means. Stated
# before the runs were trained: full context's excess exceeds no context's by more than twice its
# standard error; CPC's own encoder at random init gives the excess that needs no learning
# (neighbouring patches overlap by half).

# %%
acc_ctx = {"full context": acc_full, "one row": cpc_run(context="row"), "no context": cpc_run(context="none")}
fig = plots.seed_bars(acc_ctx, **ref_lines, title="kNN by context network")
verdict("full context better than none", acc_ctx["no context"], acc_ctx["full context"])
verdict("full context better than one row", acc_ctx["one row"], acc_ctx["full context"])
excess = {"random init": random_init_seeds(sweep_train, sweep_test, method_cls=CPC, measure=MEASURES["code_excess"]),
          "no context": cpc_run(metric="code_excess", context="none"),
          "one row": cpc_run(metric="code_excess", context="row"),
          "full context": cpc_run(metric="code_excess")}
fig = plots.seed_bars(excess, ylabel="within − across image cosine (×100)", title="how much the codes of one image share")
verdict("full context: codes of one image more alike than with none", excess["no context"], excess["full context"], points=False)
verdict("no context: codes of one image more alike than at random init", excess["random init"], excess["no context"], points=False)

# %%
ctx = {name: judge(acc_ctx[name], acc_ctx["full context"])[1:] for name in ("no context", "one row")}
_, ex_full, ex_full_se = judge(excess["no context"], excess["full context"])
_, ex_none, ex_none_se = judge(excess["random init"], excess["no context"])
ties = ex_none > 2 * ex_none_se
display(Markdown(
    "- By kNN, full context is " + " and ".join(f"{100 * dd:+.1f} ± {100 * se:.1f} points (± SE) from {name}"
                                               for name, (dd, se) in ctx.items())
    + f"; the seed spread is up to {100 * max(st.stdev(v) for v in acc_ctx.values()):.1f} points (sd).\n"
    f"- In the codes themselves (mean ± sd): {mean_sd(excess['random init'], points=False)} at random init, "
    f"{mean_sd(excess['no context'], points=False)} with no context, {mean_sd(excess['full context'], points=False)} "
    f"with the full context. Full context minus none: {ex_full:+.3f} ± {ex_full_se:.3f} (± SE); no context minus "
    f"random init: {ex_none:+.3f} ± {ex_none_se:.3f} (± SE). The verdict lines above judge both.\n"
    + ("- So codes trained without a context are not unique per patch: predicting a patch's code from its own "
       "neighbourhood already ties the codes of one image together, beyond what random weights give."
       if ties else
       "- Codes trained without a context share no more within an image than random weights' do, as the claim's "
       "mechanism would have it.")))

# %% [markdown]
# ### Bidirectional CPC
# *The open idea: a second context network running bottom-up, predicting upward, losses
# summed, helps.* Compared with top-down only at equal epochs (the second context network
# and its heads add some compute per step, measured below), by the pooled codes — the
# representation of every run — and by the pooled context, where the bidirectional model
# joins both directions' contexts.

# %%
acc_bi = {"top-down": acc_full, "both directions": cpc_run(bidirectional=True)}
ctx_bi = {"top-down": cpc_run(metric="context_knn"), "both directions": cpc_run(metric="context_knn", bidirectional=True)}
fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.6))
plots.seed_bars(acc_bi, **ref_lines, title="pooled codes", ax=a1)
plots.seed_bars(ctx_bi, floor=ref_lines["floor"], title="pooled context", ax=a2)
fig.tight_layout()
verdict("both directions better than top-down (codes)", acc_bi["top-down"], acc_bi["both directions"])
verdict("both directions better than top-down (context)", ctx_bi["top-down"], ctx_bi["both directions"])
rates = {name: images_per_s(CPC, sweep_profile, **kw) for name, kw in (("top-down", {}), ("both", {"bidirectional": True}))}
print(f"training speed here: top-down {rates['top-down']:,.0f} images/s, both directions {rates['both']:,.0f} images/s "
      f"({rates['top-down'] / rates['both'] - 1:+.0%} time per step)")
_, bi_codes, bi_codes_se = judge(acc_bi["top-down"], acc_bi["both directions"])
_, bi_ctx, bi_ctx_se = judge(ctx_bi["top-down"], ctx_bi["both directions"])
extra = rates["top-down"] / rates["both"] - 1
display(Markdown(
    f"Both directions against top-down: {100 * bi_codes:+.1f} ± {100 * bi_codes_se:.1f} points (± SE) by the pooled "
    f"codes, {100 * bi_ctx:+.1f} ± {100 * bi_ctx_se:.1f} by the pooled context, judged by the two verdict lines "
    f"above, for {abs(extra):.0%} {'more' if extra >= 0 else 'less'} time per step here."))

# %% [markdown]
# ## 6 · The numbers in one place
# The numbers below are this run's (profile and hardware printed at the top).

# %%
lines = [
    f"- CPC: kNN {100 * result['knn']:.1f} %, linear {100 * result['linear']:.1f} % "
    f"(random init {100 * reference.get('floor', {}).get('knn', float('nan')):.1f} / "
    f"{100 * reference.get('floor', {}).get('linear', float('nan')):.1f} %)",
    "- true code wins on test: " + ", ".join(f"k = {k} {100 * a:.1f} %" for k, a in enumerate(test_acc.tolist(), FIRST)),
    "- experiment runs: " + ", ".join(f"{k} {mean_sd(v)}" for k, v in acc_floor.items()) + " % kNN",
    "- context: " + ", ".join(f"{k} {mean_sd(v)}" for k, v in acc_ctx.items()) + " % kNN",
    "- code excess (within − across cosine): " + ", ".join(f"{k} {mean_sd(v, points=False)}" for k, v in excess.items()),
    "- bidirectional (codes): " + ", ".join(f"{k} {mean_sd(v)}" for k, v in acc_bi.items())
    + " %; (context): " + ", ".join(f"{k} {mean_sd(v)}" for k, v in ctx_bi.items()) + " % kNN",
]
display(Markdown("\n".join(lines) + "\n\n" + SPREAD_LEGEND))
main_ahead = result["knn"] - st.mean(acc_full)
spread = max(st.stdev(v) for v in (*acc_ctx.values(), *acc_bi.values()))
tested = max(abs(st.mean(v) - st.mean(acc_full)) for v in (*acc_ctx.values(), *acc_bi.values()))
display(Markdown(
    f"The seed spread (up to {100 * spread:.1f} points, sd) is {'as large as' if spread >= tested else 'smaller than'} "
    f"the largest difference tested ({100 * tested:.1f} points). The main run ({len(train):,} images, {main_epochs} "
    f"epochs, against {len(sweep_train):,} images and {sweep_profile.pretrain_epochs} "
    f"epoch{'s' * (sweep_profile.pretrain_epochs != 1)}) is {100 * main_ahead:+.1f} kNN points from the experiments' "
    "full CPC" + (", so the experiment runs are early in CPC's learning" if main_ahead > 0 else "") + ". What would "
    "settle the accuracy comparisons: longer runs, or more seeds (four times as many halve the SE)."))

# %% [markdown]
# ## Conclusion
# CPC turns prediction into classification: a code is predicted from the rows above and must
# win against the codes of other patches and images, and InfoNCE's bound ties that task to the
# mutual information between context and code. The main run shows how far that goes at the
# shared budget, next to the other methods, and how hard the task still is (how often the true
# code wins three rows ahead). The experiments ask what each piece of the design is for: the
# autoregressive context, judged by kNN and by how much the codes of one image share, and a
# second context running bottom-up. The verdict lines say what shows at this size; the gain over
# random init says how much weight this size can bear.
#
# ## Going further
# - **The prediction horizon:** predict one row ahead only (K = 1) and compare the loss curve and
#   the kNN with K = 3, to see how much of the task is low-level continuity.
# - **Candidates from every row:** the loss here draws negatives from the target's row only;
#   drawing them from every row makes the task harder at about seven times the cost.
# - **What would settle the claims:** four times the seeds (which halves the SE) or runs several
#   times longer; a within-image code similarity, as above, measures what the context changes
#   directly.
#
# ## References
# - van den Oord, Li, Vinyals, *Representation Learning with Contrastive Predictive Coding*,
#   arXiv 1807.03748, 2018 (CPC, InfoNCE and its bound on mutual information).
# - Hénaff, Srinivas, De Fauw, Razavi, Doersch, Eslami, van den Oord, *Data-Efficient Image
#   Recognition with Contrastive Predictive Coding*, ICML 2020 (CPC v2: LayerNorm, per-patch
#   augmentation, predicting in several directions).
# - van den Oord, Kalchbrenner, Kavukcuoglu, *Pixel Recurrent Neural Networks*, ICML 2016
#   (masked convolutions).
