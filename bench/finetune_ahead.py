"""Notebook 08's fine-tunes of the full-scale encoders, trained ahead of the switch (issue 30).

After the switch (``bench/RESULTS.md``, "Pending"), notebook 08 fine-tunes the random-init
floor, the supervised baseline and the two SSL encoders its validation split picks, each on 1%
(three label draws), 10% (three) and 100% of the 50,000 training labels: about 1.1 million
image-passes an encoder, some 30 minutes of an idle 2-core CPU each at width 1/8. This script
makes the notebook's own calls for the encoders named (``--encoders floor supervised`` as soon as
the supervised main run has finished) under the full-scale profile (cpu), in load mode: nothing is recorded and the committed references are
untouched; the runs train in ``runs/cpu/finetune-*`` and the switch's record reloads them
(``fit`` finds them finished) instead of training them. Resumable: a finished fine-tune reloads,
a half-trained one resumes from its last epoch. An encoder whose main run has not finished is
refused (it would train its main run here first).

``runs/`` does not survive a change of machine (2026-12-04: all 28 fine-tunes lost so, twice), so
each fine-tune is packed as it finishes into ``bench/main_runs_results/finetunes/<run>.tar.gz``
(committed; optimizer state zeroed, as :func:`main_runs.snapshot` packs a finished main run),
and a start on a machine without ``runs/cpu/<run>/`` unpacks it first: the fine-tune reloads
instead of training again. ``--snapshot`` packs every fine-tune folder as it is now (a
half-trained one with its momentum), to run before a session ends.

Which two SSL encoders notebook 08 fine-tunes is its own choice, made on its validation split:
``--pick`` makes that choice here with the notebook's call (the full-label linear probe of each
encoder's reference weights, its best validation accuracy; CPC left out) and prints it, so that
only the two it will ask for are trained ahead.

    SSLKIT_DATA=... python bench/finetune_ahead.py --encoders floor supervised
    SSLKIT_DATA=... python bench/finetune_ahead.py --pick
"""

import argparse
import json
from pathlib import Path

import main_runs  # bench/ is on the path when this script runs

from sslkit.experiments import transfer
from sslkit.experiments.baselines import random_floor, supervised_baseline
from sslkit.methods import method_class
from sslkit.parts import paths
from sslkit.parts.data import cifar10
from sslkit.parts.profiles import get_profile
from sslkit.records.manifest import half_state, load_half_state
from sslkit.methods.features import extract_features
from sslkit.records.policy import LOAD, load_or_pretrain, main_run_name
from sslkit.training.evaluate import linear_probe
from sslkit.training.runs import latest_checkpoint
from sslkit.training.stats import mean_sd

FINETUNES = Path(__file__).parent / "main_runs_results" / "finetunes"

SSL = ("rotnet", "jigsaw", "simclr", "byol", "deepcluster", "swav")  # CPC is never fine-tuned (notebook 08)


def restore(runs_dir: Path) -> list[str]:
    """Unpack every packed fine-tune whose folder ``runs_dir`` lacks (never over one it has); the
    names unpacked."""
    done = []
    for packed in sorted(FINETUNES.glob("finetune-*.tar.gz")):
        stem = packed.name[: -len(".tar.gz")]
        if (runs_dir / stem).exists():
            continue
        main_runs.unpack(packed, runs_dir, (stem,))
        done.append(stem)
    if done:
        print(f"unpacked {len(done)} fine-tunes this machine lacked from {FINETUNES}", flush=True)
    return done


def finished(run_dir: Path) -> bool:
    """Whether ``run_dir`` holds its last epoch (the one its ``run.json`` asks for)."""
    wanted = json.loads((run_dir / "run.json").read_text()).get("epochs")
    return wanted is not None and latest_checkpoint(run_dir)[1] >= wanted


def pack(runs_dir: Path, prefix: str = "finetune-", unfinished: bool = False) -> list[Path]:
    """Pack each finished fine-tune under ``runs_dir`` named ``prefix*`` that is not packed yet
    (and, with ``unfinished``, each half-trained one, over its older pack)."""
    out = []
    for run_dir in sorted(runs_dir.glob(prefix + "*")):
        if not (run_dir / "run.json").is_file():
            continue
        done = finished(run_dir)
        if (done and not (FINETUNES / f"{run_dir.name}.tar.gz").is_file()) or (unfinished and not done):
            out.append(main_runs.snapshot(run_dir, run_dir.name, into=FINETUNES))
    return out


def pick(train, test, profile) -> list[str]:
    """The two SSL encoders notebook 08 fine-tunes: best validation accuracy of the full-label
    linear probe on each reference's frozen features (its section 3 choice; CPC left out)."""
    main = profile.main_profile()
    score = {}
    for name in SSL:
        cls = method_class(name)
        module = load_or_pretrain(cls, train, test, name, mode=LOAD, profile=profile).module
        load_half_state(module, half_state(module))  # the reference's float16 weights
        h_train, h_test = extract_features(module, train), extract_features(module, test)
        probe = linear_probe(h_train, train.labels, h_test, test.labels, train.num_classes)
        score[name] = max(probe.val_accuracy.values())
        print(f"{name}: validation accuracy of the full-label probe {100 * score[name]:.1f}%", flush=True)
    chosen = sorted(score, key=score.get, reverse=True)[:2]
    print(f"notebook 08 will fine-tune: {' '.join(chosen)} (at {main.name}, width {main.width:g})", flush=True)
    return chosen


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
    parser.add_argument("--encoders", nargs="+", default=[], choices=("floor", "supervised", *SSL))
    parser.add_argument("--pick", action="store_true", help="only print the two SSL encoders notebook 08 picks")
    parser.add_argument("--snapshot", action="store_true",
                        help="only pack every fine-tune folder as it is now (half-trained ones too)")
    parser.add_argument("--restore", action="store_true",
                        help="only unpack the packed fine-tunes this machine lacks (bench/switch.sh does, first)")
    parser.add_argument("--profile", default="cpu", help="a profile with full-scale main runs")
    args = parser.parse_args(argv)
    profile = get_profile(args.profile)
    main_p = profile.main_profile()
    if main_p is profile:
        raise SystemExit(f"profile {args.profile!r} has no full-scale main runs; use cpu.")
    runs_dir = paths.runs_dir() / main_p.name
    if args.snapshot:
        pack(runs_dir, unfinished=True)
        return
    restore(runs_dir)
    if args.restore:
        return
    if not (args.pick or args.encoders):
        parser.error("name --encoders, or --pick, --snapshot or --restore")
    train, test = cifar10(main_p)  # notebook 08: cifar10(MAIN)
    if args.pick:
        pick(train, test, profile)
        return
    for name in args.encoders:
        net = encoder(name, train, test, profile)
        stem = "finetune-" + name  # notebook 08: "finetune-" + n.split(" ")[0].lower()
        for f in transfer.FRACTIONS:
            top1 = transfer.fine_tune_seeds(net, stem, train, test, f, mode=LOAD, profile=profile)
            draws = f"{len(top1)} label draw" + ("s" if len(top1) > 1 else "")
            print(f"{name}, {100 * f:g}% of the labels: test top-1 {mean_sd(top1)}% ({draws})", flush=True)
            pack(runs_dir, prefix=f"{stem}-{f * 100:g}pct-")


if __name__ == "__main__":
    main()
