"""Gradient-based methods: plain Gradient (Simonyan et al. 2014), via TorchRay."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pytest_xai.methods.base import Method

if TYPE_CHECKING:
    import torch

    from pytest_xai.models.spec import LoadedModel


@dataclass(frozen=True)
class Gradient(Method):
    """|d logit_target / d input|, max over colour channels (TorchRay ``gradient``,
    the implementation the paper used)."""

    name: ClassVar[str] = "gradient"
    group: ClassVar[str] = "gradient"

    def explain(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                seed: int) -> "torch.Tensor":
        import torch
        from torchray.attribution.gradient import gradient

        with torch.enable_grad():
            inputs = images.detach().clone().requires_grad_(True)
            saliency = gradient(model.net, inputs, targets)
        return saliency[:, 0].detach()
