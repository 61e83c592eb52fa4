"""Method-free maps: the centre-Gaussian baseline and uniform noise."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch
    from torch import Tensor


def centred_gaussian(h: int, w: int, sigma: float | None = None,
                     device: torch.device | str | None = None) -> Tensor:
    """Isotropic Gaussian centred on the image, ``exp(-d^2 / (2 sigma^2))``: float32 [h, w].

    The centre is ((w - 1) / 2, (h - 1) / 2) in pixel coordinates. Choe et al. 2020 (the
    "centre Gaussian" baseline of wsolevaluation) state no sigma; the default is
    ``sqrt(h * w) / 4``. Under the Pointing Game (argmax) and MaxBoxAcc (a sweep of
    thresholds on the min-max normalised map) any isotropic map decreasing with distance
    gives the same centre point and the same nested family of centred discs; sigma only
    decides which threshold yields which disc, and side/4 lets the 0..0.99 sweep span
    discs from a few pixels to the whole image.
    """
    import torch

    sigma = (h * w) ** 0.5 / 4 if sigma is None else sigma
    y = torch.arange(h, dtype=torch.float32, device=device) - (h - 1) / 2
    x = torch.arange(w, dtype=torch.float32, device=device) - (w - 1) / 2
    return torch.exp(-(y[:, None] ** 2 + x[None, :] ** 2) / (2 * sigma**2))


def uniform_random(b: int, h: int, w: int, seed: int,
                   device: torch.device | str | None = None) -> Tensor:
    """Uniform [0, 1) noise maps from a seeded CPU ``torch.Generator``: float32 [b, h, w]."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    return torch.rand(b, h, w, generator=generator).to(device)
