import pytest

from sslkit.methods import SimCLR
from sslkit.methods.features import extract_features
from sslkit.parts.data import load_digits
from sslkit.parts.profiles import get_profile
from sslkit.training.curve import KnnCurve, curve_epochs, read_curve
from sslkit.training.evaluate import knn_accuracy
from sslkit.training.runs import wall_time
from sslkit.training.train import pretrain

SMALL = dict(profile=get_profile("smoke"), batch_size=32, progress=False, proj_hidden=16, proj_dim=8)


def test_curve_epochs_are_log_spaced_and_end_on_the_last_epoch():
    assert curve_epochs(64, points=7) == [1, 2, 4, 8, 16, 32, 64]
    assert curve_epochs(3, points=6) == [1, 2, 3]  # fewer epochs than points: each once
    assert curve_epochs(5, points=1) == [5]
    with pytest.raises(ValueError, match="at least one"):
        curve_epochs(0)


def test_the_curve_scores_the_chosen_epochs_against_an_independent_knn(tmp_path):
    train, test = load_digits("train").balanced(per_class=12), load_digits("test").balanced(per_class=5)
    run = tmp_path / "run"
    model, report = pretrain(SimCLR, train, None, run, epochs=3, callbacks=[KnnCurve(run, train, test, [1, 3])], **SMALL)
    rows = read_curve(run)
    assert [r["epoch"] for r in rows] == [1, 3]
    # the last point is the finished model's kNN, computed independently here
    knn = knn_accuracy(extract_features(model, train), train.labels, extract_features(model, test), test.labels, 10)
    assert rows[-1]["knn"] == pytest.approx(knn, abs=1e-4)
    # training time excludes the curve's own evaluations, and grows with the epochs
    assert 0 < rows[0]["train_s"] < rows[1]["train_s"] <= report.seconds - rows[0]["eval_s"] + 0.1
    # so does the CPU time, which no process can spend faster than its threads allow
    cpu = wall_time(run)["cpu_seconds"]
    assert 0 < rows[0]["cpu_s"] < rows[1]["cpu_s"] <= cpu - rows[0]["eval_cpu_s"] + 0.1
    assert cpu <= (report.seconds + 0.5) * max(wall_time(run)["threads"].values())
    pretrain(SimCLR, train, None, run, epochs=3, callbacks=[KnnCurve(run, train, test, [1, 3])], **SMALL)
    assert read_curve(run) == rows  # a finished run only reloads: its curve stays
    with pytest.raises(ValueError, match="1-based"):
        KnnCurve(run, train, test, epochs=[0])
