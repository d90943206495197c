"""Layer 2 of sslkit (imports parts only): one LightningModule per method. Each is short: it
says how a batch becomes a loss; :class:`~sslkit.methods.base.Method` holds the backbone, the online probe and the optimizer.

:data:`METHODS` is the fixed table of names a ``run.json`` may carry; :func:`method_class`
looks a name up there and nowhere else, and :func:`check_hparams` checks recorded settings
against that class's constructor before anything is built. A run folder is data (a download,
a shared Drive folder): nothing read from it chooses what code runs.
"""

from __future__ import annotations

import inspect

from sslkit.methods.base import Method, Step
from sslkit.methods.byol import BYOL
from sslkit.methods.cpc import CPC
from sslkit.methods.deepcluster import DeepCluster
from sslkit.methods.jigsaw import Jigsaw
from sslkit.methods.masked import MaskedPrediction
from sslkit.methods.rotnet import RotNet
from sslkit.methods.simclr import SimCLR
from sslkit.methods.supervised import Supervised
from sslkit.methods.swav import SwAV

__all__ = ["BYOL", "CPC", "DeepCluster", "Jigsaw", "METHODS", "MaskedPrediction", "Method", "RotNet", "SimCLR", "Step",
           "Supervised", "SwAV", "check_hparams", "method_class"]

# every name a run.json may carry → its class: the short name and the full one runs record
METHODS: dict[str, type[Method]] = {}
for _cls in (RotNet, Jigsaw, CPC, SimCLR, BYOL, DeepCluster, SwAV, MaskedPrediction, Supervised):
    METHODS[_cls.__name__] = METHODS[f"{_cls.__module__}.{_cls.__qualname__}"] = _cls


def method_class(method) -> type[Method]:
    """The :class:`Method` class for ``method``: a class (any subclass of Method, yours too) or a
    name from :data:`METHODS` ("SimCLR", "simclr", or "sslkit.methods.simclr.SimCLR" as a
    ``run.json`` records it). Any other value raises, listing the names."""
    if isinstance(method, type) and issubclass(method, Method):
        return method
    if isinstance(method, str):
        by_lower = {k.lower(): v for k, v in METHODS.items()}
        if method.lower() in by_lower:
            return by_lower[method.lower()]
        raise ValueError(f"Unknown method {method!r}: sslkit builds only its own methods, by name "
                         f"({', '.join(k for k in METHODS if '.' not in k)}) or as a class, e.g. sslkit.methods.SimCLR.")
    raise TypeError(f"Expected a method class such as sslkit.methods.SimCLR (or its name), got {type(method).__name__} "
                    f"{method!r}.")


def _type_ok(value, default) -> bool:
    if default is None:  # "use the backbone's / the method's choice": any plain value
        return value is None or isinstance(value, (bool, int, float, str, list, tuple))
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, (list, tuple)):
        return isinstance(value, (list, tuple)) and all(isinstance(v, (int, float, str, bool)) for v in value)
    return isinstance(value, type(default))


def method_defaults(method_cls) -> dict:
    """Default keyword arguments of ``method_cls`` and of every base class's ``__init__``."""
    defaults = {}
    for cls in reversed(method_cls.__mro__):
        init = cls.__dict__.get("__init__")
        if init is None:
            continue
        for name, prm in inspect.signature(init).parameters.items():
            if prm.default is not inspect.Parameter.empty:
                defaults[name] = prm.default
    return defaults


def check_hparams(cls: type[Method], hparams: dict, source: str = "run.json") -> dict:
    """``hparams`` as keyword arguments for ``cls``, after checking each against the constructor:
    an unknown key, or a value whose type differs from the default's (a string where a number
    belongs, a dict anywhere), raises ``ValueError`` naming ``source``, the key and the fix.
    ``augment`` is never read from a file (a run records it apart; the default is rebuilt)."""
    if not isinstance(hparams, dict):
        raise ValueError(f"{source}: 'hparams' must be a mapping of {cls.__name__}'s settings, got {type(hparams).__name__}.")
    defaults = method_defaults(cls)
    defaults.pop("augment", None)
    unknown = sorted(set(hparams) - set(defaults))
    if unknown:
        raise ValueError(f"{source}: {cls.__name__} takes no setting {', '.join(map(repr, unknown))} (it takes "
                         f"{', '.join(sorted(defaults))}). The file was edited or made by another version of sslkit; "
                         "use the run's original files (re-fetch or check out results/).")
    for key, value in hparams.items():
        if not _type_ok(value, defaults[key]):
            raise ValueError(f"{source}: {cls.__name__}'s {key!r} must be like its default {defaults[key]!r}, "
                             f"got {value!r}. The file was edited: use the run's original files.")
    return dict(hparams)
