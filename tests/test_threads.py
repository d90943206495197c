import subprocess
import sys
import time

import pytest
import torch

from sslkit.parts import threads


def test_threads_leave_busy_cores_alone():
    assert threads.threads_for(0.0, cores=2) == 2
    assert threads.threads_for(0.3, cores=2) == 2  # a browser tab's worth of load: keep both
    assert threads.threads_for(0.6, cores=2) == 1  # most of a core busy elsewhere: give it up
    assert threads.threads_for(3.0, cores=2) == 1  # never fewer than one
    assert threads.threads_for(1.0, cores=8) == 7


def test_pinned_threads_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("SSLKIT_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert threads.pinned() is None
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert threads.pinned() == 1
    monkeypatch.setenv("SSLKIT_THREADS", "two")
    with pytest.raises(ValueError, match="SSLKIT_THREADS=.*whole number"):
        threads.pinned()


@pytest.mark.skipif(threads._cpu_busy_s() is None, reason="needs /proc/stat (Linux)")
def test_load_meter_sees_another_busy_process_but_not_itself():
    meter = threads.LoadMeter()
    t = time.perf_counter()
    while time.perf_counter() - t < 0.4:  # this process busy: not "other" load
        pass
    own = meter.read()
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)  # let it start
        busy = threads.other_load(0.5)
    finally:
        spin.kill()
    assert busy > 0.6, busy  # one spinning process ≈ one core
    assert busy > own + 0.4, (busy, own)


def test_governor_follows_the_load_and_respects_a_pinned_count(monkeypatch):
    monkeypatch.delenv("SSLKIT_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    before = torch.get_num_threads()
    loads = iter([0.0, 1.0, 0.1])
    monkeypatch.setattr(threads, "physical_cores", lambda: 2)
    monkeypatch.setattr(threads, "other_load", lambda sample_s=0.1: next(loads))
    monkeypatch.setattr(threads.LoadMeter, "read", lambda self: next(loads))
    try:
        g = threads.ThreadGovernor()
        if not g.enabled:
            pytest.skip("needs /proc/stat (Linux)")
        assert g.start() == 2 and torch.get_num_threads() == 2
        assert g.update() == 1 and torch.get_num_threads() == 1  # a competitor appeared
        assert g.update() == 2  # and left
        assert [c[2] for c in g.changes] == [2, 1, 2]
        monkeypatch.setenv("SSLKIT_THREADS", "1")
        pinned = threads.ThreadGovernor()
        assert not pinned.enabled and pinned.start() == 1 and pinned.update() == 1
    finally:
        torch.set_num_threads(before)


def test_benchmarks_warn_loudly_on_a_busy_machine(monkeypatch, capsys):
    monkeypatch.setattr(threads, "other_load", lambda sample_s=1.0: 1.2)
    assert threads.warn_if_busy() == 1.2
    assert "WARNING: other processes keep 1.2 cores busy" in capsys.readouterr().err
    monkeypatch.setattr(threads, "other_load", lambda sample_s=1.0: 0.05)
    threads.warn_if_busy()
    assert capsys.readouterr().err == ""
