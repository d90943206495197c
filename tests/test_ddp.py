"""Under DDP (2 CPU processes, gloo): NT-Xent equals one process on the same global batch,
DeviceLoader gives each process a disjoint slice of the data, and ``pretrain(..., devices=2)``
trains SimCLR through Lightning's DDP with negatives gathered across the processes."""

import json
import socket

import pytest
import torch
import torch.distributed as dist
from harness import forkserver, in_processes
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.strategies import DDPStrategy

from sslkit.methods import SimCLR
from sslkit.parts.augment import Augment
from sslkit.parts.data import DeviceLoader, ImageSet, load_digits
from sslkit.parts.losses import nt_xent
from sslkit.parts.profiles import get_profile
from sslkit.training.train import pretrain

B, D, WORLD, T = 6, 8, 2, 0.3


def global_batch():
    g = torch.Generator().manual_seed(0)
    return torch.randn(WORLD * B, D, generator=g), torch.randn(WORLD * B, D, generator=g)


def worker(rank, port, out):
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=WORLD)
    try:
        z1, z2 = global_batch()
        z1 = z1[rank * B : (rank + 1) * B].clone().requires_grad_()
        z2 = z2[rank * B : (rank + 1) * B].clone().requires_grad_()
        loss = nt_xent(z1, z2, T)  # gathers by default: world size 2
        loss.backward()
        out[rank] = (loss.detach(), z1.grad, z2.grad)
        local = nt_xent(z1.detach(), z2.detach(), T, gather=False)
        out[f"local{rank}"] = local
        data = ImageSet(torch.zeros(22, 3, 2, 2, dtype=torch.uint8), torch.arange(22), ("x",))
        batches = list(DeviceLoader(data, 4, drop_last=False, seed=3))  # global batch 4: 2 per process
        out[f"labels{rank}"] = torch.cat([b.y for b in batches])
        out[f"index{rank}"] = torch.cat([b.index for b in batches])
        out[f"sizes{rank}"] = [len(b.y) for b in batches]
    finally:
        dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def out():
    """Results of the two worker processes, run once (forked from tests/harness.py's forkserver,
    which imported torch once: a plain fork is unsafe after OpenMP starts, and a spawn imports
    torch again in each process)."""
    with forkserver().Manager() as manager:
        shared, port = manager.dict(), free_port()
        in_processes(worker, *[(r, port, shared) for r in range(WORLD)])
        return dict(shared)


def test_ddp_loss_and_gradients_equal_single_process(out):
    z1, z2 = global_batch()
    z1.requires_grad_()
    z2.requires_grad_()
    single = nt_xent(z1, z2, T)
    single.backward()
    losses = torch.stack([out[r][0] for r in range(WORLD)])
    assert losses.mean().item() == pytest.approx(single.item(), rel=1e-6)
    for r in range(WORLD):
        # all_gather's backward sums every rank's gradient; DDP then averages over ranks
        assert torch.allclose(out[r][1] / WORLD, z1.grad[r * B : (r + 1) * B], atol=1e-7)
        assert torch.allclose(out[r][2] / WORLD, z2.grad[r * B : (r + 1) * B], atol=1e-7)
    # without gathering each process sees fewer negatives: a different (easier) loss
    assert out["local0"].item() < single.item()


def test_device_loader_shards_across_processes(out):
    a, b = out["labels0"].tolist(), out["labels1"].tolist()
    assert len(a) == len(b) == 11 and not set(a) & set(b) and sorted(a + b) == list(range(22))
    assert out["index0"].tolist() == a  # indices are positions in the whole set, not in the slice
    assert max(out["sizes0"]) == 2  # the batch size is global: 4 over 2 processes


class FirstLoss(Callback):
    """Writes each process's loss of its first training step to <folder>/loss<rank>.txt."""

    def __init__(self, folder):
        self.folder = folder

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if trainer.global_step == 1:
            (self.folder / f"loss{trainer.global_rank}.txt").write_text(repr(outputs["loss"].item()))


def test_pretrain_simclr_with_two_processes_matches_one_process(tmp_path):
    """The first step's loss under DDP (each process's mean over its anchors, against the negatives
    of both processes) averages to the one-process loss of the same global batch. GroupNorm
    everywhere and fixed views make each image's output independent of how the batch is split."""
    data = load_digits("train").balanced(per_class=8)  # 80 images
    fixed = Augment(crop_scale=(1.0, 1.0), crop_ratio=(1.0, 1.0), flip_p=0.0, jitter_p=0.0, gray_p=0.0)
    kw = dict(epochs=1, profile=get_profile("smoke"), batch_size=16, progress=False, norm="gn", head_norm="gn",
              proj_hidden=32, proj_dim=16, augment=fixed, online_probe=False)
    (tmp_path / "one").mkdir(), (tmp_path / "two").mkdir()
    pretrain(SimCLR, data, None, tmp_path / "run1", callbacks=[FirstLoss(tmp_path / "one")], **kw)
    forkserver()  # Lightning's forkserver is tests/harness.py's: its children have imported torch and sslkit
    two = pretrain(SimCLR, data, None, tmp_path / "run2", devices=2, strategy=DDPStrategy(start_method="forkserver"),
                   callbacks=[FirstLoss(tmp_path / "two")], **kw)
    single = float((tmp_path / "one" / "loss0.txt").read_text())
    per_rank = [float((tmp_path / "two" / f"loss{r}.txt").read_text()) for r in range(2)]
    assert sum(per_rank) / 2 == pytest.approx(single, rel=1e-5)
    assert per_rank[0] != pytest.approx(per_rank[1], rel=1e-4)  # each process saw its own half
    assert json.loads((tmp_path / "run2" / "run.json").read_text())["devices"] == 2
    assert (tmp_path / "run2" / "checkpoints" / "last.ckpt").is_file() and two.report.epochs == 1
