"""PGD under the L2 norm (Madry et al. 2018), in [0, 1] pixel space: the paper's evaluation
attack (Nourelahi et al. 2022, footnote 2) at any image size, and the search for a nearby
decision boundary of boundary attributions (Wang et al. 2021)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from pytest_xai.benchmarks.base import normalize
from pytest_xai.scaling import scaled

# The paper's evaluation attack at 224 px: PGD-L2, eps 3.0, step 0.5, 7 steps. An L2 norm grows
# with the square root of the pixel count, so the same per-pixel strength at side S is x S / 224.
EVAL_EPS_224 = 3.0
EVAL_STEP_224 = 0.5
EVAL_STEPS = 7
# The boundary search of BIG and of the boundary alignment metric: PGD-L2 budgets at 224 px,
# from below the evaluation eps to above it, so that robust models' farther boundaries are
# found too, and PGD steps per budget.
BOUNDARY_EPS_224 = (0.5, 1.0, 2.0, 3.0, 5.0, 8.0)
BOUNDARY_STEPS = 20

if TYPE_CHECKING:      # torch is imported where the attacks run, so that the constants stay light
    import torch
    from torch import nn

    from pytest_xai.benchmarks.base import LoadedModel


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
    import torch
    import torch.nn.functional as F

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


def evaluation_eps(h: int, w: int) -> tuple[float, float]:
    """The paper's evaluation eps and step size for images of ``h`` x ``w`` px."""
    return scaled(EVAL_EPS_224, h, w), scaled(EVAL_STEP_224, h, w)


def evaluation_attack(model: nn.Module, images01: torch.Tensor, labels: torch.Tensor, mean: Sequence[float],
                      std: Sequence[float]) -> torch.Tensor:
    """The paper's evaluation attack on ``images01`` (deterministic: it starts from the clean images)."""
    eps, step = evaluation_eps(images01.shape[-2], images01.shape[-1])
    return pgd_l2(model, images01, labels, eps, EVAL_STEPS, step, mean, std)


def closest_boundary(model: nn.Module, images01: torch.Tensor, labels: torch.Tensor, mean: Sequence[float],
                     std: Sequence[float], eps_list: Sequence[float], steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per image, a point near the closest decision boundary (the boundary search of Wang et
    al. 2021's BIG): PGD-L2 at each eps of ``eps_list`` in ascending order, keeping the point
    of the smallest eps at which the prediction leaves ``labels``; where none does, the point
    of the smallest eps (as their reference code keeps it). Returns the points and whether
    each left ``labels``. Madry's step size, 2.5 eps / steps; from the clean images, so
    deterministic."""
    import torch

    if not eps_list:
        raise ValueError("eps_list is empty")
    points = images01
    found = torch.zeros(len(images01), dtype=torch.bool, device=images01.device)
    for i, eps in enumerate(sorted(eps_list)):
        adversarial = pgd_l2(model, images01, labels, eps, steps, 2.5 * eps / steps, mean, std)
        with torch.no_grad():
            left = model(normalize(adversarial, mean, std)).argmax(1) != labels
        take = (left & ~found)[:, None, None, None]
        points = adversarial if i == 0 else torch.where(take, adversarial, points)
        found |= left
        if found.all():
            break
    return points, found


def boundary_points(model: LoadedModel, images: torch.Tensor, targets: torch.Tensor, eps_224: Sequence[float],
                    steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`closest_boundary` for ``model`` on ``images`` in its input space, with budgets
    given at 224 px scaled to the images' size: the search BIG and the boundary alignment share."""
    import torch

    h, w = images.shape[-2:]
    with torch.enable_grad():
        return closest_boundary(model.net, model.denormalize(images).detach(), targets, model.spec.mean,
                                model.spec.std, [scaled(e, h, w) for e in eps_224], steps)


def boundary_code() -> str:
    """A digest of the boundary search's code, for the store keys of what uses it."""
    from pytest_xai.store import source_digest

    return "".join(source_digest(f) for f in (boundary_points, closest_boundary, pgd_l2))
