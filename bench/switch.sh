#!/usr/bin/env bash
# Issue 30's switch, the mechanical part, in order (bench/RESULTS.md, "Pending: the switch, in
# order"): the cpu profile becomes the full-scale one and every reference is recorded again.
#
#   SSLKIT_DATA=... nohup bash bench/switch.sh >> runs/switch.log 2>&1 &
#
# It refuses to start while a main run of bench/main_queue.sh is unfinished, while notebook 03's
# CPC runs lack their code measure, or while another sslkit process trains (two torch processes
# on two cores slow each other several-fold, and the thread count is pinned to 2 so that every
# notebook evaluates at one thread count). Each stage is resumable: the patches are applied once
# (and removed, so the pending-patch test has nothing left to check), recorded references load,
# finished runs in runs/cpu reload. What it leaves to a person: each notebook's prose ("What our
# reference runs show") rewritten from its new outputs (tests/test_notebooks_sync.py names every
# number the prose quotes that no output prints), README's in-progress paragraph, the size of
# results/ (under 60 MB), CI, the commit.
#
# It may run in a git worktree of its own, so that main's tree stays clean for other commits while
# it runs for hours (and across sessions); the worktree borrows main's runs/, data cache and .venv,
# and the stamp's time keeps make from re-installing the editable sslkit from the worktree:
#
#   git worktree add -b switch ../switch main && cd ../switch
#   ln -s ../main/runs runs && ln -s ../main/.venv .venv && ln -s ../../main/data/cache data/cache
#   touch -r .venv/.installed pyproject.toml requirements.txt
#   SSLKIT_DATA=... nohup bash bench/switch.sh >> runs/switch.log 2>&1 &
#
# Every python it starts (notebook kernels too) imports sslkit from this tree, not from wherever the
# editable install points: PYTHONPATH puts the tree first.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${SSLKIT_DATA:?set SSLKIT_DATA to the CIFAR-10 copy}"
PY=${PY:-.venv/bin/python}
export SSLKIT_THREADS=2 PYTHONPATH="$PWD:$PWD/bench"

echo "== $(date -u +%F' '%T) switch: checking that everything it needs has finished"
if pgrep -f "python bench/(main_runs|cpc_codes|equal_compute|finetune_ahead).py" > /dev/null; then
  echo "another sslkit training runs (pgrep above): let it finish or stop it first"; exit 1
fi
echo "== $(date -u +%F' '%T) unpacking the committed runs this machine lacks (main runs, notebook 08's fine-tunes)"
sed -n 's|^\$PY bench/main_runs.py ||p' bench/main_queue.sh | while read -r args; do
  SSLKIT_PRECISION=32-true $PY bench/main_runs.py $args --restore
done
$PY bench/finetune_ahead.py --restore
$PY - <<'EOF'
import json, re, sys
from pathlib import Path

import main_runs
from sslkit.training.runs import latest_checkpoint

profile = main_runs.full_profile()
missing = []
for line in Path("bench/main_queue.sh").read_text().splitlines():
    m = re.match(r"\$PY bench/main_runs.py --method (\w+)", line)
    if m:
        _, name, epochs, _ = main_runs.planned(m.group(1), profile)
        done = latest_checkpoint(Path("runs/cpu") / name)[1]
        if done < epochs:
            missing.append(f"{name}: {done} of {epochs} epochs")
runs = json.loads(Path("results/cpu-manifest.json").read_text())["runs"]
cpc = [n for n in runs if n.startswith("cpc-sweep-main-data")]
missing += [f"{n}: no code_excess yet (python bench/cpc_codes.py --record)" for n in cpc
            if "code_excess" not in runs[n].get("results", {})]
if missing:
    sys.exit("not yet:\n  " + "\n  ".join(missing))
print("every main run finished, every CPC context run has its code measure")
EOF

echo "== $(date -u +%F' '%T) applying the pending patches"
shopt -s nullglob
for p in bench/pending/*.patch; do
  git apply "$p" && git rm -q "$p" && echo "applied $p"
done

echo "== $(date -u +%F' '%T) recording every reference at full scale (hours)"
$PY -m sslkit.course.references all --profile cpu --prune

echo "== $(date -u +%F' '%T) executing every notebook from the new references (make notebooks regenerates each .ipynb from its .py)"
SSLKIT_PROFILE=cpu make notebooks

echo "== $(date -u +%F' '%T) the claims table (read from the executed notebooks), notebook 09 again to show it, the README's tables"
$PY -m sslkit.course.claims --write
(cd notebooks && SSLKIT_PROFILE=cpu ../.venv/bin/jupyter nbconvert --to notebook --execute --inplace \
   --ExecutePreprocessor.timeout=3600 09_scaling.ipynb)
$PY -m sslkit.course.references table --profile cpu --write
du -sh results
echo "== $(date -u +%F' '%T) done: now the prose, README's paragraph, CI and the commit (see the header)"
