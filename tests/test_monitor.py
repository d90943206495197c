import pytest
import torch

from sslkit.course.plots import collapse_curves, training_curves
from sslkit.methods import BYOL
from sslkit.parts.data import load_digits
from sslkit.parts.monitor import CollapseMonitor, effective_rank, output_std
from sslkit.parts.profiles import get_profile
from sslkit.training.runs import read_metrics
from sslkit.training.train import pretrain


def test_a_constant_batch_reads_as_collapsed():
    z = torch.randn(1, 64).expand(256, 64) * 3
    assert output_std(z).item() == pytest.approx(0.0, abs=1e-6)
    assert effective_rank(z).item() == pytest.approx(1.0, abs=1e-3)


def test_random_unit_vectors_read_as_one_over_sqrt_d():
    g = torch.Generator().manual_seed(0)
    for d in (16, 128):
        z = torch.randn(4096, d, generator=g)
        assert output_std(z).item() == pytest.approx(d ** -0.5, rel=0.03)


def test_effective_rank_counts_the_directions_used():
    g = torch.Generator().manual_seed(1)
    basis = torch.linalg.qr(torch.randn(32, 32, generator=g))[0]
    equal = basis[:, :5].T.repeat(20, 1)  # 100 rows spread evenly over 5 orthogonal directions
    assert effective_rank(equal).item() == pytest.approx(5.0, rel=1e-3)
    full = torch.randn(512, 32, generator=g)
    assert 25 < effective_rank(full).item() <= 32


def test_monitor_rejects_bad_input():
    with pytest.raises(ValueError, match="B ≥ 2"):
        output_std(torch.randn(1, 8))
    with pytest.raises(ValueError, match="every_n_steps"):
        CollapseMonitor(every_n_steps=0)


def test_fit_logs_the_collapse_monitor_and_plots_it(tmp_path):
    train = load_digits("train").balanced(per_class=10)
    run = tmp_path / "byol"
    pretrain(BYOL, train, None, run, epochs=2, profile=get_profile("smoke"), batch_size=32, progress=False,
             proj_hidden=64, proj_dim=32)
    df = read_metrics(run)
    for col in ("collapse/h_std", "collapse/z_std", "collapse/z_rank", "train/tau"):
        assert df[col].notna().sum() == 2, col
    assert (df["collapse/z_dim"] == 32).all()
    assert 0 < df["collapse/z_std"].iloc[-1] <= 1
    assert df["train/tau"].iloc[1] > df["train/tau"].iloc[0] >= 0.99
    assert len(training_curves(run).axes) == 3
    assert len(collapse_curves({"a": run, "b": run}).axes) == 2
