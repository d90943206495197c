"""Each notebooks/NN_topic.py (the source) and its generated .ipynb hold the same cells."""

import re
from pathlib import Path

import jupytext
import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("[0-9]*.py"))


def cells(nb):
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def test_the_reference_command_knows_every_notebook():
    from sslkit.course.references import NOTEBOOKS as RECORDED

    assert [p.stem for p in NOTEBOOKS] == list(RECORDED), "add the notebook to sslkit.course.references.NOTEBOOKS"


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_ipynb_matches_its_source(py):
    ipynb = py.with_suffix(".ipynb")
    assert ipynb.is_file(), f"{ipynb.name} is missing: run `make notebooks`"
    generated = nbformat.read(ipynb, as_version=4)
    assert cells(jupytext.read(py)) == cells(generated), (
        f"{ipynb.name} no longer matches {py.name}: run `make notebooks` to regenerate and execute it"
    )
    executed = [c for c in generated.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in executed), f"{ipynb.name} is not fully executed"


def test_nbval_runs_every_notebook():
    makefile = (Path(__file__).parents[1] / "Makefile").read_text()
    order = re.search(r"^NBVAL_ORDER = (.*)$", makefile, re.M).group(1).split()
    assert sorted(order) == [p.stem for p in NOTEBOOKS], "list the notebook in the Makefile's NBVAL_ORDER"


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_cell_shows_a_bare_return_value(py):
    """A cell whose last line returns a string (a verdict, say) shows it in quotes under the line
    the cell printed: a leak a reader takes for a second, sometimes contradicting, result."""
    leaked = [(i, "".join(o["data"]["text/plain"]))
              for i, c in enumerate(c for c in nbformat.read(py.with_suffix(".ipynb"), as_version=4).cells
                                    if c.cell_type == "code")
              for o in c.get("outputs", []) if o.get("output_type") == "execute_result"
              and set(o["data"]) == {"text/plain"} and re.fullmatch(r"'.*'|\".*\"", "".join(o["data"]["text/plain"]))]
    assert not leaked, f"{py.stem}: code cells (0-based) show a bare string: {leaked}; print it or drop it"
