"""Notebook 08's fine-tunes of the full-scale encoders, trained ahead of the switch (issue 30).

After the switch (``bench/RESULTS.md``, "Pending"), notebook 08 fine-tunes the random-init
floor, the supervised baseline and the two SSL encoders its validation split picks, each on 1%
(three label draws), 10% (three) and 100% of the 50,000 training labels: about 1.1 million
image-passes an encoder, some 30 minutes of an idle 2-core CPU each at width 1/8. This script
makes the notebook's own calls for the encoders named (``--encoders floor supervised`` as soon as
the supervised main run has finished) under the full-scale profile (``cpu-full`` before the
switch, ``cpu`` after), in load mode: nothing is recorded and the committed references are
untouched; the runs train in ``runs/cpu/finetune-*`` and the switch's record reloads them
(``fit`` finds them finished) instead of training them. Resumable: a finished fine-tune reloads,
a half-trained one resumes from its last epoch. An encoder whose main run has not finished is
refused (it would train its main run here first).

    SSLKIT_DATA=... python bench/finetune_ahead.py --encoders floor supervised [--profile cpu-full]
"""

import argparse

from sslkit.experiments import transfer
from sslkit.experiments.baselines import random_floor, supervised_baseline
from sslkit.methods import method_class
from sslkit.parts import paths
from sslkit.parts.data import cifar10
from sslkit.parts.profiles import get_profile
from sslkit.records.manifest import half_state, load_half_state
from sslkit.records.policy import LOAD, load_or_pretrain, main_run_name
from sslkit.training.runs import latest_checkpoint
from sslkit.training.stats import mean_sd

SSL = ("rotnet", "jigsaw", "simclr", "byol", "deepcluster", "swav")  # CPC is never fine-tuned (notebook 08)


def encoder(name: str, train, test, profile):
    """The network notebook 08 fine-tunes for ``name`` (its section 1 and 4 calls)."""
    main = profile.main_profile()
    if name == "floor":
        return random_floor(train, test, main)[0]
    cls = method_class(name)
    run = "supervised" if name == "supervised" else main_run_name(name, cls, main, **main.main_run(name))
    folder = paths.runs_dir() / main.name / run
    epochs = main.main_run(name)["epochs"]
    done = latest_checkpoint(folder)[1]
    if done < epochs:
        raise SystemExit(f"{name}: its main run {folder} has {done} of {epochs} epochs; it would train here first "
                         "(bench/main_queue.sh trains it).")
    if name == "supervised":
        net = supervised_baseline(train, test, mode=LOAD, profile=profile)[0][0].backbone
    else:
        net = load_or_pretrain(cls, train, test, name, mode=LOAD, profile=profile).module.backbone
    # the notebook fine-tunes the *reference's* weights, stored in float16: before the switch has
    # recorded them, this loads the float32 run, whose fine-tunes then start elsewhere (another
    # `init` in run.json) and the switch refuses to reload them (2026-12-04: 21 fine-tunes lost so).
    # Rounding here is what recording and loading the reference does; on reference weights, a no-op.
    load_half_state(net, half_state(net))
    return net


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoders", nargs="+", required=True, choices=("floor", "supervised", *SSL))
    parser.add_argument("--profile", default="cpu-full", help="the full-scale profile: cpu-full before the switch, cpu after")
    args = parser.parse_args(argv)
    profile = get_profile(args.profile)
    main_p = profile.main_profile()
    if main_p is profile:
        raise SystemExit(f"profile {args.profile!r} has no full-scale main runs; use cpu-full (before the switch) or cpu.")
    train, test = cifar10(main_p)  # notebook 08: cifar10(MAIN)
    for name in args.encoders:
        net = encoder(name, train, test, profile)
        stem = "finetune-" + name  # notebook 08: "finetune-" + n.split(" ")[0].lower()
        for f in transfer.FRACTIONS:
            top1 = transfer.fine_tune_seeds(net, stem, train, test, f, mode=LOAD, profile=profile)
            draws = f"{len(top1)} label draw" + ("s" if len(top1) > 1 else "")
            print(f"{name}, {100 * f:g}% of the labels: test top-1 {mean_sd(top1)}% ({draws})", flush=True)


if __name__ == "__main__":
    main()
