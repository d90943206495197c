"""Helpers the tests share: training in a subprocess that can be killed mid-run, and two
processes writing at once."""

import os
import subprocess
import sys
import textwrap

import torch

# trains a method on digits with fit(), SIGKILLs itself at (kill_epoch, kill_batch), saves the weights
SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import torch
    from lightning.pytorch.callbacks import Callback
    from sslkit import methods
    from sslkit.parts.data import load_digits
    from sslkit.parts.profiles import get_profile
    from sslkit.training.train import fit, loaders

    run, epochs, kill_epoch, kill_batch, out, method, kw = sys.argv[1:8]
    epochs, kill_epoch, kill_batch = int(epochs), int(kill_epoch), int(kill_batch)

    class Kill(Callback):
        def on_train_batch_start(self, trainer, module, batch, i):
            if trainer.current_epoch == kill_epoch and i == kill_batch:
                os.kill(os.getpid(), signal.SIGKILL)

    smoke = get_profile("smoke")
    train = load_digits("train").balanced(per_class=24)
    torch.manual_seed(0)
    module = getattr(methods, method)(width=0.125, lr=0.1, **eval(kw))
    loader, _ = loaders(train, None, smoke, seed=3)
    fit(module, loader, run, epochs, smoke, progress=False, callbacks=[Kill()])
    torch.save(module.state_dict(), out)
""")


def train_in_subprocess(tmp_path, run, epochs, kill_epoch=-1, kill_batch=-1, method="Supervised", kw="{}",
                        threads="1"):
    """(completed process, where its weights are saved). ``threads`` pins SSLKIT_THREADS: a bitwise
    resume needs the same thread count in every epoch (README, "Runs")."""
    out = tmp_path / f"{run}-{kill_epoch}-{kill_batch}-{threads}.pt"
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / run), str(epochs), str(kill_epoch),
                           str(kill_batch), str(out), method, kw], capture_output=True, text=True,
                          env={**os.environ, "SSLKIT_THREADS": threads})
    return proc, out


def same_weights(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def in_two_processes(target, n: int) -> None:
    """``target(prefix, n)`` in two spawned processes at once (prefixes "a" and "b"); both must
    exit cleanly. The children read SSLKIT_HOME / SSLKIT_REFERENCES from the environment."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=target, args=(p, n)) for p in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
