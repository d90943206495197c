import pytest
import torch


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Every test writes data caches, runs and results into its own temporary folder."""
    monkeypatch.setenv("SSLKIT_HOME", str(tmp_path / "home"))
    torch.manual_seed(0)


@pytest.fixture
def images():
    """A float batch (16, 3, 32, 32) in [0, 1] with structure (gradients + noise)."""
    g = torch.Generator().manual_seed(0)
    ramp = torch.linspace(0, 1, 32)
    base = torch.stack([ramp.view(1, -1).expand(32, 32), ramp.view(-1, 1).expand(32, 32), 1 - ramp.view(1, -1).expand(32, 32)])
    return (0.6 * base + 0.4 * torch.rand(16, 3, 32, 32, generator=g)).clamp(0, 1)
