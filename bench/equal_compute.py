"""Notebook 09's width claim at equal compute (issue 28, claim 9): train and record its runs ahead.

``bench/pending/09_equal_compute.patch`` adds to notebook 09 supervised training given SimCLR's
training FLOPs at each width (:func:`sslkit.experiments.scaling.equal_compute_epochs`: 32-40
epochs under cpu where SimCLR has 16). Its twelve runs (four widths × three seeds, 5,000 images)
take about 45 minutes of one CPU thread. ``--record`` trains them now and records them as cpu
references, with exactly the notebook's calls, so that the full-scale re-record (issue 30, "The
switch" in ``bench/RESULTS.md``) loads them instead of training them. Notebook 09 is not executed
here (re-executing one notebook alone on another CPU breaks the one-number-per-encoder test);
without ``--record`` it prints the planned epochs. Resumable: a recorded run loads, in seconds;
a half-trained one resumes from its last epoch.

    SSLKIT_DATA=... python bench/equal_compute.py [--record]
"""

import argparse

from sslkit.experiments import scaling
from sslkit.experiments.sweeps import experiment_seeds
from sslkit.methods import SimCLR, Supervised
from sslkit.parts.data import cifar10
from sslkit.parts.profiles import get_profile
from sslkit.records.policy import Mode
from sslkit.training.stats import mean_sd


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="train and record notebook 09's equal-compute runs")
    parser.add_argument("--profile", default="cpu")
    args = parser.parse_args(argv)
    profile = get_profile(args.profile)
    data = scaling.scaling_profiles(profile)  # notebook 09: data, train, widths, SEEDS
    train, test = cifar10(data["large"])
    widths = scaling.width_sizes(profile)
    seeds = experiment_seeds(profile)
    epochs = {s["width"]: scaling.equal_compute_epochs(Supervised, SimCLR, train, s, data["large"]) for s in widths}
    print("supervised epochs at SimCLR's FLOPs: " + ", ".join(f"width {w:g}: {e}" for w, e in epochs.items()), flush=True)
    if not args.record:
        return
    mode = Mode(record=True, command="python bench/equal_compute.py --record", notebook="09_scaling")
    for s in widths:  # the notebook's call, one width at a time so that each is reported as it ends
        rows = scaling.size_sweep(Supervised, train, test, "scaling-supervised", [s], mode=mode, seeds=seeds,
                                  profile=data["large"], measures=scaling.probe_measures(), epochs=epochs[s["width"]])
        print(f"width {s['width']:g}, {epochs[s['width']]} epochs: linear {mean_sd([r['linear'] for r in rows])}, "
              f"kNN {mean_sd([r['knn'] for r in rows])} (mean ± sd, {len(rows)} seeds)", flush=True)


if __name__ == "__main__":
    main()
