import matplotlib

matplotlib.use("Agg")

import torch  # noqa: E402

from sslkit import widgets  # noqa: E402


def test_temperature_explorer_offers_exact_values_and_redraws():
    sims = torch.linspace(-1, 1, 16)
    box = widgets.temperature_explorer(sims, positive=3)
    tau = box.children[0]
    assert tau.value == 0.5 and 0.5 in tau.options  # not 0.501187 from a log slider
    assert tau.style.description_width == "initial"  # "temperature τ" in full
    tau.value = 0.1  # observers redraw without error
    assert tau.value == 0.1


def test_augmentation_explorer_labels_are_not_cut_off():
    images = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    box = widgets.augmentation_explorer(images, n_views=2)
    sliders = box.children[0].children
    assert [s.description for s in sliders] == ["min crop scale", "jitter strength", "grayscale p"]
    assert all(s.style.description_width == "initial" for s in sliders)
    sliders[0].value = 0.5  # redraws


def test_sinkhorn_explorer_redraws_for_every_epsilon_and_iteration_count():
    scores = torch.tensor([[0.9, 0.1, 0.0], [0.8, 0.2, 0.1], [0.7, 0.0, 0.3], [0.9, 0.3, 0.2]])
    box = widgets.sinkhorn_explorer(scores)
    eps, iters = box.children[0].children
    assert eps.value == 0.05 and 0.05 in eps.options and iters.value == 3
    eps.value, iters.value = 1.0, 20  # observers redraw without error
    assert eps.value == 1.0
