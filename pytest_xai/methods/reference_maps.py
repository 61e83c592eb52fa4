"""Method-free reference maps that every cell is compared with (never registered as
methods): a centred Gaussian for localization metrics (the "centre Gaussian" of Choe
et al. 2020, which the paper cites) and a uniformly random map for the other metrics
(Insertion, Deletion, concentration).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pytest_xai.methods.base import Method, image_seed

if TYPE_CHECKING:
    import torch
    from torch import Tensor

    from pytest_xai.benchmarks.base import LoadedModel


def centred_gaussian(h: int, w: int, sigma: float | None = None,
                     device: torch.device | str | None = None) -> Tensor:
    """Isotropic Gaussian centred on the image, ``exp(-d^2 / (2 sigma^2))``: float32 [h, w].

    The centre is ((w - 1) / 2, (h - 1) / 2) in pixel coordinates. Choe et al. 2020 (the
    "centre Gaussian" baseline of wsolevaluation) state no sigma; the default is
    ``sqrt(h * w) / 4``. Under the Pointing Game (argmax) and MaxBoxAcc (a sweep of
    thresholds on the min-max normalised map) any isotropic map decreasing with distance
    gives the same centre point and the same nested family of centred discs; sigma only
    decides which threshold yields which disc, and side/4 lets the threshold sweep span
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


@dataclass(frozen=True)
class CentredGaussian(Method):
    """The same centred Gaussian map for every image (``centred_gaussian``)."""

    name: ClassVar[str] = "centred_gaussian"
    group: ClassVar[str] = "baseline"

    def explain(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                seed: int) -> "torch.Tensor":
        b, _, h, w = images.shape
        return centred_gaussian(h, w).to(images.device).expand(b, h, w).clone()


@dataclass(frozen=True)
class UniformRandom(Method):
    """An i.i.d. uniform map per image, seeded by (run seed, the image's bytes) so an
    image gets the same map in any batch."""

    name: ClassVar[str] = "uniform_random"
    group: ClassVar[str] = "baseline"

    def explain(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                seed: int) -> "torch.Tensor":
        import torch

        maps = []
        for image in images:
            maps.append(uniform_random(1, image.shape[1], image.shape[2], seed=image_seed(image, seed))[0])
        return torch.stack(maps).to(images.device)


def reference_for(metric_tags: tuple[str, ...]) -> Method:
    """The reference map a metric's cells are compared with."""
    return CentredGaussian() if "localization" in metric_tags else UniformRandom()
