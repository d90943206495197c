"""Where sslkit keeps downloads, caches, training runs and result files.

Everything lives under one *home* folder:

- ``SSLKIT_HOME`` when set;
- else the repository root when sslkit runs from a checkout (the folder holding
  ``pyproject.toml`` next to the package);
- else the current working directory (a pip install, e.g. in Colab: ``/content``).

Inside it: ``data/`` (downloads and decoded caches) and ``runs/`` (checkpoints, logs, plots,
and each profile's ``results.json``: the numbers the user's notebooks measured).

The committed reference runs (:mod:`sslkit.records.manifest`) live in the repository's ``results/``
(:func:`references_dir`); outside a checkout they are fetched into ``<home>/results``.
"""

from __future__ import annotations

from pathlib import Path

from sslkit.parts import config


def repo_root() -> Path:
    """The folder above the package (the repository root in a checkout)."""
    return Path(__file__).resolve().parents[2]


def in_checkout() -> bool:
    return (repo_root() / "pyproject.toml").is_file()


def home() -> Path:
    """The folder that holds ``data/``, ``runs/`` and ``results/``."""
    if config.home() is not None:
        return config.home()
    repo = Path(__file__).resolve().parents[2]
    if (repo / "pyproject.toml").is_file():
        return repo
    return Path.cwd()


def data_dir() -> Path:
    return home() / "data"


def runs_dir() -> Path:
    return home() / "runs"


def references_dir() -> Path:
    """Where reference runs live: ``SSLKIT_REFERENCES`` when set; else the repository's
    ``results/`` in a checkout; else ``<home>/results`` (fetched from the repository)."""
    if config.references() is not None:
        return config.references()
    return (repo_root() if in_checkout() else home()) / "results"
