"""Published CIFAR-10 numbers to read this course's numbers against: how far a run is from
converged, and how much less compute it had.

Each :class:`Published` row is a number a public source reports for a method pretrained on the
50,000 CIFAR-10 training images with a full-width ResNet-18, with its epochs, batch and source.
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
    metric: str  # "kNN" (k = 200 unless the source says otherwise) or "linear"
    epochs: int
    batch: int | None
    source: str
    width: float = 1.0  # of the published ResNet-18


PUBLISHED = (
    Published("SimCLR", 78.0, "kNN", 200, 128, "lightly's CIFAR-10 benchmark"),
    Published("SimCLR", 90.3, "kNN", 500, None, "dkobak/simclr-cifar10 README (83.2% after 100 epochs)"),
    Published("SimCLR", 90.74, "linear (online)", 1000, None, "solo-learn README"),
    Published("BYOL", 85.0, "kNN", 200, 128, "lightly's CIFAR-10 benchmark table (as in its README's older versions)"),
    Published("BYOL", 92.58, "linear (online)", 1000, None, "solo-learn README"),
    Published("SwAV", 89.17, "linear (online)", 1000, None, "solo-learn README"),
    Published("DeepCluster", 88.85, "linear (online)", 1000, None, "solo-learn README (DeepCluster v2)"),
)

UNPUBLISHED = {
    "RotNet": "no CIFAR-10 ResNet-18 number in our sources (Gidaris et al. 2018 report CIFAR-10 with NIN models)",
    "Jigsaw": "no CIFAR-10 number in our sources (Noroozi & Favaro 2016: ImageNet, 64-px tiles)",
    "CPC": "no CIFAR-10 number in our sources (Hénaff et al. 2020: ImageNet, ResNet-161)",
}


def compute_share(images: int, epochs: float, width: float, published: Published) -> float:
    """Our run's image-passes × width² as a share of ``published``'s (0–1): 10,000 images × 16
    epochs at width 1/4 against 50,000 × 200 at width 1 is 1/1,000."""
    if min(images, epochs, width) <= 0:
        raise ValueError(f"images, epochs and width must be positive, got {images}, {epochs}, {width}.")
    ours = images * epochs * width ** 2
    theirs = CIFAR10_TRAIN * published.epochs * published.width ** 2
    return ours / theirs


def _share(x: float) -> str:
    return f"1/{1 / x:,.0f}" if x < 0.5 else f"{x:.1f}×"


def calibration_table(runs: dict[str, dict]) -> str:
    """Markdown: for each method of ``runs`` ({README label: {"knn" (0–1), "images", "epochs",
    "width"}}), our kNN beside every published number for it, with the share of that run's compute
    ours had; methods without a published number say why."""
    out = ["| method | this run: kNN (images × epochs, width) | published CIFAR-10 top-1 (epochs, batch; source) "
           "| this run's compute as a share of it |", "|---|---|---|---|"]
    for label, r in runs.items():
        ours = f"{100 * r['knn']:.1f}% ({r['images']:,} × {r['epochs']:g}, width {r['width']:g})"
        rows = [p for p in PUBLISHED if p.method == label]
        if not rows:
            if label in UNPUBLISHED:
                out.append(f"| {label} | {ours} | {UNPUBLISHED[label]} | – |")
            continue
        for p in rows:
            batch = f", batch {p.batch}" if p.batch else ""
            out.append(f"| {label} | {ours} | {p.top1:g}% {p.metric} ({p.epochs} epochs{batch}; {p.source}) "
                       f"| {_share(compute_share(r['images'], r['epochs'], r['width'], p))} |")
    return "\n".join(out) + ("\n\nCompute: image-passes (images × epochs) × width², a proxy for training FLOPs; "
                             "published runs use every training image at width 1.")
