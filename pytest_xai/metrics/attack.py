"""Interpretation discrepancy under attack (Boopathy et al. 2020): how much a map changes
when an adversarial perturbation is added to the image.

For each image the paper's evaluation attack (PGD-L2, eps 3.0 at 224 px scaled to the
image, 7 steps; ``pytest_xai.attacks``) perturbs x into x'; the method then explains x'
for the true class, as it explained x. Two measures of the change: the l1 distance of the
two maps normalised to unit mass, and the top-k intersection of their most important
pixels. Boopathy et al.'s discrepancy averages this true-class term with the same term for
the class the attack reached; only the true-class term is computed here. ``attack_success``
says per image whether the attack changed the prediction. Every image is scored, flipped or
not, so the two models of a pair are compared under the same attack budget; the success
rate says how many of the pairs are adversarial examples.

The attack is deterministic (it starts from the clean image), so the three metrics see the
same x' for a model; each computes it again (7 gradient steps, little next to the maps).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Callable, ClassVar

from pytest_xai.metrics.base import Metric, check_inputs

if TYPE_CHECKING:
    from torch import Tensor

    from pytest_xai.benchmarks.base import LoadedModel


def attacked(model: "LoadedModel", images: "Tensor", targets: "Tensor", batch_size: int) -> tuple["Tensor", "Tensor"]:
    """The attacked images in [0, 1] pixels and, per image, whether the prediction changed
    (from the true class, or from what the model predicted when it was already wrong);
    ``batch_size`` images at a time."""
    import torch

    from pytest_xai.attacks import evaluation_attack

    adversarial, changed = [], []
    for lo in range(0, len(images), batch_size):
        x, t = images[lo:lo + batch_size], targets[lo:lo + batch_size]
        x01 = model.denormalize(x)
        with torch.enable_grad():
            x_adv = evaluation_attack(model.net, x01, t, model.spec.mean, model.spec.std)
        with torch.no_grad():
            changed.append(model(model.normalize(x_adv)).argmax(1) != model(x).argmax(1))
        adversarial.append(x_adv)
    return torch.cat(adversarial), torch.cat(changed)


def unit_mass(maps: "Tensor") -> "Tensor":
    """|map| / sum |map| per image, [B, H*W] float64; an all-zero map becomes uniform."""
    import torch

    mass = maps.detach().abs().flatten(1).double()
    total = mass.sum(1, keepdim=True)
    uniform = torch.full_like(mass, 1.0 / mass.shape[1])
    return torch.where(total > 0, mass / total.clamp_min(torch.finfo(torch.float64).tiny), uniform)


def l1_discrepancy(clean: "Tensor", adversarial: "Tensor") -> "Tensor":
    """Per image, the l1 distance of the two maps normalised to unit mass: 0 (same) to 2 (disjoint)."""
    return (unit_mass(clean) - unit_mass(adversarial)).abs().sum(1).float().cpu()


def top_k_intersection(clean: "Tensor", adversarial: "Tensor", k: int) -> "Tensor":
    """Per image, the share of the k pixels of largest |map| that the two maps have in common.
    Only pixels with |map| > 0 count as top pixels, since zero pixels are tied in no order: a
    map with fewer than k non-zero pixels (a rectified CAM) has a smaller top set, and the
    share is of the larger of the two sets (the same map: 1). A constant map ranks no pixel
    above another: two constant maps count as unchanged (1), one as sharing nothing (0)."""
    import torch

    a, b = clean.detach().abs().flatten(1), adversarial.detach().abs().flatten(1)
    top_a, top_b = a.topk(k, dim=1), b.topk(k, dim=1)
    kept_a, kept_b = top_a.values > 0, top_b.values > 0
    in_b = (top_a.indices[:, :, None] == top_b.indices[:, None, :]) & kept_b[:, None, :]
    shared = (in_b.any(2) & kept_a).sum(1).double()
    size = torch.maximum(kept_a.sum(1), kept_b.sum(1)).clamp(min=1).double()
    constant_a = a.amax(1) == a.amin(1)
    constant_b = b.amax(1) == b.amin(1)
    share = torch.where(constant_a | constant_b, (constant_a & constant_b).double(), shared / size)
    return share.float().cpu()


def _attack_code() -> str:
    """The code and the constants every attack metric's scores depend on."""
    from pytest_xai import attacks
    from pytest_xai.store import source_digest

    return "".join(source_digest(f) for f in (attacked, attacks.evaluation_attack, attacks.evaluation_eps,
                                               attacks.pgd_l2)) + repr((attacks.EVAL_EPS_224, attacks.EVAL_STEP_224,
                                                                        attacks.EVAL_STEPS))


@dataclasses.dataclass(frozen=True)
class _UnderAttack(Metric):
    """What the two discrepancy metrics share: the tag, the explainer, the attacked maps.

    - ``batch_size``: images attacked at a time.
    """

    tags: ClassVar[tuple[str, ...]] = ("attack",)
    needs_explainer: ClassVar[bool] = True
    batch_size: int = 64

    def code_digest(self) -> str:
        from pytest_xai.store import source_digest

        return (source_digest(type(self)) + source_digest(_UnderAttack) + _attack_code()
                + source_digest(unit_mass) + source_digest(l1_discrepancy) + source_digest(top_k_intersection))

    def _maps_under_attack(self, model: "LoadedModel", images: "Tensor", targets: "Tensor", maps: "Tensor",
                           boxes: "Tensor", explain: Callable[..., "Tensor"] | None) -> "Tensor":
        """The method's maps of the attacked images (for the true class)."""
        check_inputs(images, maps, boxes)
        if explain is None:
            raise ValueError(f"the {self.name} metric needs the method: the engine passes "
                             "explain(model, images01) -> maps")
        adversarial, _ = attacked(model, images, targets, self.batch_size)
        adversarial_maps = explain(model, adversarial)
        if adversarial_maps.shape != maps.shape:
            raise ValueError(f"maps of the attacked images are {tuple(adversarial_maps.shape)}, expected "
                             f"{tuple(maps.shape)}")
        return adversarial_maps


@dataclasses.dataclass(frozen=True)
class AttackDiscrepancyL1(_UnderAttack):
    """l1 distance between the maps of x and of the attacked x', each normalised to unit mass
    (|map| / sum |map|); 0 to 2, lower is better (the map resists the attack)."""

    name: ClassVar[str] = "discrepancy_l1"
    higher_is_better: ClassVar[bool] = False
    bounds: ClassVar[tuple[float, float]] = (0.0, 2.0)

    def score(self, model: "LoadedModel", images: "Tensor", targets: "Tensor", maps: "Tensor", boxes: "Tensor",
              explain: Callable[..., "Tensor"] | None = None) -> "Tensor":
        return l1_discrepancy(maps, self._maps_under_attack(model, images, targets, maps, boxes, explain))


@dataclasses.dataclass(frozen=True)
class AttackTopK(_UnderAttack):
    """Top-k intersection of the maps of x and of the attacked x' (Ghorbani et al. 2019's
    measure, which Boopathy et al. report): the share of the k most important pixels they
    share; 0 to 1, higher is better.

    - ``k_share``: k as a share of the image's pixels; 0.02 is Ghorbani et al.'s k = 1000
      of 224 x 224 pixels.
    """

    name: ClassVar[str] = "discrepancy_topk"
    higher_is_better: ClassVar[bool] = True
    bounds: ClassVar[tuple[float, float]] = (0.0, 1.0)
    k_share: float = 0.02

    def __post_init__(self) -> None:
        if not 0 < self.k_share <= 1 or self.batch_size < 1:
            raise ValueError(f"k_share must be in (0, 1] and batch_size >= 1, got {self.k_share}, {self.batch_size}")

    def score(self, model: "LoadedModel", images: "Tensor", targets: "Tensor", maps: "Tensor", boxes: "Tensor",
              explain: Callable[..., "Tensor"] | None = None) -> "Tensor":
        adversarial_maps = self._maps_under_attack(model, images, targets, maps, boxes, explain)
        k = max(1, round(self.k_share * maps.shape[1] * maps.shape[2]))
        return top_k_intersection(maps, adversarial_maps, k)


@dataclasses.dataclass(frozen=True)
class AttackSuccess(Metric):
    """1 where the evaluation attack changed the model's prediction, else 0: the share of the
    discrepancy metrics' image pairs that are adversarial examples. It reads neither the map
    nor the method, so every method of a model gets the same scores (and no reference map);
    lower means a model that resists the attack.

    - ``batch_size``: images attacked at a time.
    """

    name: ClassVar[str] = "attack_success"
    higher_is_better: ClassVar[bool] = False
    bounds: ClassVar[tuple[float, float]] = (0.0, 1.0)
    tags: ClassVar[tuple[str, ...]] = ("attack",)
    reads_maps: ClassVar[bool] = False
    batch_size: int = 64

    def code_digest(self) -> str:
        from pytest_xai.store import source_digest

        return source_digest(type(self)) + _attack_code()

    def score(self, model: "LoadedModel", images: "Tensor", targets: "Tensor", maps: "Tensor",
              boxes: "Tensor") -> "Tensor":
        check_inputs(images, maps, boxes)
        return attacked(model, images, targets, self.batch_size)[1].float().cpu()
