"""How much CPC's codes of one image share, beyond any two patches (issue 28, claim 3).

Default: :func:`sslkit.training.mechanisms.code_similarity` on the first 1,000 cpu-profile test
images, the committed CPC main reference (full context) against a CPC of the same settings at
random init (seed 0).

``--record``: trains notebook 03's twelve experiment runs (full context, one row, no context,
both directions; three seeds each) again with the notebook's measures (``code_excess`` and
``context_knn``, :mod:`sslkit.training.mechanisms`) and records them as cpu references, the calls
being exactly the notebook's, so that notebook 03 loads them when it is next executed. Notebook 03
is not executed here: executing it on another CPU than the one that recorded its main run
re-evaluates that run (floating-point sums in another order) and its printed numbers would no
longer match notebook 08's; it is re-executed with every other notebook when the references are
re-recorded (issue 30). Resumable: a recorded run loads, in seconds.

    SSLKIT_DATA=... python bench/cpc_codes.py [--record]
"""

import argparse

import torch

from sslkit.experiments.sweeps import sweep_seeds
from sslkit.methods import CPC
from sslkit.parts.data import cifar10
from sslkit.parts.profiles import get_profile
from sslkit.records.policy import LOAD, Mode, load_or_pretrain
from sslkit.training.mechanisms import code_excess, code_similarity, context_knn
from sslkit.training.stats import mean_sd

# notebook 03's experiment settings, in the order it asks for them
SETTINGS = {"full context": {}, "one row": {"context": "row"}, "no context": {"context": "none"},
            "both directions": {"bidirectional": True}}


def record(profile) -> None:
    sweep_train, sweep_test = cifar10(profile)  # notebook 03: cifar10(PROFILE)
    queries = sweep_test.balanced(per_class=min(100, len(sweep_test) // 10), seed=1)
    measures = {"context_knn": context_knn, "code_excess": code_excess(queries)}
    mode = Mode(record=True, command="python bench/cpc_codes.py --record", notebook="03_cpc")
    for label, kwargs in SETTINGS.items():
        excess = sweep_seeds(CPC, sweep_train, sweep_test, "cpc-sweep-main-data", mode=mode, profile=profile,
                             metric="code_excess", measures=measures, **kwargs)
        print(f"{label}: code excess {mean_sd(excess, points=False)} (mean ± sd, {len(excess)} seeds)", flush=True)


def reference_vs_random(profile) -> None:
    train, test = cifar10(profile.main_profile())
    trained, _ = load_or_pretrain(CPC, train, test, "cpc", mode=LOAD, profile=profile)
    torch.manual_seed(0)
    random_init = CPC(width=profile.main_profile().width, num_classes=10)
    images = test.images[:1000]
    for name, model in (("trained (reference)", trained), ("random init", random_init)):
        r = code_similarity(model, images)
        print(f"{name:20s} within {r['within']:.3f}  across {r['across']:.3f}  excess {r['excess']:+.3f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="train and record notebook 03's experiment runs")
    parser.add_argument("--profile", default="cpu")
    args = parser.parse_args(argv)
    profile = get_profile(args.profile)
    record(profile) if args.record else reference_vs_random(profile)


if __name__ == "__main__":
    main()
