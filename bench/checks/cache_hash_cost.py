"""Issue 26 / machine check, 2026-12-02 (see bench/RESULTS.md, 'Costs and causes behind issue 26')."""
import hashlib, time, os
from pathlib import Path
root = Path(os.environ["SSLKIT_DATA"]) / "train"
t=time.perf_counter()
files = sorted(str(p) for p in root.rglob("*") if p.is_file())
t1=time.perf_counter()
h=hashlib.sha256(); n=0
for f in files:
    with open(f,'rb') as fh: b=fh.read()
    n+=len(b)
    h.update(f.encode()); h.update(len(b).to_bytes(8,'little')); h.update(b)
t2=time.perf_counter()
print(len(files), n/1e6, "MB", "list", round(t1-t,2), "hash", round(t2-t1,2))
