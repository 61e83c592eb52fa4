"""Untrained tiny CNNs for the `smoke` benchmark (fixed random-seed weights).

``smoke-gap`` ends in global average pooling and one linear layer (CAM applies);
``smoke-flat`` flattens its features into the classifier (CAM does not apply).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import nn


def build(name: str, seed: int = 0) -> "nn.Module":
    """The module for ``smoke-gap`` or ``smoke-flat``, initialised from ``seed``."""
    import torch
    from torch import nn

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if name == "smoke-gap":
            net = nn.Sequential()
            net.add_module("features", nn.Sequential(
                nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU()))
            net.add_module("pool", nn.AdaptiveAvgPool2d(1))
            net.add_module("flatten", nn.Flatten())
            net.add_module("fc", nn.Linear(16, 3))
        elif name == "smoke-flat":
            net = nn.Sequential()
            net.add_module("features", nn.Sequential(
                nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, stride=2, padding=1), nn.ReLU()))
            net.add_module("flatten", nn.Flatten())
            net.add_module("fc", nn.Linear(8 * 8 * 8, 3))
        else:
            raise KeyError(f"no smoke model {name!r}")
    return net.eval()
