"""Helpers the tests share: training in a subprocess that can be killed mid-run, and two
processes writing at once."""

import multiprocessing
import os
import signal
import sys
from pathlib import Path
from types import SimpleNamespace

import torch

# Children come from one forkserver that has imported torch, Lightning and sslkit once (about 5 s
# a process otherwise; these tests start fourteen): each is forked from it, a fresh process that
# has run no torch op, so a SIGKILL in it is a real kill and its threads are its own.
_PRELOAD = ["torch", "lightning", "sslkit.methods", "sslkit.parts.data", "sslkit.training.train"]


def forkserver():
    """The multiprocessing context whose children come from that forkserver (also what Lightning's
    ``DDPStrategy(start_method="forkserver")`` uses once this has run: there is one per process)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    return ctx


def _in_env(env, target, *args):
    """``target(*args)`` with the caller's environment (the forkserver's is the one it started with)."""
    os.environ.clear()
    os.environ.update(env)
    target(*args)


def _train(run, epochs, kill_epoch, kill_batch, out, method, kw, threads, log):
    """Trains ``method`` on digits with fit(), SIGKILLs itself at (kill_epoch, kill_batch), saves
    the weights; stdout and stderr go to ``log`` + ".out" / ".err"."""
    for fd, suffix in ((1, ".out"), (2, ".err")):
        with open(log + suffix, "w") as f:
            os.dup2(f.fileno(), fd)
    os.environ["SSLKIT_THREADS"] = threads
    from dataclasses import replace

    from lightning.pytorch.callbacks import Callback

    from sslkit import methods
    from sslkit.parts.data import load_digits
    from sslkit.parts.profiles import get_profile
    from sslkit.training.train import fit, loaders

    class Kill(Callback):
        def on_train_batch_start(self, trainer, module, batch, i):
            if trainer.current_epoch == kill_epoch and i == kill_batch:
                sys.stdout.flush()
                os.kill(os.getpid(), signal.SIGKILL)

    smoke = replace(get_profile("smoke"), batch_size=64)  # 3 full steps an epoch, as these tests were written for
    train = load_digits("train").balanced(per_class=24)
    torch.manual_seed(0)
    module = getattr(methods, method)(width=0.125, lr=0.1, **eval(kw))
    loader, _ = loaders(train, None, smoke, seed=3)
    fit(module, loader, run, epochs, smoke, progress=False, callbacks=[Kill()])
    torch.save(module.state_dict(), out)


def train_in_subprocess(tmp_path, run, epochs, kill_epoch=-1, kill_batch=-1, method="Supervised", kw="{}",
                        threads="1"):
    """(finished process: returncode, stdout, stderr; where its weights are saved). ``threads``
    pins SSLKIT_THREADS: a bitwise resume needs the same thread count in every epoch
    (docs/reliability.md, "Kill and resume"; measured in docs/decisions.md, "Precision, threads and storage")."""
    out = tmp_path / f"{run}-{kill_epoch}-{kill_batch}-{threads}.pt"
    log = str(tmp_path / f"{run}-{kill_epoch}-{kill_batch}-{threads}")
    args = (str(tmp_path / run), epochs, kill_epoch, kill_batch, str(out), method, kw, threads, log)
    proc = forkserver().Process(target=_in_env, args=(dict(os.environ), _train, *args))
    proc.start()
    proc.join(timeout=300)
    if proc.exitcode is None:
        proc.kill()
        raise AssertionError("the training process did not finish in 300 s")
    done = SimpleNamespace(returncode=proc.exitcode, stdout=Path(log + ".out").read_text(),
                           stderr=Path(log + ".err").read_text())
    return done, out


def same_weights(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def in_processes(target, *argses, timeout: float = 120) -> None:
    """``target(*args)`` for each ``args`` in ``argses``, each in its own process and all at once,
    forked from the forkserver above with this process's environment (SSLKIT_HOME,
    SSLKIT_REFERENCES); every one must exit cleanly."""
    ctx = forkserver()
    procs = [ctx.Process(target=_in_env, args=(dict(os.environ), target, *args)) for args in argses]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=timeout)
        assert p.exitcode == 0


def in_two_processes(target, n: int) -> None:
    """``target(prefix, n)`` in two processes at once (prefixes "a" and "b"): :func:`in_processes`."""
    in_processes(target, ("a", n), ("b", n))
