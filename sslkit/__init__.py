"""sslkit: self-supervised learning for images, small enough to read, fast enough to run.

The package behind the sslkit notebooks. Modules:

- :mod:`sslkit.profiles`  smoke | cpu | gpu run settings, chosen once (``SSLKIT_PROFILE``)
- :mod:`sslkit.data`      CIFAR-10 (download | local folder | decoded cache), digits, subsets, device loader
- :mod:`sslkit.augment`   batched augmentations with per-sample random parameters
- :mod:`sslkit.backbones` CIFAR-stem ResNets with width/depth multipliers, BN or GN+WS
- :mod:`sslkit.evaluate`  kNN, linear probe, fine-tuning, low-label subsets
- :mod:`sslkit.train`     the one Lightning training path every method uses
- :mod:`sslkit.methods`   one LightningModule per method
- :mod:`sslkit.reference` reference runs: trained once, committed, loaded by the notebooks
- :mod:`sslkit.pretrained` encoders to reuse: sslkit's reference runs (``sslkit.load_backbone``) and
  ImageNet SSL ResNet-50s (hash-pinned, read with ``weights_only=True``)
- :mod:`sslkit.plots`, :mod:`sslkit.widgets`  figures and ipywidgets explorers
"""

__version__ = "0.1.0"
# the one place the repository's address lives: Colab badges, install cells (checked by
# tests/test_notebooks_sync.py) and reference downloads read it
REPOSITORY = "https://github.com/sslkit/sslkit"


def __getattr__(name):  # sslkit.load_backbone without importing torch on ``import sslkit``
    if name in ("load_backbone", "load_method", "load_imagenet"):
        from . import pretrained
        return getattr(pretrained, name)
    raise AttributeError(f"module 'sslkit' has no attribute {name!r}")
