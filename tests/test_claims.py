"""The course's claims table (sslkit.course.claims): read from the notebooks' verdict lines,
current in the package (claims.json), docs/claims.md and notebook 09."""

import json
from pathlib import Path

import nbformat
import pytest

from sslkit.course import claims

ROOT = Path(__file__).parents[1]


def fake_notebook(folder: Path, name: str, lines: list[str]) -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="\n".join(lines) + "\n")]
    nb.cells = [cell]
    nbformat.write(nb, folder / f"{name}.ipynb")


def test_a_claim_takes_its_verdict_from_its_deciding_line_and_a_line_against_it_flips(tmp_path, monkeypatch):
    fake_notebook(tmp_path, "05_byol", [
        "GroupNorm + WS worse than BatchNorm: -11.0 ± 1.6 (SE) points → shown (13.4 ± 2.2 vs 24.5 ± 1.6, mean ± sd)",
        "the predictor helps: +3.6 ± 1.1 (SE) points → not shown at this size",
        "a line no claim names: +1.0 ± 0.1 (SE) points → shown",
        "BYOL better than random init: +12.0 ± 1.0 (SE) points → shown",
    ])
    gate = "BYOL better than random init"
    monkeypatch.setattr(claims, "CLAIMS", (
        claims.Claim("05_byol", "needs no BatchNorm", "kNN", "tiny", (claims.Line("GroupNorm + WS worse than BatchNorm",
                                                                                  supports=False),), "ImageNet", "x",
                     gate=gate),
        claims.Claim("05_byol", "the predictor", "kNN", "tiny", (claims.Line("the predictor helps"),), "ImageNet", "y",
                     gate=gate),
    ))
    rows = claims.collect(tmp_path)
    assert [r["verdict"] for r in rows] == ["opposite at this size", "not shown at this size"]
    assert rows[0]["lines"][0] == {"line": "GroupNorm + WS worse than BatchNorm", "result": "-11.0 ± 1.6",
                                   "verdict": "shown", "for_claim": "opposite at this size"}
    table = claims.render(rows)
    assert "-11.0 ± 1.6 → shown (against the claim)" in table
    assert rows[0]["gate"] == {"line": gate, "result": "+12.0 ± 1.0", "gain": 12.0, "clears": True}
    assert table.endswith("The source text's 2 claims tested here: 1 not shown at this size, 1 opposite at this size. "
                          "The course's own 0 questions: none.")


@pytest.mark.parametrize("gate, lines, verdict", [
    ("+9.9 ± 1.0 → shown", ["shown", "shown"], claims.NOT_A_TEST),  # the base barely learns: no test of how
    (None, ["shown"], claims.NOT_A_TEST),  # a gate never measured is not cleared
    ("+10.0 ± 1.0 → shown", ["shown", "not shown at this size"], claims.SHOWN),
    ("+10.0 ± 1.0 → shown", ["shown", "opposite at this size"], claims.NOT_SHOWN),  # a line against it: mixed
    ("+10.0 ± 1.0 → shown", ["not shown at this size", "shown"], claims.NOT_SHOWN),  # the deciding line decides
    ("+10.0 ± 1.0 → shown", ["opposite at this size", "shown"], claims.OPPOSITE),
])
def test_one_rule_decides_every_claim_the_gate_first(tmp_path, monkeypatch, gate, lines, verdict):
    printed = [f"line {i}: +1.0 ± 0.1 (SE) points → {v}" for i, v in enumerate(lines)]
    fake_notebook(tmp_path, "04_simclr", printed + ([f"base: {gate}"] if gate else []))
    monkeypatch.setattr(claims, "CLAIMS", (claims.Claim(
        "04_simclr", "c", "m", "s", tuple(claims.Line(f"line {i}") for i in range(len(lines))), "r", "t",
        gate="base" if gate else None),))
    (row,) = claims.collect(tmp_path)
    assert row["verdict"] == verdict


def test_a_claim_that_is_its_base_methods_gain_is_its_own_gate(tmp_path, monkeypatch):
    fake_notebook(tmp_path, "03_cpc", ["CPC better than random init: +5.7 ± 1.4 (SE) points → shown"])
    monkeypatch.setattr(claims, "CLAIMS", (claims.Claim("03_cpc", "CPC learns", "kNN", "s",
                                                        (claims.Line("CPC better than random init"),), "r", "t",
                                                        gate="CPC better than random init"),))
    (row,) = claims.collect(tmp_path)
    assert row["verdict"] == claims.SHOWN and row["gate"]["gain"] == 5.7
    assert "+5.7 ± 1.4 (the claim's own measure)" in claims.render([row]) and "clears" not in claims.render([row])


def test_a_line_no_notebook_prints_or_prints_twice_is_an_error(tmp_path, monkeypatch):
    fake_notebook(tmp_path, "01_rotnet", ["a: +1.0 ± 0.1 (SE) points → shown", "a: +2.0 ± 0.1 (SE) points → shown"])
    monkeypatch.setattr(claims, "CLAIMS", (claims.Claim("01_rotnet", "c", "m", "s", (claims.Line("b"),), "r", "t"),))
    with pytest.raises(LookupError, match="01_rotnet: 'b'"):
        claims.collect(tmp_path)
    monkeypatch.setattr(claims, "CLAIMS", (claims.Claim("01_rotnet", "c", "m", "s", (claims.Line("a"),), "r", "t"),))
    with pytest.raises(LookupError, match="2 verdict lines start with 'a'"):
        claims.collect(tmp_path)


def test_the_shipped_table_docs_claims_md_and_notebook_09_are_current():
    """Stale when a notebook printed other verdicts since the last ``--write``: run
    ``python -m sslkit.course.claims --write``, then execute notebook 09 again."""
    rows = claims.collect()
    assert claims.load() == rows, "sslkit/course/claims.json is stale: python -m sslkit.course.claims --write"
    assert claims.summary_block(rows) in (ROOT / "README.md").read_text(), (
        "the README's count of the source text's claims is stale: python -m sslkit.course.claims --write")
    assert claims.readme_block(rows) in (ROOT / "docs" / "claims.md").read_text(), (
        "the claims table in docs/claims.md is stale: python -m sslkit.course.claims --write")
    shown = ["".join(o["data"]["text/markdown"]) for c in json.loads((ROOT / "notebooks" / "09_scaling.ipynb")
                                                                    .read_text())["cells"]
             for o in c.get("outputs", []) if "text/markdown" in o.get("data", {})]
    assert any(claims.render(rows) in md for md in shown), "notebook 09 shows an older claims table: execute it again"


def test_every_claim_is_judged_and_every_notebook_has_an_exercise():
    rows = claims.collect()
    assert len(rows) == len(claims.CLAIMS) >= 20
    assert all(r["verdict"] in claims.VERDICTS for r in rows)
    assert sorted(claims.EXERCISES) == sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9]*.py"))
