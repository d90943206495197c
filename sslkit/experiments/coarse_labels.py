"""The source text's dog-breed argument, run on CIFAR-10: supervision keeps only what its labels ask for.

A network trained to tell dog breeds apart may look only at fur, and then fails on a new breed or
a new task. On CIFAR-10 the same test: train the supervised baseline on **coarse** labels alone —
animal (bird, cat, deer, dog, frog, horse) or vehicle (airplane, automobile, ship, truck) — and
probe its frozen features on the ten classes it was never asked to separate, beside the ten-class
baseline and a self-supervised encoder trained on the same images for the same compute.

The coarse run has the supervised baseline's every setting (:func:`sslkit.experiments.baselines.supervised_settings`)
but its labels, so it costs what the baseline costs; train it in the background, resumable::

    python -m sslkit.experiments.coarse_labels          # the profile's main-size coarse run (cpu: 100 epochs, ~2 h)
"""

from __future__ import annotations

import argparse

import torch

from sslkit.experiments.baselines import supervised_settings
from sslkit.methods import Supervised
from sslkit.parts.data import ImageSet, cifar10
from sslkit.parts.profiles import Profile, get_profile
from sslkit.records.policy import Mode, load_or_pretrain
from sslkit.training.train import Trained

VEHICLES = ("airplane", "automobile", "ship", "truck")
COARSE_CLASSES = ("animal", "vehicle")
STEM = "supervised-coarse"


def coarse(data: ImageSet) -> ImageSet:
    """``data`` with each CIFAR-10 label replaced by its coarse class: 0 animal, 1 vehicle."""
    unknown = set(data.classes) - {"bird", "cat", "deer", "dog", "frog", "horse", *VEHICLES}
    if unknown:
        raise ValueError(f"coarse labels are defined for CIFAR-10's classes; these are not: {sorted(unknown)}.")
    vehicle = torch.tensor([c in VEHICLES for c in data.classes])
    return ImageSet(data.images, vehicle[data.labels].long(), COARSE_CLASSES)


def coarse_supervised(train: ImageSet, test: ImageSet, *, mode: Mode, profile: Profile | str | None = None,
                      progress: bool = True) -> Trained:
    """The supervised baseline trained on :func:`coarse` labels of ``train`` (validated on ``test``'s
    coarse labels), at the profile's main-run size: its reference when ``mode`` allows and one
    exists, else trained (or resumed) in ``runs/<profile>/supervised-coarse``."""
    p = get_profile(profile).main_profile()
    return load_or_pretrain(Supervised, coarse(train), coarse(test), STEM, mode=mode, name=STEM, profile=p,
                            progress=progress, **supervised_settings(p))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", default=None, help="smoke | cpu | live | gpu (default: SSLKIT_PROFILE, else cpu)")
    args = ap.parse_args(argv)
    p = get_profile(args.profile)
    train, test = cifar10(p.main_profile())
    coarse_supervised(train, test, mode=Mode(train=True), profile=p, progress=False)


if __name__ == "__main__":
    main()
