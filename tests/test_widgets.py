"""The explorers redraw with the value the reader chose: each test watches what the redraw draws."""

import matplotlib

matplotlib.use("Agg")

import torch  # noqa: E402

from sslkit.course import widgets  # noqa: E402


def drawn(monkeypatch, name):
    """Calls of the plotting function ``name`` the explorer redraws with (the real one still draws)."""
    matplotlib.pyplot.close("all")  # figures other tests left open in this process
    calls, real = [], getattr(widgets, name)

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(widgets, name, spy)
    return calls


def shows_one_picture(explorer) -> bool:
    """The explorer's Output widget holds exactly one drawn figure (a PNG), and no figure stays open."""
    outputs = explorer.children[-1].outputs
    return (len(outputs) == 1 and "image/png" in outputs[0]["data"]
            and not matplotlib.pyplot.get_fignums())


def test_temperature_explorer_offers_exact_values_and_redraws_at_the_chosen_one(monkeypatch):
    calls = drawn(monkeypatch, "softmax_over_similarities")
    sims = torch.linspace(-1, 1, 16)
    explorer = widgets.temperature_explorer(sims, positive=3)
    tau = explorer.children[0]
    assert 0.5 in tau.options and calls[-1][2] == (0.5,)  # exactly 0.5, not 0.501187 from a log slider
    assert tau.style.description_width == "initial"  # "temperature τ" in full
    tau.value = 0.1
    assert len(calls) == 2 and calls[-1][2] == (0.1,) and calls[-1][1] == 3
    assert shows_one_picture(explorer)  # the redraw replaced the first picture


def test_augmentation_explorer_redraws_with_the_slider_values(monkeypatch):
    calls = drawn(monkeypatch, "augmentation_grid")
    images = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    explorer = widgets.augmentation_explorer(images, n_views=2)
    crop, jitter, gray = explorer.children[0].children
    assert [s.description for s in (crop, jitter, gray)] == ["min crop scale", "jitter strength", "grayscale p"]
    assert all(s.style.description_width == "initial" for s in (crop, jitter, gray))  # labels not cut off
    crop.value, gray.value, jitter.value = 0.5, 0.7, 0.0
    aug = calls[-1][1]
    assert len(calls) == 4 and aug.crop_scale == (0.5, 1.0) and aug.gray_p == 0.7 and aug.jitter_p == 0.0
    assert shows_one_picture(explorer)


def test_sinkhorn_explorer_redraws_for_every_epsilon_and_iteration_count(monkeypatch):
    calls = drawn(monkeypatch, "sinkhorn_steps")
    scores = torch.tensor([[0.9, 0.1, 0.0], [0.8, 0.2, 0.1], [0.7, 0.0, 0.3], [0.9, 0.3, 0.2]])
    explorer = widgets.sinkhorn_explorer(scores)
    eps, iters = explorer.children[0].children
    assert 0.05 in eps.options and calls[-1][1:] == (0.05, (3,))
    eps.value, iters.value = 1.0, 20
    assert calls[-1][1:] == (1.0, (20,)) and len(calls) == 3
    assert shows_one_picture(explorer)


def test_an_explorer_that_has_not_run_reads_as_a_hint_not_a_repr():
    explorer = widgets.temperature_explorer(torch.tensor([0.9, 0.1, -0.2, 0.5]), positive=3)
    text = explorer._repr_mimebundle_()["text/plain"]
    assert text == "[temperature explorer: run this cell to move its sliders]" and "VBox" not in text
