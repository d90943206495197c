"""BYOL with GroupNorm + weight standardization: are its outputs bunched already at initialization?

Issue 12 asks to rule out a set-up problem before blaming the method for the GN+WS collapse of
notebook 05. Builds BYOL at the cpu sweep size (width 1/8) with BatchNorm and with GN+WS, in
train mode, and for one augmented batch of 128 random images reports per representation
(h backbone, z projection, p prediction): the std over the batch of the L2-normalized vectors
(spread on the sphere; 1/√d when spread evenly) and the mean cosine of each vector to the
batch mean (1 = all the same direction).

    python bench/byol_gn_init.py
"""

import torch
import torch.nn.functional as F

from sslkit.methods import BYOL

x = torch.randint(0, 256, (128, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
print(f"{'norm':5s} {'out':3s} {'dim':>4s} {'std (normalized)':>17s} {'cos to mean':>12s}")
for norm in ("bn", "gn"):
    torch.manual_seed(0)
    m = BYOL(num_classes=10, width=0.125, norm=norm).train()
    with torch.no_grad():
        h = m.backbone(m.prepare(m.augment(x)))
        z = m.projector(h)
        p = m.predictor(z)
    for name, t in (("h", h), ("z", z), ("p", p)):
        spread = F.normalize(t.float(), dim=1).std(0).mean()
        cos = F.cosine_similarity(t, t.mean(0, keepdim=True)).mean()
        print(f"{norm:5s} {name:3s} {t.shape[1]:4d} {spread:17.4f} {cos:12.3f}")
