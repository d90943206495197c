"""Files sslkit reads and writes safely: their sha256, atomic downloads, strict weight loading.

One copy of each, used by run folders (checkpoint checksums), the reference store (manifest
hashes, per-run fetching) and the pretrained encoders (pinned downloads).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path
from typing import Callable

import torch


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def download(url: str, target: Path, check: Callable[[Path], object] | None = None, progress: bool = False,
             timeout: float = 60) -> Path:
    """``url`` into ``target`` atomically: a temporary file beside it, given to ``check`` (which
    raises when the bytes are wrong), then renamed. A failed or wrong download leaves nothing
    behind, so a cut connection never leaves half a file where a whole one is expected.
    ``file://`` URLs work (the tests use them). Network errors propagate as ``OSError``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".", suffix=".part")
    tmp = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as r:
            if progress:
                from tqdm.auto import tqdm

                total = int(r.headers.get("Content-Length") or 0) or None
                with tqdm(total=total, unit="B", unit_scale=True, desc=target.name) as bar:
                    while block := r.read(1 << 20):
                        out.write(block)
                        bar.update(len(block))
            else:
                shutil.copyfileobj(r, out)
        if check is not None:
            check(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def load_strict(module: torch.nn.Module, state: dict, what: str) -> torch.nn.Module:
    """``module.load_state_dict(state)`` with nothing left out: every missing, unexpected or
    wrongly shaped tensor is named in a ``RuntimeError`` ("<what> does not fit …"). Each tensor
    is cast to the dtype of the module's own (float16 reference weights load into float32)."""
    own = module.state_dict()
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise RuntimeError(f"{what} is not a state dict of tensors.")
    missing, unexpected = sorted(set(own) - set(state)), sorted(set(state) - set(own))
    shapes = sorted(k for k in set(own) & set(state) if own[k].shape != state[k].shape)
    if missing or unexpected or shapes:
        def some(keys):
            return ", ".join(keys[:6]) + (f" … ({len(keys)} in all)" if len(keys) > 6 else "") if keys else "none"
        raise RuntimeError(f"{what} does not fit {type(module).__name__}: missing {some(missing)}; "
                           f"unexpected {some(unexpected)}; wrong shape {some(shapes)}.")
    module.load_state_dict({k: v.to(own[k].dtype) for k, v in state.items()})
    return module
