"""More unlabelled data: SimCLR pretrained on growing subsets of CIFAR-10, in two designs.

The source text's data argument is that unlabelled images are plentiful, so a method that learns
from them improves as more are added. Two designs separate "more data" from "more compute":

- **equal epochs**: every size trains for the main run's epochs, so compute grows with the data;
- **equal compute**: every size trains for the main run's optimizer steps (epochs scaled by
  50,000 / images), so only the number of distinct images changes.

The subsets are class-balanced and nested (:meth:`sslkit.parts.data.ImageSet.balanced` with one
seed keeps each class's first images in one fixed order), every other setting is the SimCLR main
run's (:meth:`sslkit.parts.profiles.Profile.main_run`), and the full-data point of both designs
is the main run itself. Each run keeps its weights, so any labelled set can probe it later.

Train them in the background, resumable (an interrupted run continues from its last epoch)::

    python -m sslkit.experiments.data_sizes            # every run not yet finished, smallest first
    python -m sslkit.experiments.data_sizes --list     # names, images, epochs, steps
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace

from sslkit.methods import SimCLR
from sslkit.parts import paths
from sslkit.parts.data import cifar10
from sslkit.parts.profiles import Profile, get_profile
from sslkit.records.policy import main_run_name
from sslkit.training.train import pretrain

STEM = "simclr"
FRACTIONS = (0.1, 0.2, 0.5)  # of the main run's images: 5,000 / 10,000 / 25,000 of 50,000 at the cpu profile
DESIGNS = ("equal_epochs", "equal_compute")


@dataclass(frozen=True)
class DataRun:
    """One run of the data curve: its ``name`` (a folder under ``runs/<profile>/``), the profile
    sized to its ``per_class`` images (None = all), its ``epochs`` and the method ``settings``."""

    design: str
    per_class: int | None
    profile: Profile
    epochs: int
    settings: dict

    @property
    def images(self) -> int:
        return 10 * (self.profile.train_per_class or 5000)  # CIFAR-10: 10 classes of 5,000 training images

    @property
    def name(self) -> str:
        if self.design == "main":
            return main_run_name(STEM, "SimCLR", self.profile, epochs=self.epochs, **self.settings)
        return main_run_name(f"{STEM}-images={self.images}", "SimCLR", self.profile, epochs=self.epochs,
                             **self.settings)

    @property
    def steps(self) -> int:
        """Optimizer steps: full batches per epoch (the last partial one is dropped) × epochs."""
        return max(1, self.images // self.profile.batch_size) * self.epochs


def data_runs(profile: Profile | str | None = None, fractions=FRACTIONS) -> list[DataRun]:
    """Every run of both designs at ``profile``'s main-run sizes — ``fractions`` of the main run's
    images, equal epochs then equal compute — and the main run last (shared by both designs)."""
    main = get_profile(profile).main_profile()
    settings = main.main_run(STEM)
    epochs = settings.pop("epochs")
    full = main.train_per_class or 5000
    out = []
    for design in DESIGNS:
        for f in fractions:
            n = max(1, round(f * full))
            scaled = epochs if design == "equal_epochs" else round(epochs * full / n)
            out.append(DataRun(design, n, replace(main, train_per_class=n), scaled, settings))
    out.append(DataRun("main", None, main, epochs, settings))
    return out


def train_all(profile: Profile | str | None = None, only: str | None = None) -> None:
    """Train every run of :func:`data_runs` not finished yet (a finished one only reloads), in
    ``runs/<profile>/<name>/``, where the notebook's load-or-train finds them."""
    p = get_profile(profile)
    for run in data_runs(p):
        if run.design == "main" or (only and run.design != only):
            continue
        train, _ = cifar10(run.profile)
        pretrain(SimCLR, train, None, paths.runs_dir() / p.name / run.name, epochs=run.epochs, profile=run.profile,
                 progress=False, **run.settings)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", default=None, help="smoke | cpu | live | gpu (default: SSLKIT_PROFILE, else cpu)")
    ap.add_argument("--design", choices=DESIGNS, default=None, help="train only this design's runs")
    ap.add_argument("--list", action="store_true", help="print the runs and exit")
    args = ap.parse_args(argv)
    if args.list:
        for r in data_runs(args.profile):
            print(f"{r.design:<14} {r.images:>6,} images  {r.epochs:>4} epochs  {r.steps:>6,} steps  {r.name}")
        return
    train_all(args.profile, args.design)


if __name__ == "__main__":
    main()
