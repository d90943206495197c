"""The notebooks speak to a learner: no word of how the course was made, a short setup, prose of a
readable length, and no result typed by hand (a result sentence is written from the values it
reports, when the cell runs; only published figures are typed, each beside its source)."""

import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("[0-9]*.py"))

# how the course was made: commits, the benchmark folder, thread settings, work periods
MAKING_OF = re.compile(r"\bcommit [0-9a-f]{7}|\bbench/|SSLKIT_THREADS|(?<!Colab )(?<!runtime )\bsessions?\b", re.I)
# a number a run produced: a percentage, a ± with a number, a decimal count of points
RESULT = re.compile(r"[+−-]?\d+(?:\.\d+)?\s?%|±\s*\d|\b\d+\.\d+ points?\b")
# what a published figure carries beside it
SOURCE = re.compile(r"et al\.|\b(?:19|20)\d\d\b|https?://|arxiv|README|benchmark|published", re.I)


def cells(py: Path, kind: str) -> list[str]:
    """The sources of a py:percent notebook's cells of ``kind`` ("code" | "markdown"), markdown
    without its ``# `` prefixes; the jupytext header is left out."""
    text = py.read_text().split("# ---\n", 2)[-1]
    out = []
    for chunk in re.split(r"^# %%", text, flags=re.M)[1:]:
        head, _, body = chunk.partition("\n")
        is_md = "[markdown]" in head
        if (kind == "markdown") == is_md:
            out.append(re.sub(r"^# ?", "", body, flags=re.M) if is_md else body.strip("\n"))
    return out


def sentences(markdown: str) -> list[str]:
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$", "", markdown, flags=re.S)  # equations hold no results
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n\s*\n|\n\s*[-*] ", text) if s.strip()]


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_says_nothing_of_how_it_was_made(py):
    said = [m.group(0) for c in cells(py, "markdown") + cells(py, "code") for m in MAKING_OF.finditer(c)]
    assert not said, f"{py.name} talks about how the course was made ({said[:5]}): that belongs in docs/decisions.md"


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_opens_with_a_short_setup_and_keeps_its_prose_readable(py):
    first = cells(py, "code")[0]
    assert len(first.splitlines()) <= 12, f"{py.name}'s first code cell has {len(first.splitlines())} lines (12 at most)"
    words = sum(len(c.split()) for c in cells(py, "markdown"))
    assert words <= 2000, f"{py.name} has {words:,} words of prose (2,000 at most): move the rest to 'Going further'"


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_result_is_typed_by_hand(py):
    typed = [s for c in cells(py, "markdown") for s in sentences(c) if RESULT.search(s) and not SOURCE.search(s)]
    assert not typed, (f"{py.name}: these sentences type a result by hand; write them from the values they report "
                       "(display(Markdown(f'…{value:.1%}…'))), or name the source of a published figure:\n- "
                       + "\n- ".join(t[:160] for t in typed[:8]))


def test_the_checks_catch_what_they_are_for(tmp_path):
    nb = tmp_path / "99_x.py"
    nb.write_text("# ---\n# jupyter: {}\n# ---\n\n# %% [markdown]\n# SimCLR reaches 64.7% kNN.\n#\n"
                  "# Chen et al. (2020) report 76.5% top-1.\n\n# %%\nx = 1  # made at commit f89aea5 on bench/\n")
    assert [s for c in cells(nb, "markdown") for s in sentences(c) if RESULT.search(s) and not SOURCE.search(s)] == [
        "SimCLR reaches 64.7% kNN."]
    assert len(MAKING_OF.findall(cells(nb, "code")[0])) == 2
    with pytest.raises(AssertionError, match="type a result by hand"):
        test_no_result_is_typed_by_hand(nb)
