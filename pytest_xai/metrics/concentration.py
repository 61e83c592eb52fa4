"""How concentrated a map is: the Gini index of its absolute values, the sharpness measure by
which Wang, Fredrikson & Datta 2021 find robust models' attributions more concentrated."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Callable

from .base import Metric, check_inputs

if TYPE_CHECKING:
    from torch import Tensor


@dataclasses.dataclass(frozen=True)
class Concentration(Metric):
    """Gini index of ``|map|`` over its pixels (Hurley & Rickard 2009): with the values sorted
    ascending, c_1 <= ... <= c_n, and s = c_1 + ... + c_n > 0,
    ``G = 1 - 2 * sum_k (c_k / s) * (n - k + 1/2) / n``: 0 for a constant map (the mass
    spread evenly), 1 - 1/n for a map with one non-zero pixel. An all-zero map scores 0.
    It reads the map alone (written here: captum, scipy and the attribution libraries
    have no Gini index), so it is invariant to rescaling and to the model.
    """

    name = "concentration"
    higher_is_better = True
    bounds = (0.0, 1.0)
    tags = ("concentration",)

    def score(self, model: Callable[[Tensor], Tensor], images: Tensor, targets: Tensor,
              maps: Tensor, boxes: Tensor) -> Tensor:
        import torch

        b, _, _ = check_inputs(images, maps)
        values = maps.detach().abs().reshape(b, -1).double().sort(dim=1).values
        n = values.shape[1]
        k = torch.arange(1, n + 1, dtype=torch.float64, device=values.device)
        total = values.sum(dim=1)
        gini = 1 - 2 * (values * (n - k + 0.5) / n).sum(dim=1) / total.clamp_min(torch.finfo(torch.float64).tiny)
        return torch.where(total > 0, gini, torch.zeros_like(gini)).clamp(0.0, 1.0).float().cpu()
