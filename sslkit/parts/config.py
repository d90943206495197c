"""Every setting sslkit reads from the environment, in one place.

Each is read when it is used, never frozen at import, so setting a variable after ``import
sslkit`` (``%env`` in a notebook, ``monkeypatch.setenv`` in a test) takes effect. Library
functions take their settings as arguments; these variables are the defaults a reader or a
machine sets once.

| variable | what it sets | when unset |
|---|---|---|
| ``SSLKIT_PROFILE`` | the run sizes: ``smoke`` (CI), ``cpu`` (the references), ``live`` (train it yourself), ``gpu`` | ``cpu``; ``live`` when a notebook retrains |
| ``SSLKIT_RETRAIN`` | ``1`` / ``true`` / ``yes``: a notebook trains every run instead of loading references | load references |
| ``SSLKIT_DATA`` | a local CIFAR-10: torchvision's ``cifar-10-batches-py/`` or an ImageFolder ``train/`` + ``test/`` | torchvision downloads it into ``<home>/data`` |
| ``SSLKIT_FASHION_MNIST`` | a folder holding Fashion-MNIST's four original files (Debian's ``dataset-fashion-mnist``: ``/usr/share/datasets/fashion-mnist``) | torchvision downloads it into ``<home>/data`` |
| ``SSLKIT_HOME`` | the folder holding ``data/`` (decoded cache), ``runs/`` and downloaded weights | the checkout, else the working directory |
| ``SSLKIT_REFERENCES`` | the reference store (``<profile>-manifest.json`` and run folders) | the checkout's ``results/``, else ``<home>/results`` |
| ``SSLKIT_REFERENCE_URL`` | where a pip install fetches references from | the repository's raw files |
| ``SSLKIT_PRECISION`` | ``32-true``, ``bf16-mixed`` or ``16-mixed``, overriding the device's fastest correct choice | chosen per device |
| ``SSLKIT_THREADS`` | a fixed count of torch threads for training (else ``OMP_NUM_THREADS``) | the cores other processes leave free, re-checked every epoch |

``LOCAL_RANK`` is Lightning's, read to tell the extra processes of its "ddp" strategy from the first.
"""

from __future__ import annotations

import os
from pathlib import Path


def _get(name: str) -> str:
    return os.environ.get(name, "").strip()


def profile_name() -> str:
    """``SSLKIT_PROFILE`` in lower case, or "" when unset."""
    return _get("SSLKIT_PROFILE").lower()


def retrain() -> bool:
    """True when ``SSLKIT_RETRAIN`` asks notebooks to train instead of loading references."""
    return _get("SSLKIT_RETRAIN").lower() in ("1", "true", "yes")


def data_source() -> str | None:
    """``SSLKIT_DATA``, or None (download)."""
    return _get("SSLKIT_DATA") or None


def fashion_mnist() -> str | None:
    """``SSLKIT_FASHION_MNIST``, or None (download)."""
    return _get("SSLKIT_FASHION_MNIST") or None


def home() -> Path | None:
    """``SSLKIT_HOME`` as an absolute path, or None."""
    return Path(_get("SSLKIT_HOME")).expanduser().resolve() if _get("SSLKIT_HOME") else None


def references() -> Path | None:
    """``SSLKIT_REFERENCES`` as an absolute path, or None."""
    return Path(_get("SSLKIT_REFERENCES")).expanduser().resolve() if _get("SSLKIT_REFERENCES") else None


def reference_url() -> str | None:
    """``SSLKIT_REFERENCE_URL``, or None (the repository's)."""
    return _get("SSLKIT_REFERENCE_URL") or None


def precision() -> str:
    """``SSLKIT_PRECISION``, or "" (the device's choice)."""
    return _get("SSLKIT_PRECISION")


def pinned_threads() -> int | None:
    """The thread count the user fixed (``SSLKIT_THREADS``, else ``OMP_NUM_THREADS``), or None."""
    for var in ("SSLKIT_THREADS", "OMP_NUM_THREADS"):
        v = _get(var)
        if v:
            try:
                return max(1, int(v))
            except ValueError:
                raise ValueError(f"{var}={v!r} is not a whole number of threads; unset it or give e.g. {var}=1.") from None
    return None


def extra_rank() -> bool:
    """True in the extra processes Lightning's "ddp" strategy starts (``LOCAL_RANK`` > 0)."""
    return _get("LOCAL_RANK") not in ("", "0")
