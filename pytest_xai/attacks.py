"""PGD under the L2 norm (Madry et al. 2018), in [0, 1] pixel space."""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from pytest_xai.benchmarks.base import normalize


def _per_sample_norm(x: torch.Tensor) -> torch.Tensor:
    return x.flatten(1).norm(dim=1).clamp_min(1e-12).view(-1, *([1] * (x.ndim - 1)))


def pgd_l2(model: nn.Module, images01: torch.Tensor, labels: torch.Tensor, eps: float, steps: int,
           step_size: float, mean: Sequence[float], std: Sequence[float],
           generator: torch.Generator | None = None) -> torch.Tensor:
    """Adversarial images within L2 distance ``eps`` of ``images01``, clamped to [0, 1].

    Each step moves along the L2-normalised gradient of the cross-entropy loss, then
    projects back onto the eps-ball and the image box. The model is fed
    ``(x - mean) / std`` and is used in whatever mode it is in. With ``generator`` the
    attack starts from a random point of the ball, otherwise from the clean images.
    """
    images01 = images01.detach()
    delta = torch.zeros_like(images01)
    if generator is not None:
        noise = torch.randn(images01.shape, generator=generator, dtype=images01.dtype).to(images01.device)
        radius = torch.rand(len(images01), generator=generator, dtype=images01.dtype).to(images01.device)
        delta = noise / _per_sample_norm(noise) * eps * radius.view(-1, 1, 1, 1)
        delta = (images01 + delta).clamp(0, 1) - images01
    for _ in range(steps):
        delta.requires_grad_(True)
        loss = F.cross_entropy(model(normalize(images01 + delta, mean, std)), labels, reduction="sum")
        (grad,) = torch.autograd.grad(loss, delta)
        delta = delta.detach() + step_size * grad / _per_sample_norm(grad)
        delta = delta * (eps / _per_sample_norm(delta)).clamp(max=1.0)
        delta = (images01 + delta).clamp(0, 1) - images01
    return (images01 + delta).detach()
