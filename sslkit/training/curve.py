"""Accuracy against training time, measured during a run: how far a run is from converged.

:class:`KnnCurve` scores the encoder by kNN (the protocol's k=200, exp(sim/0.1), the training
images as the memory bank) at the end of chosen epochs and appends one row per point to
``curve.json`` in the run folder::

    [{"epoch": <1-based epoch>, "train_s": <seconds>, "cpu_s": <seconds>, "knn": <top-1, 0–1>,
      "eval_s": <seconds>, "eval_cpu_s": <seconds>}, ...]

``train_s`` is the run's training wall time up to that epoch (every segment of a resumed run
counted, the curve's own evaluations taken out); ``cpu_s`` the same in process CPU seconds (all
threads), the measure of compute spent that a pause or a busy machine does not inflate (on 2
cores an idle epoch costs about twice its wall seconds); ``eval_s``/``eval_cpu_s`` what that
point's evaluation cost. Rows written before ``cpu_s`` was kept lack it.
A resumed run keeps the points it already has. :func:`read_curve` reads the file back.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from lightning.pytorch.callbacks import Callback

from sslkit.methods.features import extract_features
from sslkit.parts.data import ImageSet
from sslkit.training.evaluate import knn_accuracy
from sslkit.training.runs import wall_time

CURVE_FILE = "curve.json"


def curve_epochs(epochs: int, points: int = 6) -> list[int]:
    """``points`` epochs (1-based, the last one included) spaced evenly in *log* epochs over a run
    of ``epochs``: accuracy rises fast early and slowly late, so early points are denser."""
    if points < 1 or epochs < 1:
        raise ValueError(f"need at least one epoch and one point, got epochs={epochs}, points={points}.")
    picks = {max(1, round(epochs ** (i / (points - 1)))) for i in range(points)} if points > 1 else set()
    return sorted(picks | {epochs})


def read_curve(run_dir: str | Path) -> list[dict]:
    """The rows of a run's ``curve.json`` (oldest first); [] when it has none."""
    path = Path(run_dir) / CURVE_FILE
    return json.loads(path.read_text()) if path.is_file() else []


class KnnCurve(Callback):
    """kNN accuracy of ``test`` against the bank ``train`` after each epoch in ``epochs``
    (1-based), written to ``run_dir/curve.json`` (see the module's docstring)."""

    def __init__(self, run_dir: str | Path, train: ImageSet, test: ImageSet, epochs: list[int]):
        if not epochs or min(epochs) < 1:
            raise ValueError(f"epochs must be 1-based epoch numbers, got {epochs!r}.")
        self.run_dir, self.train, self.test, self.epochs = Path(run_dir), train, test, set(epochs)

    def on_train_epoch_end(self, trainer, pl_module):
        done = trainer.current_epoch + 1
        if done not in self.epochs or trainer.global_rank != 0:
            return
        rows = [r for r in read_curve(self.run_dir) if r["epoch"] < done]  # a resumed epoch is scored again
        t0, c0 = time.perf_counter(), time.process_time()
        bank = extract_features(pl_module, self.train)
        knn = knn_accuracy(bank, self.train.labels, extract_features(pl_module, self.test), self.test.labels,
                           self.train.num_classes)
        eval_s, eval_cpu_s = time.perf_counter() - t0, time.process_time() - c0
        # the wall clock (written at this epoch's end, before this callback) counts every earlier
        # point's evaluation: take those out
        clock = wall_time(self.run_dir)
        train_s = clock["seconds"] - sum(r["eval_s"] for r in rows)
        cpu_s = clock["cpu_seconds"] - sum(r.get("eval_cpu_s", 0.0) for r in rows)
        rows.append({"epoch": done, "train_s": round(train_s, 1), "cpu_s": round(cpu_s, 1), "knn": round(knn, 4),
                     "eval_s": round(eval_s, 1), "eval_cpu_s": round(eval_cpu_s, 1)})
        tmp = self.run_dir / (CURVE_FILE + ".tmp")
        tmp.write_text(json.dumps(rows, indent=1) + "\n")
        tmp.replace(self.run_dir / CURVE_FILE)
        pl_module.log("curve/knn", knn)
