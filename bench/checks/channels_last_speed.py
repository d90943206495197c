"""Issue 26 / machine check, 2026-12-02 (see bench/RESULTS.md, 'Costs and causes behind issue 26')."""
import time, torch
from sslkit.parts.backbones import build_backbone
torch.set_num_threads(1)
for w in (0.25, 0.125):
  for cl in (True, False, True, False):
    torch.manual_seed(0)
    net = build_backbone("resnet18", w)
    x = torch.rand(128, 3, 32, 32)
    if cl:
        net = net.to(memory_format=torch.channels_last); x = x.contiguous(memory_format=torch.channels_last)
    net(x).sum().backward()
    t = time.perf_counter()
    for _ in range(3): net(x).sum().backward()
    print(w, "cl" if cl else "contig", round(3*128/(time.perf_counter()-t), 1), "img/s")
