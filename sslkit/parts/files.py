"""Files sslkit reads and writes safely: their sha256, atomic downloads, strict weight loading.

One copy of each, used by run folders (checkpoint checksums), the reference store (manifest
hashes, per-run fetching) and the pretrained encoders (pinned downloads).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
import tempfile
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable

import torch


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB blocks."""
    with open(path, "rb") as f:
        return _hash_open(f)


class UnreadableFile(ValueError):
    """A weights or checkpoint file that is not what ``torch.save`` writes (damaged, another
    format, or crafted); the message names the file and the fix."""


def _hash_open(f) -> str:
    """Hex sha256 of an open binary file's bytes from where it stands, in 1 MiB blocks; rewound after."""
    h = hashlib.sha256()
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
    f.seek(0)
    return h.hexdigest()


def _check_zip(f, path: Path, fix: str) -> None:
    """``torch.save`` writes an uncompressed zip: refuse compressed members (a small file that would
    inflate to gigabytes) and members that claim more bytes than the file holds."""
    size = os.fstat(f.fileno()).st_size
    try:
        with zipfile.ZipFile(f) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise UnreadableFile(f"{path} is not a file torch.save wrote ({type(e).__name__}: {str(e)[:80]}): damaged or "
                             f"another format. Fix: {fix}.") from None
    finally:
        f.seek(0)
    packed = [m.filename for m in members if m.compress_type != zipfile.ZIP_STORED]
    if packed or sum(m.file_size for m in members) > size:
        raise UnreadableFile(f"{path} holds compressed members ({', '.join(packed[:3]) or 'sizes beyond the file'}), "
                             "which torch.save never writes: a file built to inflate in memory, not weights. "
                             f"sslkit will not read it. Fix: {fix}.")


def load_torch_file(path: str | Path, what: str, fix: str, check: Callable[[str], object] | None = None,
                    safe_globals=()) -> tuple[object, str]:
    """(contents, sha256) of a ``torch.save`` file, read with ``weights_only=True``.

    The file is opened once: its bytes are hashed and, when ``check(digest)`` returns (it raises on a
    wrong hash), loaded from the same open file, so a file swapped on disk between the check and
    the load is never read. Zip members must be stored uncompressed, as ``torch.save`` writes them,
    so memory stays within the file's size plus the tensors it holds. Anything else — a damaged
    file, bytes of another format — raises :class:`UnreadableFile` naming ``what``, the path and ``fix``."""
    path = Path(path)
    with open(path, "rb") as f:
        if zipfile.is_zipfile(f):
            _check_zip(f, path, fix)
        else:  # the legacy (pre-zip) format is a pickle stream, which opens with the PROTO opcode
            f.seek(0)
            if f.read(1) != b"\x80":
                raise UnreadableFile(f"{what} {path}: not a torch.save file (neither its zip format nor its older "
                                     f"pickle format): damaged, or another kind of file. Fix: {fix}.")
            f.seek(0)
        digest = _hash_open(f)
        if check is not None:
            check(digest)
        try:
            with torch.serialization.safe_globals(list(safe_globals)) if safe_globals else contextlib.nullcontext():
                return torch.load(f, map_location="cpu", weights_only=True), digest
        except Exception as e:  # noqa: BLE001 — whatever torch raised, the file is unusable: say so once
            objects = isinstance(e, pickle.UnpicklingError) and "global" in str(e).lower()
            kind = ("it holds Python objects that weights_only=True refuses to build (reading them could run code)"
                    if objects else
                    f"it is damaged or not a torch.save file ({type(e).__name__}: {str(e).splitlines()[0][:100] if str(e) else ''})")
            raise UnreadableFile(f"{what} {path}: {kind}. sslkit will not read it. Fix: {fix}.") from None


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
