#!/usr/bin/env bash
# Issue 30's full-scale main runs, one at a time, in the background: start it first thing in a
# session (runs/ does not survive a change of machine, so a run must be able to finish within one
# session or resume where runs/ survived). A finished run only reloads, in seconds.
#
#   nohup bash bench/main_queue.sh >> runs/main_queue.log 2>&1 &
#
# Each line's settings are the run's identity: change one and it is another run. SimCLR's
# recipe (width 1/8, base lr 0.3, batch 256) was chosen on the validation split (bench/RESULTS.md,
# "A SimCLR recipe per CPU-minute"; τ 0.2 beat 0.5 there by 1.9 points); 50 epochs is about 2 hours at this machine's idle float32
# 310 images/s (2.2 h on the Intel Xeon, 1.7 h on the AMD EPYC). The other methods are added once
# SimCLR's curve has set the budget.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=bench SSLKIT_PRECISION=32-true
: "${SSLKIT_DATA:?set SSLKIT_DATA to the CIFAR-10 copy}"
PY=${PY:-.venv/bin/python}
$PY bench/main_runs.py --method SimCLR --width 0.125 --base-lr 0.3 --epochs 50 --set temperature=0.2
