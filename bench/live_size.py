"""Is the live profile a live size? Every notebook's training time under it, two ways.

- **here**: :func:`sslkit.course.estimate.training_minutes` — SGD steps timed on this machine at
  each run's size (what a notebook prints before it trains), × the images its runs see;
- **T4, by FLOP count**: the same images at ``--tflops`` sustained (FLOPs counted by torch,
  :func:`sslkit.training.flops.step_flops`) plus ``--step-ms`` per step for what bounds narrow
  networks on a GPU (kernel launches, the loader). No GPU measured it: an estimate, with its
  assumptions printed beside it.

The issues ask for at most about 10 minutes per notebook on a 2-core laptop CPU and 20 on a T4.
Run it with nothing else busy (``python -m sslkit.parts.threads`` says):

    python bench/live_size.py [--profile live] [--tflops 4] [--step-ms 20]
"""

from __future__ import annotations

import argparse
import time

from sslkit.course.estimate import _plans, flop_rate, training_minutes
from sslkit.parts.profiles import describe, get_profile
from sslkit.parts.threads import warn_if_busy


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="live")
    parser.add_argument("--tflops", type=float, default=4.0, help="sustained TFLOP/s assumed for the GPU estimate")
    parser.add_argument("--step-ms", type=float, default=20.0, help="per-step overhead assumed on the GPU, ms")
    args = parser.parse_args(argv)
    p = get_profile(args.profile)
    warn_if_busy()
    print(describe(p))
    print(f"{time.strftime('%Y-%m-%d %H:%M')}; GPU estimate: {args.tflops:g} TFLOP/s sustained + {args.step_ms:g} ms a step\n")
    print("| notebook | here (timed steps) | T4 by FLOP count |\n|---|---:|---:|")
    rate = flop_rate(args.tflops, args.step_ms / 1000)
    for notebook in _plans():
        here, _ = training_minutes(notebook, p)
        gpu, _ = training_minutes(notebook, p, rate=rate)
        print(f"| {notebook} | {here:.1f} min | {gpu:.1f} min |", flush=True)


if __name__ == "__main__":
    main()
