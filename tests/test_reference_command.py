"""The reference command end to end, as a maintainer runs it (``make references``, here on one
notebook under the smoke profile): notebook 01 executed in record mode in a Jupyter kernel, then
``check`` verifying every recorded file against the manifest's sha256, and failing on an altered one.

It runs in the test's own home and references folder (tests/conftest.py), so it may share a CPU
pool with the notebooks' nbval run (``make test``) without touching their runs."""

import json
import os
import subprocess
import sys

import pytest

from sslkit.parts import paths


def _check(capsys) -> tuple[int, str]:
    """``python -m sslkit.course.references check --profile smoke``, in this process: (exit code, output)."""
    from sslkit.course import references

    with pytest.raises(SystemExit) as done:
        references.main(["check", "--profile", "smoke"])
    return done.value.code, capsys.readouterr().out


@pytest.mark.skipif(not os.environ.get("SSLKIT_DATA"), reason="needs CIFAR-10 offline (SSLKIT_DATA; CI sets it)")
def test_the_reference_command_records_a_notebook_and_check_verifies_it(capsys, checkout_data):
    cmd = [sys.executable, "-m", "sslkit.course.references", "01_rotnet", "--profile", "smoke"]
    rec = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert rec.returncode == 0, rec.stdout[-3000:] + rec.stderr[-3000:]
    manifest = json.loads((paths.references_dir() / "smoke-manifest.json").read_text())["runs"]
    assert {"rotnet", "rotnet-sweep"} <= set(manifest)
    assert all(e["notebook"] == "01_rotnet" for e in manifest.values())
    code, out = _check(capsys)
    assert code == 0 and "ok  rotnet\n" in out, out
    weights = paths.references_dir() / "smoke" / "rotnet" / "weights.pt"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte altered
    weights.write_bytes(data)
    code, out = _check(capsys)
    assert code == 1 and "BAD rotnet: results/smoke/rotnet/weights.pt does not match its sha256" in out, out
