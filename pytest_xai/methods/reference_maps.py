"""Method-free reference maps that every cell is compared with (never registered).

A centred Gaussian for localization metrics (the baseline of Choe et al. 2020 that
the paper cites) and a uniformly random map for Insertion/Deletion.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pytest_xai.methods.base import Method, image_seed

if TYPE_CHECKING:
    import torch

    from pytest_xai.models.spec import LoadedModel


@dataclass(frozen=True)
class CentredGaussian(Method):
    """The same centred Gaussian map for every image (``metrics.baselines.centred_gaussian``)."""

    name: ClassVar[str] = "centred_gaussian"
    group: ClassVar[str] = "baseline"

    def explain(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                seed: int) -> "torch.Tensor":
        from pytest_xai.metrics.baselines import centred_gaussian

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

        from pytest_xai.metrics.baselines import uniform_random

        maps = []
        for image in images:
            maps.append(uniform_random(1, image.shape[1], image.shape[2], seed=image_seed(image, seed))[0])
        return torch.stack(maps).to(images.device)


def reference_for(metric_tags: tuple[str, ...]) -> Method:
    """The reference map a metric's cells are compared with."""
    return CentredGaussian() if "localization" in metric_tags else UniformRandom()
