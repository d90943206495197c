"""The calibration table: published CIFAR-10 numbers beside ours, with the compute share."""

import pytest

from sslkit.course.calibration import PUBLISHED, UNPUBLISHED, Published, calibration_table, compute_share


def test_compute_share_is_image_passes_times_width_squared():
    ref = Published("X", 80.0, "kNN", 200, 128, "somewhere")
    # 10,000 images x 16 epochs x (1/4)^2 = 10,000 against 50,000 x 200 = 10,000,000
    assert compute_share(10_000, 16, 0.25, ref) == pytest.approx(1e-3)
    assert compute_share(50_000, 200, 1.0, ref) == pytest.approx(1.0)
    assert compute_share(50_000, 50, 0.125, ref) == pytest.approx(50 / 200 / 64)
    with pytest.raises(ValueError, match="positive"):
        compute_share(0, 16, 0.25, ref)


def test_the_table_puts_every_published_number_beside_ours_of_the_same_metric_and_says_why_when_none():
    runs = {"SimCLR": {"knn": 0.412, "images": 10_000, "epochs": 16, "width": 0.25},
            "BYOL": {"knn": 0.35, "linear": 0.377, "images": 10_000, "epochs": 16, "width": 0.25},
            "CPC": {"knn": 0.38, "images": 10_000, "epochs": 16, "width": 0.25}}
    table = calibration_table(runs)
    simclr_rows = [line for line in table.splitlines() if line.startswith("| SimCLR |")]
    assert len(simclr_rows) == sum(p.method == "SimCLR" for p in PUBLISHED) >= 2
    for row in simclr_rows:  # kNN beside kNN; no linear probe recorded: none shown beside a linear number
        assert ("41.2% kNN (10,000 × 16, width 0.25)" in row) == ("% kNN (" in row.split("|")[2])
    assert "| 1/1,000 |" in next(r for r in simclr_rows if "200 epochs" in r)
    byol_linear = next(r for r in table.splitlines() if r.startswith("| BYOL |") and "linear" in r.split("|")[2])
    assert "37.7% linear (10,000 × 16, width 0.25)" in byol_linear and "35.0%" not in byol_linear
    assert UNPUBLISHED["CPC"] in table and "| – |" in table
