import pytest
import torch


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Every test writes data caches, runs and results into its own temporary folder."""
    monkeypatch.setenv("SSLKIT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SSLKIT_REFERENCES", str(tmp_path / "references" / "results"))
    monkeypatch.delenv("SSLKIT_RETRAIN", raising=False)
    # `make test` sets the profile for notebooks; "" is unset to sslkit and is restored after each
    # test even when code under test sets it (a notebook's setup() does)
    monkeypatch.setenv("SSLKIT_PROFILE", "")
    torch.manual_seed(0)


@pytest.fixture
def checkout_data(_isolated_home):
    """The test's home reads decoded CIFAR-10 from the checkout's ``data/`` (what ``make data``
    fills) instead of decoding all 60,000 images again; runs and results stay the test's own."""
    from sslkit.parts import paths

    (paths.repo_root() / "data").mkdir(exist_ok=True)
    paths.home().mkdir(parents=True, exist_ok=True)
    (paths.home() / "data").symlink_to(paths.repo_root() / "data")


# ----------------------------------------------------------------------------- image batches

@pytest.fixture
def images():
    """A float batch (16, 3, 32, 32) in [0, 1] with structure (gradients + noise)."""
    g = torch.Generator().manual_seed(0)
    ramp = torch.linspace(0, 1, 32)
    base = torch.stack([ramp.view(1, -1).expand(32, 32), ramp.view(-1, 1).expand(32, 32), 1 - ramp.view(1, -1).expand(32, 32)])
    return (0.6 * base + 0.4 * torch.rand(16, 3, 32, 32, generator=g)).clamp(0, 1)


@pytest.fixture(scope="module")
def uint8_images():
    """A uint8 batch (8, 3, 32, 32) of uniform random pixels in 0..255: what a method's ``step``
    takes (``images`` above is the float form an encoder takes)."""
    return torch.randint(0, 256, (8, 3, 32, 32), generator=torch.Generator().manual_seed(0), dtype=torch.uint8)


# ----------------------------------------------------------------------------- scikit-learn's digits
# Four fixed splits of sslkit.parts.data.load_digits (8×8 digits upsampled to 32×32 RGB uint8,
# always available offline), each a (train, test) pair of ImageSets, loaded once per module.

@pytest.fixture(scope="module")
def digits():
    """Every digit: the full train split (1,438 images) and test split (359)."""
    from sslkit.parts.data import load_digits

    return load_digits("train"), load_digits("test")


@pytest.fixture(scope="module")
def digits_strided():
    """Every 8th train image and every 4th test image (180 and 90, all classes): a reference
    run of the "tiny" profile records in seconds on them."""
    from sslkit.parts.data import load_digits

    train, test = load_digits("train"), load_digits("test")
    return train.subset(torch.arange(0, len(train), 8)), test.subset(torch.arange(0, len(test), 4))


@pytest.fixture(scope="module")
def digits_12_per_class():
    """A class-balanced draw: 12 train and 4 test images per class (120 and 40)."""
    from sslkit.parts.data import load_digits

    return load_digits("train").balanced(per_class=12), load_digits("test").balanced(per_class=4)


@pytest.fixture(scope="module")
def digits_20_per_class():
    """A class-balanced draw: 20 train and 10 test images per class (200 and 100)."""
    from sslkit.parts.data import load_digits

    return load_digits("train").balanced(per_class=20), load_digits("test").balanced(per_class=10)


# ----------------------------------------------------------------------------- training helpers

@pytest.fixture
def take_steps():
    """take_steps(module, x, y, steps, lr) → (losses, the last :class:`Step`): plain SGD on
    ``module.step``; ``after`` runs after each optimizer step (e.g. an EMA update)."""
    from sslkit.parts.data import Batch

    def run(module, x, y, steps: int = 20, lr: float = 0.05, after=None):
        opt = torch.optim.SGD([p for p in module.parameters() if p.requires_grad], lr=lr, momentum=0.9)
        losses = []
        batch = Batch(x, y, torch.arange(len(x)))
        for _ in range(steps):
            out = module.step(batch)
            opt.zero_grad()
            out.loss.backward()
            opt.step()
            if after:
                after()
            losses.append(out.loss.item())
        return losses, out

    return run


@pytest.fixture(scope="session")
def uninterrupted(tmp_path_factory):
    """The weights of a Supervised run on digits trained 6 epochs in one go, in a subprocess
    (tests/harness.py): what a killed-and-resumed run must end with."""
    from harness import train_in_subprocess

    proc, out = train_in_subprocess(tmp_path_factory.mktemp("straight"), "run", 6)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return torch.load(out, weights_only=True)
