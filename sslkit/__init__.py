"""sslkit: self-supervised learning for images, small enough to read, fast enough to run.

The package behind the sslkit notebooks, in six layers (a module imports only from its own
layer and the ones before it; tests/test_layers.py checks):

1. :mod:`sslkit.parts`        profiles, data, augmentations, backbones, heads, losses, EMA, clustering
2. :mod:`sslkit.methods`      one LightningModule per method
3. :mod:`sslkit.training`     the one training path, run folders, evaluation, FLOPs, verdicts
4. :mod:`sslkit.records`      references (verified), the load-or-train policy, results, pretrained encoders
5. :mod:`sslkit.experiments`  sweeps, baselines, transfer, scaling
6. :mod:`sslkit.course`       notebook setup and result cells, estimates, plots, widgets, the reference command

``sslkit.load_backbone`` / ``load_method`` / ``load_imagenet`` (:mod:`sslkit.records.pretrained`)
load encoders to reuse, without importing torch on ``import sslkit``.
"""

__version__ = "0.1.0"
# the one place the repository's address lives: Colab badges, install cells (checked by
# tests/test_notebooks_sync.py) and reference downloads read it
REPOSITORY = "https://github.com/sslkit/sslkit"


def __getattr__(name):  # sslkit.load_backbone without importing torch on ``import sslkit``
    if name in ("load_backbone", "load_method", "load_imagenet"):
        from sslkit.records import pretrained
        return getattr(pretrained, name)
    raise AttributeError(f"module 'sslkit' has no attribute {name!r}")
