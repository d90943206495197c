"""Issue 26 / machine check, 2026-12-02 (see bench/RESULTS.md, 'Costs and causes behind issue 26')."""
import torch
from sslkit.methods import SimCLR
from sslkit.training.flops import synthetic_batch
res = {}
for n in (1, 2, 1):
    torch.set_num_threads(n)
    torch.manual_seed(0)
    m = SimCLR(width=0.125, proj_hidden=64, proj_dim=32)
    m.train()
    b = synthetic_batch(m, 64, "cpu")
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    for _ in range(3):
        torch.manual_seed(1)
        loss = m.step(b).loss; loss.backward(); opt.step(); opt.zero_grad()
    res.setdefault(n, []).append(torch.cat([p.detach().flatten() for p in m.parameters()]))
print("1 vs 1:", (res[1][0]-res[1][1]).abs().max().item(), " 1 vs 2:", (res[1][0]-res[2][0]).abs().max().item())
