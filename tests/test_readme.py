"""The README's Python examples run as written, imports included (under the smoke profile)."""

import os
import re

import pytest

from sslkit.parts import paths

README = paths.repo_root() / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", README.read_text(), re.M | re.S)


def test_the_readme_has_examples_to_run():
    blocks = python_blocks()
    assert len(blocks) >= 3 and any("pretrain(" in b for b in blocks) and any("load_or_pretrain(" in b for b in blocks)


@pytest.mark.skipif(not os.environ.get("SSLKIT_DATA"), reason="needs CIFAR-10 offline (SSLKIT_DATA; CI sets it)")
@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_each_readme_example_runs_as_written(index, monkeypatch, checkout_data):
    monkeypatch.setenv("SSLKIT_PROFILE", "smoke")  # the same code, at the size CI trains
    monkeypatch.delenv("SSLKIT_REFERENCES")  # the repository's own references, as a reader has them
    namespace = {}
    exec(compile(python_blocks()[index], f"README.md python block {index + 1}", "exec"), namespace)
    if "run" in namespace and hasattr(namespace["run"], "epochs"):
        assert namespace["run"].epochs >= 1  # it trained (smoke: seconds)
