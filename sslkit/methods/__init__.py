"""One LightningModule per method. Each is short: it says how a batch becomes a loss;
:class:`~sslkit.methods.base.Method` holds the backbone, the online probe and the optimizer."""

from .base import Method
from .simclr import SimCLR
from .supervised import Supervised

__all__ = ["Method", "SimCLR", "Supervised"]
