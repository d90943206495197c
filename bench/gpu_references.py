"""All gpu-profile reference runs of notebooks 00–05 on one GPU, within a time budget.

Runs ``python -m sslkit.course.references <notebook> --profile gpu`` for notebooks 00, 01, 02, 04, 05
in order, each in its own process (one GPU, one training at a time), and stops starting
notebooks once ``--minutes`` are spent; the runs are resumable, so calling it again continues
where it stopped. Writes ``results/gpu-manifest.json`` and ``results/gpu/`` (the layout of the
committed cpu set) and prints, per notebook, its minutes and each run's training time and kNN,
then the README table. Commit ``results/gpu*`` afterwards.

Target: all of it in at most 9 minutes on one H100-class GPU. The gpu profile's sizes
(``sslkit/profiles.py``) were set by estimate, not yet by a GPU measurement: the first lent GPU
runs this script, and its printed times decide whether they hold.

    SSLKIT_DATA=... python bench/gpu_references.py [--minutes 9]
    SSLKIT_DATA=... python bench/gpu_references.py --profile smoke   # the CPU smoke test (tests/)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sslkit.course.references import NOTEBOOKS, results_table  # noqa: E402
from sslkit.parts.profiles import get_profile, hardware  # noqa: E402
from sslkit.records.manifest import load_manifest  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="gpu", choices=["gpu", "smoke"])
    parser.add_argument("--minutes", type=float, default=9.0, help="stop starting notebooks after this (default 9)")
    parser.add_argument("--notebooks", nargs="*", default=list(NOTEBOOKS))
    args = parser.parse_args(argv)
    p = get_profile(args.profile)
    print(f"gpu references: profile {p.name} on {hardware()}; budget {args.minutes:g} min", flush=True)
    t0 = time.perf_counter()
    spent = {}
    for nb in args.notebooks:
        left = args.minutes * 60 - (time.perf_counter() - t0)
        if left <= 0:
            print(f"budget spent: {nb} and later not started; run again to continue (finished runs are reused).")
            break
        start = time.perf_counter()
        rc = subprocess.call([sys.executable, "-m", "sslkit.course.references", nb, "--profile", p.name], cwd=ROOT,
                             env={**os.environ, "SSLKIT_PROFILE": p.name})
        spent[nb] = time.perf_counter() - start
        print(f"{nb}: {spent[nb] / 60:.1f} min (exit {rc})", flush=True)
        if rc:
            return rc
    runs = load_manifest(p)["runs"]
    print(f"\n{'run':48s} {'kind':6s} {'train s':>8s} {'kNN':>6s}")
    for name, e in sorted(runs.items()):
        knn = e.get("results", {}).get("knn")
        print(f"{name:48s} {e['kind'][:6]:6s} {e.get('wall_time_s', 0):8.1f} {'' if knn is None else f'{100 * knn:5.1f}%'}")
    total = time.perf_counter() - t0
    print(f"\nall notebooks: {total / 60:.1f} min ({', '.join(f'{k} {v / 60:.1f}' for k, v in spent.items())})")
    print(results_table(p))
    return 0 if total <= args.minutes * 60 else 2


if __name__ == "__main__":
    sys.exit(main())
