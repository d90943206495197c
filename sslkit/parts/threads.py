"""How many threads a torch process should use on a CPU that other programs share.

Two torch threads on two cores are fastest on an idle machine, but they collapse when
anything else keeps a core busy: each parallel region waits for the thread that lost its
core (measured here: 265 → 45 images/s with one busy competitor, while one thread kept 168).
So sslkit counts the cores other processes keep busy and leaves them alone:

- :func:`other_load` — cores kept busy by *other* processes over an interval, from
  ``/proc/stat`` (all CPU time) minus this process's own CPU time (``os.times``);
- :func:`threads_for` — physical cores usable by this process minus the busy ones
  (rounded, at least 1);
- :class:`ThreadGovernor` — applies the choice at the start of training (a short sample)
  and again at every epoch start (measured over the epoch that just ran), so a competitor
  that starts or stops mid-run is followed within an epoch.

An explicit ``OMP_NUM_THREADS`` or ``SSLKIT_THREADS`` wins and turns all of this off; so does
a machine without ``/proc/stat`` (macOS, Windows), where torch's default stays. On GPU the
choice does not matter much (the CPU only feeds the device) and is left alone.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import torch

from sslkit.parts import config


def physical_cores() -> int:
    """Physical cores this process may run on (hyper-threads of one core count once)."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return max(1, (os.cpu_count() or 2))
    cores = set()
    for c in cpus:
        f = Path(f"/sys/devices/system/cpu/cpu{c}/topology/thread_siblings_list")
        cores.add(f.read_text().strip() if f.is_file() else str(c))
    return max(1, len(cores))


def _cpu_busy_s() -> float | None:
    """CPU-seconds all processes have spent busy since boot (None without /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(v) for v in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    busy = sum(ticks[:8]) - idle  # user nice system idle iowait irq softirq steal (guest is in user)
    return busy / os.sysconf("SC_CLK_TCK")


def _own_s() -> float:
    t = os.times()
    return t.user + t.system


class LoadMeter:
    """Cores kept busy by other processes since the last :meth:`read` (or construction)."""

    def __init__(self):
        self.t, self.busy, self.own = time.perf_counter(), _cpu_busy_s(), _own_s()

    def read(self) -> float | None:
        t, busy, own = time.perf_counter(), _cpu_busy_s(), _own_s()
        if busy is None or self.busy is None or t - self.t < 0.05:
            return None
        other = ((busy - self.busy) - (own - self.own)) / (t - self.t)
        self.t, self.busy, self.own = t, busy, own
        return max(0.0, other)


def other_load(sample_s: float = 0.2) -> float | None:
    """Cores kept busy by other processes over the next ``sample_s`` seconds (sleeps that
    long); None where ``/proc/stat`` does not exist."""
    meter = LoadMeter()
    time.sleep(sample_s)
    return meter.read()


def threads_for(other: float, cores: int | None = None) -> int:
    """Threads to use when ``other`` cores are busy elsewhere: the free physical cores, with
    a core counted busy from half its time on, and at least one."""
    cores = cores or physical_cores()
    return max(1, min(cores, cores - int(other + 0.5)))


def pinned() -> int | None:
    """The thread count the user fixed (``SSLKIT_THREADS``, else ``OMP_NUM_THREADS``), or None."""
    return config.pinned_threads()


class ThreadGovernor:
    """Keeps torch's intra-op threads matched to the free cores during a training run.

    ``start()`` samples the load briefly and sets the threads; ``update()`` (at each epoch
    start) re-reads the load over the time since the last call and changes the threads when
    the free cores changed. ``changes`` records (seconds since start, other load, threads).
    """

    def __init__(self, sample_s: float = 0.1):
        self.sample_s, self.enabled = sample_s, pinned() is None and _cpu_busy_s() is not None
        self.changes: list[tuple[float, float, int]] = []
        self.meter = None

    def start(self) -> int:
        if not self.enabled:
            n = pinned()
            if n is not None:
                torch.set_num_threads(n)
            return torch.get_num_threads()
        self.t0 = time.perf_counter()
        other = other_load(self.sample_s)
        self.meter = LoadMeter()
        return self._apply(other)

    def update(self) -> int:
        if not self.enabled or self.meter is None:
            return torch.get_num_threads()
        other = self.meter.read()
        return self._apply(other) if other is not None else torch.get_num_threads()

    def _apply(self, other: float) -> int:
        n = threads_for(other)
        if n != torch.get_num_threads() or not self.changes:
            torch.set_num_threads(n)
            self.changes.append((round(time.perf_counter() - self.t0, 1), round(other, 2), n))
        return n


def warn_if_busy(threshold: float = 0.3, sample_s: float = 1.0) -> float | None:
    """For benchmarks: measure other processes' load over ``sample_s`` and, above ``threshold``
    cores, print a loud warning that the timings will be low. Returns the load (None: unknown)."""
    import sys

    other = other_load(sample_s)
    if other is not None and other > threshold:
        bar = "!" * 88
        print(f"\n{bar}\nWARNING: other processes keep {other:.1f} cores busy: timings will be low and not "
              f"comparable.\nStop them (ps aux --sort=-%cpu) and run again.\n{bar}\n", file=sys.stderr, flush=True)
    return other


def main() -> None:
    """``python -m sslkit.parts.threads``: how busy the machine is, and what training would use.
    Run before long jobs (``make notebooks`` does): two torch processes on two cores slow each
    other down several-fold, so run one at a time."""
    other = warn_if_busy(threshold=0.5)
    if other is None:
        print("sslkit.parts.threads: cannot measure other processes' load here (no /proc/stat).")
        return
    cores = physical_cores()
    print(f"sslkit.parts.threads: other processes keep {other:.1f} of {cores} cores busy → training would use "
          f"{threads_for(other, cores)} thread(s). Never run two sslkit trainings at once.")

if __name__ == "__main__":
    main()
