"""The course's claims in one table: each claim a notebook tests — the source text's, or the
course's own — the measure, the verdict its lines printed, the paper's regime and what would
settle it.

The verdicts are not written here: they are read from the verdict lines the committed notebooks
print (``claim: +7.7 ± 0.8 (SE) points → shown (…)``, :func:`sslkit.training.stats.verdict`),
so the table cannot drift from the results. This module holds what a verdict line does not say:
which line decides a claim, whether *shown* on that line supports the claim or goes against
it, whether the claim is the source text's, the size it was tested at, the paper's regime and
the next test.

**One rule decides every claim**, stated before any result:

1. **The gate.** A claim about *how* a method learns is a test only where the method learns at
   all: its gain over its own random-init floor at the claim's size (the verdict line named by
   ``gate``) must be at least :data:`GATE_POINTS` points. Below it the claim is *not a test at this
   size*, whatever its lines say. A claim that *is* the gain ("CPC learns features") is its own gate.
2. **The lines.** *Shown* only if the deciding line (the first) is shown for the claim and no line
   is opposite to it; *opposite at this size* if the deciding line is; else *not shown at this size*.

``python -m sslkit.course.claims --write`` (in a checkout) reads ``notebooks/*.ipynb``, writes
:data:`TABLE_FILE` (shipped with the package, so notebook 09 shows it on Colab too) and the
summary between its markers in ``docs/claims.md``; ``tests/test_claims.py`` fails when either is
stale.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path

SHOWN, NOT_SHOWN, OPPOSITE = "shown", "not shown at this size", "opposite at this size"
NOT_A_TEST = "not a test at this size"
VERDICTS = (SHOWN, NOT_A_TEST, NOT_SHOWN, OPPOSITE)
GATE_POINTS = 10.0  # the base method's gain over its floor, in kNN points, for a claim about it to be a test
VERDICT_AT_END = re.compile(r" → (shown|not shown at this size|opposite at this size)(?: \(.*\))?$")
TABLE_FILE = Path(__file__).with_name("claims.json")
CHECKOUT = Path(__file__).resolve().parents[2]
README_MARKERS = ("<!-- claims table: start -->", "<!-- claims table: end -->")


@dataclass(frozen=True)
class Line:
    """A verdict line a notebook prints: the text before its first ": ", and whether *shown*
    on it supports the claim (``True``) or goes against it (``False``: "GroupNorm + WS worse
    than BatchNorm → shown" is the claim "BYOL needs no BatchNorm" coming out opposite)."""
    prefix: str
    supports: bool = True


@dataclass(frozen=True)
class Claim:
    notebook: str  # "04_simclr"
    claim: str  # the claim, in a few words
    measure: str  # what the experiment measures
    size: str  # the size it was tested at, under the cpu profile
    lines: tuple[Line, ...]  # the first is the deciding measure; the rule reads all of them
    regime: str  # where the paper made the claim
    settle: str  # what would settle it here ("—" when nothing is left to settle)
    source: bool = True  # the source text's claim (False: a question the course adds)
    gate: str | None = None  # the verdict line of the base method's gain over its floor at this size


SWEEP = "8 epochs on 2,000 images, width 1/8, 3 seeds"
ON_MAIN_IMAGES = "8 epochs on the cpu profile's 10,000 images, width 1/8, 3 seeds"
CLAIMS = (
    Claim("01_rotnet", "predicting rotations teaches features", "kNN of the frozen features vs random init", SWEEP,
          (Line("RotNet features better than random init (kNN)"),),
          "ImageNet, AlexNet / NIN, 100+ epochs", "—", gate="RotNet features better than random init (kNN)"),
    Claim("01_rotnet", "the best features sit in a middle layer", "linear probe on each stage's pooled features",
          SWEEP, (Line("RotNet: stage 2 better than the last stage"), Line("RotNet: stage 3 better than the last stage")),
          "ImageNet, the last conv layers specialize to rotations",
          "runs long enough for the last stage to specialize (16 epochs on the cpu profile's 10,000 images, "
          "3 seeds): random weights already peak at stage 2 here", gate="RotNet features better than random init (kNN)"),
    Claim("02_jigsaw", "without gaps and jitter the puzzle is solved by a shortcut",
          "puzzle accuracy kept on tiles cut the other way, at one tile size (12 px) and as trained", SWEEP,
          (Line("(a) at one tile size, without the defences the network keeps less of its puzzle accuracy on the other "
                "tiles"),
           Line("without the defences the network keeps less of its puzzle accuracy on the other tiles (a shortcut)")),
          "ImageNet, 64-px tiles, 350k steps", "—", gate="Jigsaw with the defences (12-px tiles) better than random init"),
    Claim("02_jigsaw", "so the defences improve the features", "kNN of the frozen features", SWEEP,
          (Line("(b) at one tile size, the defences improve transfer (kNN)"), Line("the defences improve transfer (kNN)")),
          "ImageNet, 350k steps", "runs long enough for both variants to solve their puzzles: neither transfers "
          "above random weights at this size, and Jigsaw's main run is below the floor", gate="Jigsaw with the defences (12-px tiles) better than random init"),
    Claim("03_cpc", "CPC learns features", "kNN vs CPC's own encoder at random init", ON_MAIN_IMAGES,
          (Line("CPC better than random init"),), "ImageNet, ResNet-101, 100s of epochs", "—", gate="CPC better than random init"),
    Claim("03_cpc", "predictions need the autoregressive context",
          "how much more alike one image's patch codes are than two images' (code excess); kNN of the pooled codes",
          ON_MAIN_IMAGES,
          (Line("full context: codes of one image more alike than with none"), Line("full context better than none"),
           Line("full context better than one row")),
          "ImageNet, 7×7 grid of 64-px patches",
          "four times the seeds (halves the SE) or runs several times longer; a within-image code similarity "
          "would measure what the context changes", gate="CPC better than random init"),
    Claim("03_cpc", "predicting in both directions helps (CPC v2)", "kNN of the pooled codes and contexts",
          ON_MAIN_IMAGES, (Line("both directions better than top-down (codes)"),
                           Line("both directions better than top-down (context)")),
          "ImageNet, CPC v2", "as for the context: more seeds or longer runs", gate="CPC better than random init"),
    Claim("04_simclr", "more negatives (a bigger batch) give better features",
          "kNN with 2 / 16 / 254 negatives per view at batch 128 and equal compute (the batch-size runs beside it "
          "are confounded with steps or images)", SWEEP,
          (Line("at equal batch and compute, 254 negatives better than 16"),
           Line("at equal batch and compute, 16 negatives better than 2"),
           Line("batch 256 better than 64"), Line("at equal steps, batch 256 better than 64")),
          "ImageNet, batch 256–8192 (up to 16,382 negatives), 100+ epochs",
          "runs long enough for the hard negatives among many to matter; a MoCo queue for thousands of negatives", gate="SimCLR better than random init"),
    Claim("04_simclr", "a low temperature helps", "kNN at τ 0.1 / 0.5 / 1; alignment and uniformity of z",
          SWEEP, (Line("τ = 0.1 better than τ = 0.5"), Line("τ = 0.1 better than τ = 1.0"),
                  Line("τ = 0.5 spreads the images more evenly than τ = 1 (uniformity loss)")),
          "ImageNet, batch 4096 (the paper's own CIFAR-10 choice at small batches is τ = 0.5)",
          "batches of thousands, where the paper's low τ was chosen", gate="SimCLR better than random init"),
    Claim("04_simclr", "random crops and colour distortion are both needed",
          "kNN without each; neighbours shared with colour histograms", SWEEP,
          (Line("cropping helps (full better than no crop)"), Line("colour distortion helps (full better than no colour)"),
           Line("without colour distortion the neighbours follow colour histograms more (agreement)")),
          "ImageNet, 100 epochs", "—", gate="SimCLR better than random init"),
    Claim("04_simclr", "the representation before the projection head is better", "linear probe on h vs z",
          "16 epochs on 10,000 images, width 1/4, 3 seeds",
          (Line("at the main size, h better than z (linear probe)"), Line("h better than z (linear probe)")),
          "ImageNet, 100+ epochs (10+ points)", "—", gate="SimCLR at the main size better than random init"),
    Claim("05_byol", "the predictor prevents collapse", "kNN and the collapse monitor without it",
          "32 epochs on 2,000 images, width 1/8, 3 seeds",
          (Line("the predictor helps (BYOL better than no predictor)"),), "ImageNet, 300 epochs", "—", gate="BYOL better than random init"),
    Claim("05_byol", "the moving-average target prevents collapse", "kNN and the collapse monitor with τ = 0",
          "32 epochs on 2,000 images, width 1/8, 3 seeds", (Line("the EMA target helps (BYOL better than no EMA)"),),
          "ImageNet, 300 epochs", "runs thousands of steps long (these are 480); SimSiam later showed "
          "the stop-gradient alone can suffice", gate="BYOL better than random init"),
    Claim("05_byol", "BYOL needs no BatchNorm (GroupNorm + weight standardization)", "kNN with GN + WS",
          "32 epochs on 2,000 images, width 1/8, 3 seeds",
          (Line("GroupNorm + WS worse than BatchNorm", supports=False),
           Line("GN + WS backbone with BN heads worse than BatchNorm", supports=False)),
          "ImageNet, 300 epochs, a changed initialization",
          "Richemond et al.'s initialization over a long run (no learning rate from 0.06 to 2.0 lifted GN + WS "
          "above its random init on validation)", gate="BYOL better than random init"),
    Claim("05_byol", "without negatives BYOL is less sensitive to the batch size",
          "kNN change from batch 64 to 256, BYOL minus SimCLR", "32 (BYOL) and 8 (SimCLR) epochs on 2,000 images, 3 seeds",
          (Line("BYOL less sensitive to the batch than SimCLR (its change from 64 to 256 minus SimCLR's)"),),
          "ImageNet, batch 256–4096 at fixed epochs", "a fixed-steps design, so that the batch changes only the "
          "number of images compared", gate="BYOL better than random init"),
    Claim("06_deepcluster", "DeepCluster learns features", "kNN vs random init", ON_MAIN_IMAGES,
          (Line("DeepCluster better than random init"),), "ImageNet, AlexNet / VGG, 500 epochs", "—", gate="DeepCluster better than random init"),
    Claim("06_deepcluster", "the pseudo-labels must be renewed each epoch", "kNN, re-clustering vs clustering once",
          ON_MAIN_IMAGES, (Line("re-clustering every epoch better than clustering once"),),
          "ImageNet, 500 epochs", "runs several times longer, where the features drift far from their random start", gate="DeepCluster better than random init"),
    Claim("06_deepcluster", "re-seeding empty clusters and uniform sampling prevent trivial solutions",
          "the largest cluster's share, empty clusters and kNN, both fixes vs neither at K = 1,000 (and kNN at "
          "K = 100)", ON_MAIN_IMAGES,
          (Line("(b) at K = 1,000, without the fixes the largest cluster is bigger (share of images)"),
           Line("(a) at K = 1,000, without the fixes clusters are left empty (per clustering)"),
           Line("(c) at K = 1,000, both fixes better than neither (kNN)"), Line("both fixes better than neither")),
          "ImageNet, K = 10,000", "a setting that produces the failure at all (K = 1,000 did not, nor the 70-epoch "
          "main run on 50,000 images): runs long enough for a network to collapse its own pseudo-labels, or far "
          "fewer k-means iterations", gate="DeepCluster better than random init"),
    Claim("06_deepcluster", "K well above the number of classes works better", "kNN at K = 10 vs 100",
          ON_MAIN_IMAGES, (Line("K = 100 better than K = 10"),), "ImageNet, K = 10,000", "—", gate="DeepCluster better than random init", source=False),
    Claim("07_swav", "SwAV learns features", "kNN vs random init", "8 epochs (624 steps) on the cpu "
          "profile's 10,000 images, width 1/8, 3 seeds", (Line("SwAV better than random init"),),
          "ImageNet, 400–800 epochs", "12 epochs or more at this size (2 × 32 px for 12 epochs learns)", gate="SwAV better than random init"),
    Claim("07_swav", "equipartition prevents collapse onto few prototypes", "prototype usage; kNN",
          ON_MAIN_IMAGES,
          (Line("equipartition spreads the prototypes (usage)"), Line("equipartition better than a plain softmax (kNN)")),
          "ImageNet, 3,000 prototypes", "—", gate="SwAV better than random init"),
    Claim("07_swav", "small extra crops improve the features for little compute", "kNN, equal epochs and equal pixels",
          ON_MAIN_IMAGES,
          (Line("multi-crop better than two views at equal epochs"), Line("multi-crop better than two views at equal pixels")),
          "ImageNet, 96-px crops of 224-px images, 100s of epochs",
          "images large enough that a small crop still holds an object part; runs long enough to learn", gate="SwAV better than random init", source=False),
    Claim("07_swav", "ε = 0.05 for the Sinkhorn codes", "kNN at ε 0.02 / 0.05 / 0.1",
          ON_MAIN_IMAGES,
          (Line("ε = 0.05 better than 0.02"), Line("ε = 0.05 better than 0.1")),
          "ImageNet, 3,000 prototypes, batch 4,096", "K and batch near the paper's (ε sets how soft the codes are "
          "for that K); at full scale (50,000 images, 29 epochs) ε = 0.02 collapsed where 0.05 did not: runs that "
          "long at each ε, varying the Sinkhorn iterations or the peak learning rate", gate="SwAV better than random init", source=False),
    Claim("08_transfer", "pretraining pays off most when labels are few", "fine-tuning gain over scratch, 1% vs 10%",
          "the full-scale main runs (50,000 images, width 1/8) fine-tuned on 1% / 10% of the labels, 3 label draws",
          (Line("BYOL: the gain is larger with 1% of the labels than with 10%"),
           Line("SimCLR: the gain is larger with 1% of the labels than with 10%"),
           Line("BYOL: fine-tuned beats training from scratch at 1%")),
          "ImageNet, 1% / 10% labels",
          "at full scale the gain is flat from 1% to 10% and shrinks only at 100%: fewer labels than 1% "
          "(where training from scratch fails) and encoders trained longer", gate="BYOL: fine-tuned beats training from scratch at 1%", source=False),
    Claim("09_scaling", "SSL gains more from a bigger encoder than supervised learning",
          "supervised − SimCLR gap of the linear probe, narrowest vs widest, supervised given SimCLR's training "
          "FLOPs (and at equal epochs)", "SimCLR 16 epochs, supervised 32–40 (equal FLOPs) or 16, on 5,000 images, "
          "widths 1/32–1/4, 3 seeds",
          (Line("width at equal compute, linear"), Line("width, linear"), Line("BYOL, width 1/16 → 1/4")),
          "ImageNet, ResNet-50 ×1 to ×4, 1,000 epochs",
          "SimCLR near convergence at each width and equal compute across methods"),
)
EXERCISES = {
    "00_data_and_baselines": "Change k of the weighted kNN (200 → 20) and see how the floor moves.",
    "01_rotnet": "Probe stage 3 instead of the last stage in the evaluation table.",
    "02_jigsaw": "Train without the gap only (jitter kept) and ask both kinds of puzzle.",
    "03_cpc": "Predict one row ahead only (K = 1) and compare the loss curve.",
    "04_simclr": "Set τ = 0.2 (the full-scale main run's) in the temperature sweep.",
    "05_byol": "Set τ_base = 0.9 and watch the collapse monitor.",
    "06_deepcluster": "Cluster into K = 1,000 with both fixes off and count the empty clusters.",
    "07_swav": "Sinkhorn with 1 iteration instead of 3: does the usage stay spread?",
    "08_transfer": "Fine-tune with 5% of the labels.",
    "09_scaling": "Add width 1/2 to the width sweep at one seed.",
}


def verdict_lines(ipynb: Path) -> list[str]:
    """Every verdict line a notebook's outputs print (a line ending in "→ <verdict>")."""
    return [line for cell in json.loads(ipynb.read_text())["cells"] for out in cell.get("outputs", [])
            if out.get("output_type") == "stream" for line in "".join(out["text"]).splitlines()
            if VERDICT_AT_END.search(line)]


def find(lines: list[str], prefix: str) -> str | None:
    """The rest of the one line that starts with ``prefix: `` (None when none does); raises when
    several do, since then the catalogue cannot say which one decides."""
    hits = [line[len(prefix) + 2:] for line in lines if line.startswith(prefix + ": ")]
    if len(hits) > 1:
        raise LookupError(f"{len(hits)} verdict lines start with {prefix!r}: name one")
    return hits[0] if hits else None


def flip(verdict: str) -> str:
    return {SHOWN: OPPOSITE, OPPOSITE: SHOWN}.get(verdict, verdict)


def _parse(rest: str, supports: bool = True) -> dict:
    m = VERDICT_AT_END.search(rest)
    value = rest[:m.start()].replace(" (SE) points", "").replace(" (SE)", "")
    return {"result": value, "verdict": m.group(1), "for_claim": m.group(1) if supports else flip(m.group(1))}


def gain(result: str) -> float:
    """The difference a verdict line's result states: "+7.6 ± 0.9" → 7.6."""
    return float(result.split("±")[0].replace("−", "-").replace("+", "").strip())


def decide(gate: dict, lines: list[dict]) -> str:
    """The one rule (module docstring): the gate first, then the deciding line and the others."""
    if not gate["clears"]:
        return NOT_A_TEST
    first = lines[0]["for_claim"]
    if first == OPPOSITE:
        return OPPOSITE
    if first == SHOWN and not any(x["for_claim"] == OPPOSITE for x in lines):
        return SHOWN
    return NOT_SHOWN


def collect(notebooks: Path = CHECKOUT / "notebooks") -> list[dict]:
    """One dict per claim: its catalogue fields, its gate (the base method's gain over its floor at
    the claim's size, and whether it clears :data:`GATE_POINTS`), each line's result and the
    claim's verdict by the rule, read from the committed notebooks. Raises when a line the
    catalogue names is printed by no notebook."""
    rows, missing = [], []
    printed = {p.stem: verdict_lines(p) for p in sorted(notebooks.glob("[0-9]*.ipynb"))}
    for c in CLAIMS:
        lines = printed.get(c.notebook, [])
        results = []
        for line in c.lines:
            rest = find(lines, line.prefix)
            if rest is None:
                missing.append(f"{c.notebook}: {line.prefix!r}")
                continue
            results.append({"line": line.prefix, **_parse(rest, line.supports)})
        gate = {"line": c.gate, "result": "not measured at this size", "gain": None, "clears": False}
        if c.gate is not None:
            rest = find(lines, c.gate)
            if rest is None:
                missing.append(f"{c.notebook}: {c.gate!r} (gate)")
            else:
                parsed = _parse(rest)
                gate.update(result=parsed["result"], gain=gain(parsed["result"]),
                            clears=gain(parsed["result"]) >= GATE_POINTS or c.gate == c.lines[0].prefix)
        if results:
            rows.append({**{k: getattr(c, k) for k in ("notebook", "claim", "measure", "size", "regime", "settle",
                                                       "source")},
                         "gate": gate, "verdict": decide(gate, results), "lines": results})
    if missing:
        raise LookupError("verdict lines no committed notebook prints (run the notebook, or fix sslkit.course.claims."
                          "CLAIMS): " + "; ".join(missing))
    return rows


def tally(rows: list[dict]) -> str:
    """"The source text's N claims: a shown, b not a test at this size, …; the course's own M: …"
    (zero counts left out)."""
    def count(group):
        counts = {v: sum(r["verdict"] == v for r in group) for v in VERDICTS}
        return ", ".join(f"{n} {v}" for v, n in counts.items() if n) or "none"

    source = [r for r in rows if r["source"]]
    own = [r for r in rows if not r["source"]]
    return (f"The source text's {len(source)} claims tested here: {count(source)}. "
            f"The course's own {len(own)} questions: {count(own)}")


def render(rows: list[dict]) -> str:
    """The summary as a markdown table (claim → notebook → measure → gate → verdict → regime → next
    test) with the tally under it. Each line keeps the verdict its notebook printed, marked "(against
    the claim)" where *shown* on that line goes against the claim."""
    out = ["| claim | notebook | measure, size | gate: the base's gain over its floor (points) "
           "| verdict by the rule — each line: difference ± SE (points) | the paper's regime | what would settle it |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines = "; ".join(f"{x['line']}: {x['result']} → {x['verdict']}"
                          + (" (against the claim)" if x["for_claim"] != x["verdict"] else "") for x in r["lines"])
        g = r["gate"]
        own = g["line"] == r["lines"][0]["line"]
        gate = g["result"] + (" (the claim's own measure)" if own else
                              f" ({'clears' if g['clears'] else 'below'} +{GATE_POINTS:g})" if g["gain"] is not None else "")
        claim = r["claim"] + ("" if r["source"] else " *(the course's question)*")
        out.append(f"| {claim} | {r['notebook'][:2]} | {r['measure']}; {r['size']} | {gate} | **{r['verdict']}** — "
                   f"{lines} | {r['regime']} | {r['settle']} |")
    return "\n".join(out) + "\n\n" + tally(rows) + "."


def exercises() -> str:
    return "\n".join(f"- **{nb}**: {text}" for nb, text in EXERCISES.items())


def load() -> list[dict]:
    """The summary as last written by ``--write`` (shipped with the package)."""
    return json.loads(TABLE_FILE.read_text())


def show() -> None:
    """Display the summary and the exercises in a notebook (notebook 09's last section)."""
    from IPython.display import Markdown, display

    display(Markdown(render(load()) + "\n\n**Try it yourself**, one per notebook:\n\n" + exercises()))


def readme_block(rows: list[dict]) -> str:
    return f"{README_MARKERS[0]}\n{render(rows)}\n{README_MARKERS[1]}"


SUMMARY_MARKERS = ("<!-- claims summary: start -->", "<!-- claims summary: end -->")


def summary_block(rows: list[dict]) -> str:
    """The README's one line: the source text's claims alone, counted by the rule."""
    source = [r for r in rows if r["source"]]
    counts = ", ".join(f"{n} {v}" for v in VERDICTS if (n := sum(r["verdict"] == v for r in source)))
    return f"{SUMMARY_MARKERS[0]}\nThe source text's claims tested here: {len(source)}: {counts}.\n{SUMMARY_MARKERS[1]}"


def _between(path: Path, markers: tuple[str, str], block: str) -> None:
    text = path.read_text()
    start, end = (text.index(m) for m in markers)
    path.write_text(text[:start] + block + text[end + len(markers[1]):])


def write(readme: Path = CHECKOUT / "docs" / "claims.md", front: Path = CHECKOUT / "README.md") -> list[dict]:
    """Re-read the notebooks; write :data:`TABLE_FILE`, the table between the markers of
    ``docs/claims.md`` and the source text's count between the README's."""
    rows = collect()
    TABLE_FILE.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
    _between(readme, README_MARKERS, readme_block(rows))
    _between(front, SUMMARY_MARKERS, summary_block(rows))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sslkit.course.claims", description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write {TABLE_FILE.name} and the table in docs/claims.md")
    args = parser.parse_args(argv)
    rows = write() if args.write else collect()
    print(render(rows))


if __name__ == "__main__":
    main()
