"""How much CPC's codes of one image share, beyond any two patches (issue 28, claim 3).

:func:`sslkit.training.mechanisms.code_similarity` on the first 1,000 cpu-profile test images:
the committed CPC reference (full context) against a CPC of the same settings at random init
(seed 0). The no-context and one-row runs of notebook 03 keep no weights, so they are measured
when they are trained again (their notebook then asks for this measure).

    SSLKIT_DATA=... python bench/cpc_codes.py
"""

import torch

from sslkit.methods import CPC
from sslkit.parts.data import cifar10
from sslkit.parts.profiles import get_profile
from sslkit.records.policy import LOAD, load_or_pretrain
from sslkit.training.mechanisms import code_similarity

profile = get_profile("cpu")
train, test = cifar10(profile)
trained, _ = load_or_pretrain(CPC, train, test, "cpc", mode=LOAD, profile=profile)
torch.manual_seed(0)
random_init = CPC(width=profile.width, num_classes=10)
images = test.images[:1000]
for name, model in (("trained (reference)", trained), ("random init", random_init)):
    r = code_similarity(model, images)
    print(f"{name:20s} within {r['within']:.3f}  across {r['across']:.3f}  excess {r['excess']:+.3f}")
