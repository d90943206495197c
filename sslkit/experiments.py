"""Small repeated runs for the notebooks' experiments: one setting changed per run."""

from __future__ import annotations

from .data import ImageSet
from .evaluate import evaluate
from .profiles import Profile, get_profile
from .runs import run_dir
from .train import pretrain


def sweep_knn(method_cls, train: ImageSet, test: ImageSet, stem: str, profile: Profile | None = None,
              **kwargs) -> float:
    """kNN top-1 (0–1) of ``method_cls`` pretrained on ``train`` at the profile's *sweep* size
    (:meth:`~sslkit.profiles.Profile.sweep`). ``kwargs`` go to :func:`sslkit.train.pretrain`
    and the method. The run lives in ``run_dir(stem, method_cls, sweep profile, **kwargs)``
    (the stem plus the settings that differ from the defaults), so the same call in another
    notebook reloads it instead of training again."""
    p = (profile or get_profile()).sweep()
    model = pretrain(method_cls, train, None, run_dir(stem, method_cls, p, **kwargs), profile=p, progress=False,
                     **kwargs)
    return evaluate(model, train, test, probe=False)["knn"]
