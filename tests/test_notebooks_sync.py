"""Each notebooks/NN_topic.py (the source) and its generated .ipynb hold the same cells."""

import json
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


def printed_results(ipynb: Path) -> dict[tuple[str, str], str]:
    """{(encoder, "knn" | "linear"): "41.2"} from the results tables a notebook's outputs show:
    "**CIFAR-10 test top-1, profile `cpu`…**" tables (kNN top-1, linear probe) and the "100%
    labels" column of notebook 08's "**Linear probe on frozen features**" table. A notebook's own pointer to
    another, "SimCLR (04)", is dropped from the name."""
    found = {}
    for c in nbformat.read(ipynb, as_version=4).cells:
        for o in c.get("outputs", []):
            md = "".join(o.get("data", {}).get("text/markdown", ""))
            rows = [[x.strip() for x in line.strip().strip("|").split("|")] for line in md.splitlines()
                    if line.startswith("|") and not line.startswith("|---")]
            if not rows:
                continue
            header, columns = rows[0], {"kNN top-1": "knn", "linear probe": "linear", "100% labels": "linear"}
            if not md.startswith(("**CIFAR-10 test top-1", "**Linear probe on frozen features**")):
                continue
            for row in rows[1:]:
                name = re.sub(r" \(\d\d\)$", "", row[0])
                for col, measure in columns.items():
                    if col in header:
                        found.setdefault((name, measure), set()).add(row[header.index(col)].rstrip("%"))
    return found


def test_every_notebook_prints_the_same_number_for_an_encoder_and_measure():
    """The same frozen encoder, evaluated by the same protocol, must show one number course-wide
    and the one its reference recorded (results/cpu-manifest.json): a reader compares tables
    across notebooks, and a tenth of a point that moves between them reads as a finding."""
    from sslkit.course.references import TABLE_ROWS

    seen: dict[tuple[str, str], dict[str, str]] = {}
    for py in NOTEBOOKS:
        for key, values in printed_results(py.with_suffix(".ipynb")).items():
            for v in values:
                seen.setdefault(key, {}).setdefault(v, py.stem)
    labels = {**dict(TABLE_ROWS), "floor": "floor (random init)"}
    manifest = json.loads((NOTEBOOKS[0].parents[1] / "results" / "cpu-manifest.json").read_text())
    recorded = {(labels[e["result"]], m): f"{100 * e['results'][m]:.1f}"
                for e in manifest["runs"].values() if e.get("result") in labels for m in ("knn", "linear")}
    assert len(seen) >= 18, f"the results tables were not found in the notebooks' outputs: {sorted(seen)}"
    disagree = {k: v for k, v in seen.items() if len(v) > 1 or (k in recorded and recorded[k] not in v)}
    assert not disagree, ("one encoder and measure shows different numbers (value: first notebook showing it; "
                          f"recorded in the manifest: {({k: recorded.get(k) for k in disagree})}): {disagree}")


# a number the prose quotes as a result: "31.4%", "31.4 ± 0.4", "± 0.4", "+7.7 points", "−2.6"
QUOTED = re.compile(r"(?:(?<=± )|(?<=[+−]))\d+\.\d+|(?<![\w.\-/=])\d+\.\d+(?= ?%| ± | points| \(SE\))")
# numbers the prose takes from the literature, not from a run: notebook → {number: source}
PUBLISHED = {
    "09_scaling": {"76.5": "supervised ResNet-50 on ImageNet, SimCLR paper (Chen et al. 2020), Figure 7"},
}


def printed_numbers(nb) -> set[str]:
    """Every decimal number a notebook's outputs show (printed text, tables, plain reprs)."""
    text = [("".join(o["text"]) if o.get("output_type") == "stream" else
             "".join("".join(v) for k, v in o.get("data", {}).items() if k.startswith("text/")))
            for c in nb.cells for o in c.get("outputs", [])]
    return set(re.findall(r"\d+\.\d+", "\n".join(text)))


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_prose_quotes_only_numbers_the_notebook_prints(py):
    """A result quoted in a markdown cell (a percentage, a mean ± spread, a signed difference)
    must be one the notebook's own outputs print: a number copied from an older run, a bench file
    or a rounding by hand is how prose drifts from the results beside it. Print it, or drop it."""
    nb = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    printed = printed_numbers(nb) | set(PUBLISHED.get(py.stem, {}))
    unprinted = [(i, m.group(), c.source[max(0, m.start() - 50):m.end() + 10].replace("\n", " "))
                 for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                 for m in QUOTED.finditer(c.source) if m.group() not in printed]
    assert not unprinted, (f"{py.stem}: the prose quotes numbers no output of the notebook prints "
                           f"(cell, number, context): {unprinted}")


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_notebook_names_the_kernel_jupyter_starts(py):
    """JupyterLab writes the running kernel's spec into the notebook's metadata when the kernel
    starts; a notebook that names it differently ("Python 3" where ipykernel's spec says "Python 3
    (ipykernel)") is changed by that write, so it opens marked modified before the reader does anything."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    meta = nbformat.read(py.with_suffix(".ipynb"), as_version=4).metadata["kernelspec"]
    assert meta == {"display_name": spec.display_name, "language": spec.language, "name": "python3"}, (
        f"{py.name}'s header names the kernel {meta}; ipykernel's spec is {spec.display_name!r}: edit the header's "
        "kernelspec and run `make notebooks`")

