"""Published CIFAR-10 numbers to read this course's numbers against: how far a run is from
converged, and how much less compute it had.

Each :class:`Published` row is a number a public source reports for a method trained on the
50,000 CIFAR-10 training images with a full-width ResNet-18, with its metric, epochs, batch and
source; each is read beside this course's number **of the same metric** (kNN beside kNN, a linear
probe beside a linear probe, a classifier beside a classifier).
:func:`compute_share` puts one of our runs against such a run: image-passes (images × epochs)
× width², a proxy for training FLOPs (a ResNet's convolutions scale with the square of its
width), as a share of the published run's. The README's results
table is followed by :func:`calibration_table`, generated from the same manifest
(``python -m sslkit.course.references table --write``).

RotNet, Jigsaw and CPC have no CIFAR-10 ResNet-18 number in the sources we checked; their
papers report ImageNet (and, for RotNet, CIFAR-10 with Network-in-Network models), so their rows
say so instead of borrowing a number from another setting.
"""

from __future__ import annotations

from dataclasses import dataclass

CIFAR10_TRAIN = 50_000


@dataclass(frozen=True)
class Published:
    method: str  # the README table's label: "SimCLR"
    top1: float  # CIFAR-10 test top-1, %
    metric: str  # "kNN" (k = 200), "linear" (a linear probe; "online" when trained beside the method) or "classifier"
    epochs: int | None  # None where the source does not say
    batch: int | None
    source: str
    width: float = 1.0  # of the published ResNet-18

    @property
    def ours(self) -> str:
        """The key of this course's number of the same metric: "knn", "linear" or "classifier"."""
        return {"kNN": "knn", "classifier": "classifier"}.get(self.metric, "linear")


LIGHTLY = "lightly's cifar10_benchmark.py, results of 2022-02-18"
PUBLISHED = (
    Published("supervised", 93.02, "classifier", None, None, "kuangliu/pytorch-cifar README, ResNet18"),
    Published("SimCLR", 82.2, "kNN", 200, 128, LIGHTLY),
    Published("SimCLR", 87.5, "kNN", 800, 512, LIGHTLY),
    Published("SimCLR", 90.3, "kNN", 500, None, "dkobak/simclr-cifar10 README (83.2% after 100 epochs)"),
    Published("SimCLR", 90.74, "linear (online)", 1000, None, "solo-learn README"),
    Published("BYOL", 87.2, "kNN", 200, 128, LIGHTLY),
    Published("BYOL", 91.1, "kNN", 800, 512, LIGHTLY),
    Published("BYOL", 92.58, "linear (online)", 1000, None, "solo-learn README"),
    Published("SwAV", 80.6, "kNN", 200, 128, LIGHTLY),
    Published("SwAV", 88.1, "kNN", 800, 512, LIGHTLY),
    Published("SwAV", 89.17, "linear (online)", 1000, None, "solo-learn README"),
    Published("DeepCluster", 88.85, "linear (online)", 1000, None,
              "solo-learn README, for DeepCluster v2 — another algorithm (k-means on prototype scores, SwAV's "
              "training): no source reports DeepCluster itself on CIFAR-10 with a ResNet-18"),
)

UNPUBLISHED = {
    "RotNet": "no CIFAR-10 ResNet-18 number in our sources (Gidaris et al. 2018 report CIFAR-10 with NIN models)",
    "Jigsaw": "no CIFAR-10 number in our sources (Noroozi & Favaro 2016: ImageNet, 64-px tiles)",
    "CPC": "no CIFAR-10 number in our sources (Hénaff et al. 2020: ImageNet, ResNet-161)",
}


def compute_share(images: int, epochs: float, width: float, published: Published) -> float | None:
    """Our run's image-passes × width² as a share of ``published``'s (0–1): 10,000 images × 16
    epochs at width 1/4 against 50,000 × 200 at width 1 is 1/1,000. None when the source gives no epochs."""
    if min(images, epochs, width) <= 0:
        raise ValueError(f"images, epochs and width must be positive, got {images}, {epochs}, {width}.")
    if published.epochs is None:
        return None
    ours = images * epochs * width ** 2
    theirs = CIFAR10_TRAIN * published.epochs * published.width ** 2
    return ours / theirs


def _share(x: float | None) -> str:
    if x is None:
        return "–"
    return f"1/{1 / x:,.0f}" if x < 0.5 else f"{x:.1f}×"


def calibration_table(runs: dict[str, dict]) -> str:
    """Markdown: for each method of ``runs`` ({README label: {"knn" (0–1), optionally "linear" and
    "classifier", "images", "epochs", "width"}}), every published number for it beside this run's
    number of the same metric, with the share of that run's compute ours had; methods without a
    published number say why."""
    out = ["| method | published CIFAR-10 top-1 (metric; epochs, batch; source) | this run, same metric "
           "(images × epochs, width) | this run's compute as a share of it |", "|---|---|---|---|"]
    for label, r in runs.items():
        size = f"({r['images']:,} × {r['epochs']:g}, width {r['width']:g})"
        rows = [p for p in PUBLISHED if p.method == label]
        if not rows:
            if label in UNPUBLISHED:
                out.append(f"| {label} | {UNPUBLISHED[label]} | {100 * r['knn']:.1f}% kNN {size} | – |")
            continue
        for p in rows:
            run = f"{p.epochs} epochs" if p.epochs else "epochs not stated"
            batch = f", batch {p.batch}" if p.batch else ""
            ours = f"{100 * r[p.ours]:.1f}% {p.metric.split()[0]} {size}" if p.ours in r else "–"
            out.append(f"| {label} | {p.top1:g}% {p.metric} ({run}{batch}; {p.source}) | {ours} "
                       f"| {_share(compute_share(r['images'], r['epochs'], r['width'], p))} |")
    return "\n".join(out) + ("\n\nCompute: image-passes (images × epochs) × width², a proxy for training FLOPs; "
                             "published runs use every training image at width 1. Our linear probe is fitted on "
                             "frozen features after training; solo-learn's is trained online, beside the method.")
