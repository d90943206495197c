import math

import pytest
import torch
import torch.nn as nn

from sslkit.parts.backbones import resnet18
from sslkit.parts.data import load_digits
from sslkit.methods.features import feature_dtype
from sslkit.parts.profiles import in_channels_last
from sslkit.training import evaluate as E


def brute_force_knn(train_h, train_y, test_h, num_classes, k, t):
    """The protocol written out one test point at a time, in float64."""
    preds = []
    for q in test_h.double():
        sims = [(float(q @ h / (q.norm() * h.norm())), int(y)) for h, y in zip(train_h.double(), train_y)]
        sims.sort(key=lambda s: -s[0])
        votes = [0.0] * num_classes
        for s, y in sims[:k]:
            votes[y] += math.exp(s / t)
        preds.append(max(range(num_classes), key=votes.__getitem__))
    return torch.tensor(preds)


def test_knn_matches_brute_force():
    g = torch.Generator().manual_seed(0)
    train_h, test_h = torch.randn(300, 16, generator=g), torch.randn(60, 16, generator=g)
    train_y = torch.randint(0, 5, (300,), generator=g)
    for k in (1, 20, 200):
        ours = E.knn_predict(train_h, train_y, test_h, 5, k=k, temperature=0.1, chunk=17)
        assert torch.equal(ours, brute_force_knn(train_h, train_y, test_h, 5, k, 0.1)), k


def test_knn_is_scale_invariant_and_perfect_on_clusters():
    centers = torch.randn(4, 32) * 5
    y = torch.arange(4).repeat(50)
    h = centers[y] + 0.1 * torch.randn(200, 32)
    acc = E.knn_accuracy(h, y, h * 3.0, y, 4)  # cosine: scaling the queries changes nothing
    assert acc == 1.0


def test_logistic_regression_matches_sklearn():
    from sklearn.linear_model import LogisticRegression

    g = torch.Generator().manual_seed(0)
    x = torch.randn(400, 10, generator=g, dtype=torch.float64).float()
    y = (x[:, :3] @ torch.randn(3, 4, generator=g) + 0.5 * torch.randn(400, 4, generator=g)).argmax(1)
    wd = 1e-2
    ours = E.fit_logistic_regression(x, y, 4, wd)
    sk = LogisticRegression(C=1 / (wd * len(x)), max_iter=5000, tol=1e-10).fit(x.numpy(), y.numpy())
    p_ours = torch.softmax(ours(x), 1).detach()
    p_sk = torch.tensor(sk.predict_proba(x.numpy()), dtype=torch.float32)
    assert (p_ours - p_sk).abs().max() < 1e-3


def test_linear_probe_separates_separable_features_and_chooses_on_validation():
    g = torch.Generator().manual_seed(1)
    w = torch.randn(20, 5, generator=g)
    x = torch.randn(1200, 20, generator=g)
    y = (x @ w).argmax(1)  # linearly separable by construction; kNN finds this harder
    res = E.linear_probe(x[:1000], y[:1000], x[1000:], y[1000:], 5)
    assert res.accuracy > 0.93
    assert set(res.val_accuracy) == set(E.WEIGHT_DECAYS) and res.weight_decay in E.WEIGHT_DECAYS
    noise = E.linear_probe(x[:1000], y[torch.randperm(1000)], x[1000:], y[1000:], 5)
    assert noise.accuracy < 0.4  # shuffled labels: nothing to learn


def test_extract_features_uses_eval_mode_and_restores_it():
    net = resnet18(0.125)
    x = torch.randint(0, 256, (10, 3, 32, 32), dtype=torch.uint8)
    net.train()
    h = E.extract_features(net, x, batch_size=3, dtype=None)
    assert net.training  # mode restored
    with torch.no_grad():
        ref = net.eval()(x.float() / 255)
    assert h.shape == (10, net.feature_dim) and torch.allclose(h, ref, atol=1e-5)
    assert not h.is_inference()  # usable where autograd saves it (e.g. a probe trained on it)


def test_fast_features_match_float32():
    torch.manual_seed(0)
    net = resnet18(0.125)
    x = torch.randint(0, 256, (64, 3, 32, 32), dtype=torch.uint8)
    ref = E.extract_features(net, x, dtype=None)
    fast = E.extract_features(net.to(memory_format=torch.channels_last), x, dtype=torch.bfloat16)
    assert in_channels_last(net) and fast.dtype == torch.float32
    cos = torch.nn.functional.cosine_similarity(fast, ref, dim=1)
    assert cos.min() > 0.99, cos.min()  # bf16 rounds; the direction kNN reads stays
    assert torch.allclose(E.extract_features(net, x, dtype=None), ref, atol=1e-4)  # layout alone: same numbers


def test_cpu_features_are_float32_whatever_the_training_precision(monkeypatch):
    # bf16 training on a CPU (SSLKIT_PRECISION, or native bf16) must not make evaluation bf16:
    # a number would then depend on the CPU that computed it
    monkeypatch.setenv("SSLKIT_PRECISION", "bf16-mixed")
    torch.manual_seed(0)
    net = resnet18(0.125)
    x = torch.randint(0, 256, (16, 3, 32, 32), dtype=torch.uint8)
    assert feature_dtype(torch.device("cpu")) is None
    assert torch.equal(E.extract_features(net, x), E.extract_features(net, x, dtype=None))
    assert not torch.equal(E.extract_features(net, x), E.extract_features(net, x, dtype=torch.bfloat16))


def test_logistic_gradient_in_closed_form_matches_autograd():
    g = torch.Generator().manual_seed(3)
    x, y = torch.randn(50, 6, generator=g), torch.randint(0, 3, (50,), generator=g)
    init = torch.nn.Linear(6, 3)
    wd = 0.05
    layer = E.fit_logistic_regression(x, y, 3, wd, max_iter=1, init=init)  # one L-BFGS iteration
    # rerun the first closure by hand: the gradient L-BFGS saw at init must be autograd's
    w, b = init.weight.detach().clone().requires_grad_(), init.bias.detach().clone().requires_grad_()
    loss = torch.nn.functional.cross_entropy(x @ w.T + b, y) + 0.5 * wd * w.pow(2).sum()
    loss.backward()
    onehot = torch.nn.functional.one_hot(y, 3).float()
    logits = x @ init.weight.detach().T + init.bias.detach()
    g_logits = (logits.softmax(1) - onehot) / len(x)
    assert torch.allclose(g_logits.T @ x + wd * init.weight.detach(), w.grad, atol=1e-6)
    assert layer.iterations == 1


def test_warm_started_path_finds_the_same_solutions_as_cold_fits():
    g = torch.Generator().manual_seed(2)
    x = torch.randn(600, 12, generator=g)
    y = (x[:, :4] @ torch.randn(4, 5, generator=g) + torch.randn(600, 5, generator=g)).argmax(1)
    prev, cold_iters, warm_iters = None, 0, 0
    for wd in (1e-1, 1e-2, 1e-3, 1e-4, 1e-5):
        cold = E.fit_logistic_regression(x, y, 5, wd, tolerance_grad=1e-6)
        warm = E.fit_logistic_regression(x, y, 5, wd, init=prev, tolerance_grad=1e-6)
        with torch.no_grad():
            assert torch.allclose(cold(x).softmax(1), warm(x).softmax(1), atol=2e-3), wd
        cold_iters, warm_iters, prev = cold_iters + cold.iterations, warm_iters + warm.iterations, warm
    assert warm_iters < cold_iters, (warm_iters, cold_iters)  # the point of the path


def test_evaluate_and_low_label_on_digits():
    train, test = load_digits("train"), load_digits("test")
    pixels = nn.Sequential(nn.AvgPool2d(4), nn.Flatten(), nn.Linear(3 * 64, 3 * 64))
    nn.init.eye_(pixels[2].weight)
    nn.init.zeros_(pixels[2].bias)
    res = E.evaluate(pixels, train, test)  # raw pixels of digits are already good features
    assert res["knn"] > 0.9 and res["linear"] > 0.9
    low = E.low_label_probe(pixels, train, test, fractions=(0.1, 1.0))
    assert 0.5 < low[0.1] <= low[1.0] + 0.02
    with pytest.raises(ValueError, match="too few"):
        E.low_label_probe(pixels, train, test, fractions=(0.001,))


def test_evaluation_reads_the_methods_features():
    from sslkit.methods import SimCLR

    class FirstChannels(SimCLR):  # a method whose representation is part of the backbone output
        def features(self, x):
            return super().features(x)[:, :3]

    train, test = load_digits("train").balanced(per_class=30), load_digits("test").balanced(per_class=10)
    torch.manual_seed(0)
    m = FirstChannels(width=0.125, online_probe=False)
    assert E.extract_features(m, test).shape == (len(test), 3)
    h_train, h_test = E.extract_features(m.backbone, train)[:, :3], E.extract_features(m.backbone, test)[:, :3]
    expected = E.knn_accuracy(h_train, train.labels, h_test, test.labels, 10)
    assert E.evaluate(m, train, test, probe=False)["knn"] == expected
    assert E.evaluate(m.backbone, train, test, probe=False)["knn"] != expected  # the whole backbone differs


def test_a_model_with_a_nan_weight_is_named_not_scored():
    train, test = load_digits("train"), load_digits("test")
    net = nn.Sequential(nn.AvgPool2d(4), nn.Flatten(), nn.Linear(3 * 64, 8))
    with torch.no_grad():
        net[2].weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match=r"NaN or infinite weights \(2.weight\).*diverged"):
        E.evaluate(net, train, test)
