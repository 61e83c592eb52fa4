"""How well a model's input gradient points at its nearest decision boundary (Wang,
Fredrikson & Datta 2021: smooth boundaries, as robust models have, align the two)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, ClassVar

from pytest_xai.attacks import BOUNDARY_EPS_224, BOUNDARY_STEPS
from pytest_xai.metrics.base import Metric, check_inputs

if TYPE_CHECKING:
    from torch import Tensor

    from pytest_xai.benchmarks.base import LoadedModel


@dataclasses.dataclass(frozen=True)
class BoundaryAlignment(Metric):
    """Per image, the cosine between the gradient of the loss (cross-entropy of the true
    class) at x and the direction x_b - x to a point x_b near the closest decision boundary,
    both in [0, 1] pixel space; x_b is BIG's boundary search (``pytest_xai.attacks.closest_boundary``,
    the same budgets). 1: the steepest way up the loss leads straight to the boundary; a
    curved boundary turns the attack's path away from it. An image for which no budget
    changes the prediction has no boundary point and scores 0 (no alignment shown), which
    counts against a model too robust for the largest budget rather than for it.

    It reads neither the map nor the method: every method of a model gets the same scores
    (and no reference map).

    - ``attack_eps``: PGD-L2 budgets at 224 px, scaled to the image (BIG's).
    - ``attack_steps``: PGD steps per budget.
    - ``batch_size``: images attacked at a time.
    """

    name: ClassVar[str] = "boundary_alignment"
    higher_is_better: ClassVar[bool] = True
    bounds: ClassVar[tuple[float, float]] = (-1.0, 1.0)
    tags: ClassVar[tuple[str, ...]] = ("boundary",)
    reads_maps: ClassVar[bool] = False
    fast_caps: ClassVar[dict[str, int]] = {"attack_steps": 10}     # as BIG's
    attack_eps: tuple[float, ...] = BOUNDARY_EPS_224
    attack_steps: int = BOUNDARY_STEPS
    batch_size: int = 64

    def __post_init__(self) -> None:
        if not self.attack_eps or min(self.attack_eps) <= 0 or self.attack_steps < 1 or self.batch_size < 1:
            raise ValueError("attack_eps must be positive budgets, attack_steps and batch_size >= 1")

    def code_digest(self) -> str:
        from pytest_xai.attacks import boundary_code
        from pytest_xai.store import source_digest

        return source_digest(type(self)) + boundary_code()

    def score(self, model: "LoadedModel", images: "Tensor", targets: "Tensor", maps: "Tensor",
              boxes: "Tensor") -> "Tensor":
        import torch

        check_inputs(images, maps, boxes)
        return torch.cat([self._cosines(model, images[lo:lo + self.batch_size], targets[lo:lo + self.batch_size])
                          for lo in range(0, len(images), self.batch_size)])

    def _cosines(self, model: "LoadedModel", images: "Tensor", targets: "Tensor") -> "Tensor":
        import torch
        import torch.nn.functional as F

        from pytest_xai.attacks import boundary_points

        boundary, found = boundary_points(model, images, targets, self.attack_eps, self.attack_steps)
        images01 = model.denormalize(images).detach()
        with torch.enable_grad():
            inputs = images01.clone().requires_grad_(True)
            loss = F.cross_entropy(model(model.normalize(inputs)), targets, reduction="sum")
            (gradient,) = torch.autograd.grad(loss, inputs)
        cosine = F.cosine_similarity(gradient.flatten(1), (boundary - images01).flatten(1), dim=1, eps=1e-30)
        return torch.where(found, cosine, torch.zeros_like(cosine)).clamp(-1.0, 1.0).float().cpu()
