"""Small repeated runs for the notebooks' experiments: one setting changed per run."""

from __future__ import annotations

from pathlib import Path

from .data import ImageSet
from .evaluate import evaluate
from .profiles import PROFILE, Profile
from .train import pretrain


def sweep_knn(method_cls, train: ImageSet, test: ImageSet, run_dir: str | Path, profile: Profile | None = None,
              **kwargs) -> float:
    """kNN top-1 (0–1) of ``method_cls`` pretrained on ``train`` at the profile's *sweep* size
    (:meth:`~sslkit.profiles.Profile.sweep`) into ``run_dir`` — reloaded, not retrained, when
    that run already finished. ``kwargs`` go to :func:`sslkit.train.pretrain` and the method."""
    p = (profile or PROFILE).sweep()
    model = pretrain(method_cls, train, None, run_dir, profile=p, progress=False, **kwargs)
    return evaluate(model.backbone, train, test, probe=False)["knn"]
