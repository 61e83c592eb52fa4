"""Sanity checks for saliency maps (Adebayo et al. 2018): does a map depend on the model?

An explainer that returns an edge map of the image can score well on localization while
ignoring the network. The model parameter randomization test catches it: re-initialise
the network's weights and see whether the map changes. Here the per-image score is the
Spearman rank correlation of |map| between the trained model and the same architecture
with every layer re-initialised (the test's "full randomization" end point, its rank
correlation of absolute values); lower is better, a method that ignores the model scores 1.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Callable, ClassVar

from pytest_xai.metrics.base import Metric, check_inputs

if TYPE_CHECKING:
    import torch
    from torch import Tensor, nn

    from pytest_xai.benchmarks.base import LoadedModel


def randomized(net: "nn.Module", seed: int) -> "nn.Module":
    """A copy of ``net`` with every parameter re-initialised, drawn on the CPU from ``seed``
    so that every device gets the same weights: each module's own ``reset_parameters`` (or
    ``_reset_parameters``, as ``nn.MultiheadAttention`` names it: PyTorch's default
    initialisation; batch norms back to weight 1, bias 0 and unit running statistics), and
    the parameters of modules without one (a ViT's class token, position embedding)
    re-drawn from a normal of their trained tensor's mean and standard deviation."""
    import copy

    import torch

    device = next(net.parameters()).device
    clone = copy.deepcopy(net).cpu()
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)       # the CPU generator alone: CUDA's is left as it was
        for module in clone.modules():
            reset = getattr(module, "reset_parameters", None) or getattr(module, "_reset_parameters", None)
            if callable(reset):
                reset()
            else:
                with torch.no_grad():
                    for param in module.parameters(recurse=False):
                        std = float(param.std()) if param.numel() > 1 else 0.0
                        param.normal_(float(param.mean()), std or 0.02)
    return clone.to(device).eval()


def rank_correlation(trained: "torch.Tensor", random: "torch.Tensor") -> float:
    """Spearman's rho of two flattened maps (average ranks for ties). Where rho is undefined,
    a constant map: 1 when both are constant (the map did not change with the weights), 0
    when only one is (one of them has no ranking to share)."""
    from scipy.stats import spearmanr

    x, y = trained.flatten().double().cpu().numpy(), random.flatten().double().cpu().numpy()
    x_constant, y_constant = x.min() == x.max(), y.min() == y.max()
    if x_constant or y_constant:
        return 1.0 if x_constant and y_constant else 0.0
    return float(spearmanr(x, y).statistic)


@dataclasses.dataclass(frozen=True)
class ModelRandomization(Metric):
    """Spearman rank correlation of |map| between the trained and the fully randomised model.

    - ``seed``: seed of the re-initialisation (the same randomised model for every method).
      Not 0: a model built after ``torch.manual_seed(0)`` and left untrained (the ``smoke``
      models) would be re-initialised to its own weights.

    The metric asks the engine for the method's maps of the randomised model on the same
    images (``explain``), so each cell computes its maps twice; that is why ``--xai-metrics``
    leaves the ``sanity`` metrics out unless they are named (or ``all`` is given).
    Adebayo et al. also randomise cascading from the top layer and report SSIM; this
    metric is the end point of the cascade under their rank correlation of absolute values.
    """

    name: ClassVar[str] = "randomization"
    higher_is_better: ClassVar[bool] = False
    bounds: ClassVar[tuple[float, float]] = (-1.0, 1.0)
    tags: ClassVar[tuple[str, ...]] = ("sanity",)
    needs_explainer: ClassVar[bool] = True
    seed: int = 2018

    def code_digest(self) -> str:
        """The class and the two functions its scores depend on."""
        from pytest_xai.store import source_digest

        return source_digest(type(self)) + source_digest(randomized) + source_digest(rank_correlation)

    def score(self, model: "LoadedModel", images: "Tensor", targets: "Tensor", maps: "Tensor", boxes: "Tensor",
              explain: Callable[..., "Tensor"] | None = None) -> "Tensor":
        import torch

        from pytest_xai.benchmarks.base import LoadedModel

        check_inputs(images, maps, boxes)
        if explain is None:
            raise ValueError("the randomization metric needs the method: the engine passes explain(model) -> maps")
        random_model = LoadedModel(spec=model.spec, net=randomized(model.net, self.seed), device=model.device)
        random_maps = explain(random_model)
        if random_maps.shape != maps.shape:
            raise ValueError(f"maps of the randomised model are {tuple(random_maps.shape)}, expected "
                             f"{tuple(maps.shape)}")
        return torch.tensor([rank_correlation(a.abs(), b.abs()) for a, b in zip(maps, random_maps)],
                            dtype=torch.float32)
