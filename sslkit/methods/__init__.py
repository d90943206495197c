"""One LightningModule per method. Each is short: it says how a batch becomes a loss;
:class:`~sslkit.methods.base.Method` holds the backbone, the online probe and the optimizer."""

from .base import Method, Step
from .byol import BYOL
from .cpc import CPC
from .deepcluster import DeepCluster
from .jigsaw import Jigsaw
from .rotnet import RotNet
from .simclr import SimCLR
from .supervised import Supervised
from .swav import SwAV

__all__ = ["BYOL", "CPC", "DeepCluster", "Jigsaw", "Method", "RotNet", "SimCLR", "Step", "Supervised", "SwAV"]
