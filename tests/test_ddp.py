"""Under DDP (2 CPU processes, gloo): NT-Xent equals one process on the same global batch,
and DeviceLoader gives each process a disjoint slice of the data."""

import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from sslkit.data import DeviceLoader, ImageSet
from sslkit.losses import nt_xent

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
        out[f"labels{rank}"] = torch.cat([y for _, y in DeviceLoader(data, 4, drop_last=False, seed=3)])
    finally:
        dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def out():
    """Results of the two worker processes (spawned once: fork is unsafe after OpenMP starts)."""
    with mp.Manager() as manager:
        shared = manager.dict()
        mp.start_processes(worker, args=(free_port(), shared), nprocs=WORLD, start_method="spawn")
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
