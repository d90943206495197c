"""Where sslkit keeps downloads, caches, training runs and result files.

Everything lives under one *home* folder:

- ``SSLKIT_HOME`` when set;
- else the repository root when sslkit runs from a checkout (the folder holding
  ``pyproject.toml`` next to the package);
- else the current working directory (a pip install, e.g. in Colab: ``/content``).

Inside it: ``data/`` (downloads and decoded caches), ``runs/`` (checkpoints, logs, plots)
and ``results/`` (reference numbers per profile, read by later notebooks).
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The folder that holds ``data/``, ``runs/`` and ``results/``."""
    if os.environ.get("SSLKIT_HOME"):
        return Path(os.environ["SSLKIT_HOME"]).expanduser().resolve()
    repo = Path(__file__).resolve().parents[1]
    if (repo / "pyproject.toml").is_file():
        return repo
    return Path.cwd()


def data_dir() -> Path:
    return home() / "data"


def runs_dir() -> Path:
    return home() / "runs"


def results_dir() -> Path:
    return home() / "results"
