#!/usr/bin/env bash
# Issue 30's full-scale main runs, one at a time, in the background: start it first thing in a
# session. runs/ does not survive a change of machine (on 2026-12-03 it did not: SimCLR's, BYOL's,
# SwAV's and CPC's finished weights and DeepCluster's half-trained run were lost; their curves had
# been committed), so each run's folder is committed as bench/main_runs_results/runs/<name>.tar.gz
# when it finishes, and mid-run by `main_runs.py --method X --snapshot` before a session ends; a
# start unpacks it when runs/ lacks the folder. A finished run only reloads, in seconds.
#
#   nohup bash bench/main_queue.sh >> runs/main_queue.log 2>&1 &
#
# Never edit this file while it runs: bash reads a script as it goes, so an edit above the line
# it is on shifts what it reads next (2026-12-04: stop the queue's bash first, `kill <its pid>`,
# which leaves the running training alone; start the queue again when that training ends).
#
# Each line's settings are the run's identity: change one and it is another run. SimCLR's
# recipe (width 1/8, base lr 0.3, batch 256) was chosen on the validation split (bench/RESULTS.md,
# "A SimCLR recipe per CPU-minute"; τ 0.2 beat 0.5 there by 1.9 points); 50 epochs is about 2 hours at this machine's idle float32
# 310 images/s (2.2 h on the Intel Xeon, 1.7 h on the AMD EPYC); it took about 7,500 idle seconds
# (150 s an epoch) on the Intel Xeon, and that is every method's budget. Each other method's epochs
# = 7,500 s x its idle images/s / 50,000, the images/s from 2 real epochs on 2,560 images at these
# settings (width 1/8, batch 256, float32, 2 threads, Intel Xeon, 2026-12-03) scaled by 0.92, the
# ratio of SimCLR's full-run speed (333) to its speed there (361):
#   BYOL 222 -> 31, SwAV 209 -> 29, CPC 118 -> 16, DeepCluster 532 -> 73 (70: its per-epoch
#   clustering grows with the 50,000 images), RotNet 143 (4 rotations an image) -> 20,
#   Jigsaw 361 -> 50, Supervised 706 -> 97 (100).
# Each method keeps its own validated base lr and settings.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=bench SSLKIT_PRECISION=32-true
: "${SSLKIT_DATA:?set SSLKIT_DATA to the CIFAR-10 copy}"
PY=${PY:-.venv/bin/python}
$PY bench/main_runs.py --method DeepCluster --width 0.125 --epochs 70
$PY bench/main_runs.py --method RotNet --width 0.125 --epochs 20
$PY bench/main_runs.py --method Jigsaw --width 0.125 --epochs 50
$PY bench/main_runs.py --method Supervised --width 0.125 --epochs 100
# trained once before their folders were lost (curves committed): again, for the weights the
# references need; the same settings, so the same runs, except CPC's first_step=3 (from the cpu
# profile's main-run table in sslkit.parts.profiles; chosen on a validation split, bench/RESULTS.md "CPC's main
# run"). SwAV's re-run first took ε = 0.02 (the cpu-size validation choice) and collapsed at this
# size (prototype use and feature rank fell from epoch 5; RESULTS "SwAV's main run"): stopped after
# 11 epochs, it trains again at the paper's ε = 0.05, the first run's setting, after CPC.
$PY bench/main_runs.py --method SimCLR --width 0.125 --base-lr 0.3 --epochs 50 --set temperature=0.2
$PY bench/main_runs.py --method BYOL --width 0.125 --epochs 31
$PY bench/main_runs.py --method CPC --width 0.125 --epochs 16
$PY bench/main_runs.py --method SwAV --width 0.125 --epochs 29
