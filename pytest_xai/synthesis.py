"""Images a classifier draws (Santurkar et al. 2019, the recipe Boychev 2023 uses to show what
robust models have learnt): **class images**, by gradient ascent on one class's log-probability
from noise, and **representation inversion**, by matching a test image's penultimate features
from noise. Robust models draw recognisable objects; vanilla ones, patterns only they respond
to. The objective is the robustness library's (its generation example descends the targeted
cross-entropy): raising the class's logit alone can raise every logit, and leaves the drawing
another class to the model itself. The image is the last iterate (the library can keep the
best one).

Both walk in [0, 1] pixel space by L2-normalised gradient steps (as PGD-L2 does), projected
onto an L2 ball around the starting noise and onto the image box. Budgets are stated at
224 px, as the robustness library's generation and inversion examples give them, and scaled
to the image (``pytest_xai.scaling``). The starting noise is coarse: uniform [0, 1] values on
an 8 x 8 grid, bilinearly upsampled (a class-free analogue of Santurkar et al.'s
low-resolution seeds); from per-pixel noise the 224-px budget cannot draw a shape over the
noise's own contrast. Each image's noise comes from its own seed, so an image does not
depend on the batch it is made in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

from pytest_xai.scaling import scaled

# Class images: the robustness library's generation example (eps 40, step 1, 60 steps at 224 px).
CLASS_EPS_224 = 40.0
CLASS_STEP_224 = 1.0
CLASS_STEPS = 60
# Inversion: the library's ball is unbounded in practice (eps 1000) and it takes 10000 steps;
# 200 steps of the same size reach a test image's features closely enough to show what they keep.
INVERSION_EPS_224 = 1000.0
INVERSION_STEP_224 = 1.0
INVERSION_STEPS = 200
NOISE_GRID = 8

if TYPE_CHECKING:
    import torch
    from torch import nn

    from pytest_xai.benchmarks.base import LoadedModel


def noise(shape: Sequence[int], seeds: Sequence[int]) -> "torch.Tensor":
    """Coarse noise images of ``shape`` ([C, H, W]) in [0, 1], one per seed: uniform values on a
    NOISE_GRID x NOISE_GRID grid, bilinearly upsampled."""
    import torch
    import torch.nn.functional as F

    c, h, w = shape
    grids = torch.stack([torch.rand((c, NOISE_GRID, NOISE_GRID), generator=torch.Generator().manual_seed(int(s)))
                         for s in seeds])
    return F.interpolate(grids, size=(h, w), mode="bilinear", align_corners=False).clamp(0.0, 1.0)


def _unit(x: "torch.Tensor") -> "torch.Tensor":
    return x / x.flatten(1).norm(dim=1).clamp_min(1e-12).view(-1, 1, 1, 1)


def _walk(start: "torch.Tensor", objective: "Callable[[torch.Tensor], torch.Tensor]", eps: float, step: float, steps: int) -> "torch.Tensor":
    """``steps`` normalised-gradient ascent steps on ``objective(x) -> [B]`` from ``start``,
    each projected onto the L2 ball of radius ``eps`` around ``start`` and onto [0, 1]."""
    import torch

    x = start.detach().clone()
    for _ in range(steps):
        x.requires_grad_(True)
        with torch.enable_grad():
            (grad,) = torch.autograd.grad(objective(x).sum(), x)
        delta = x.detach() + step * _unit(grad) - start
        delta = delta * (eps / delta.flatten(1).norm(dim=1).clamp_min(1e-12)).clamp(max=1.0).view(-1, 1, 1, 1)
        x = (start + delta).clamp(0.0, 1.0)
    return x.detach()


def class_images(model: "LoadedModel", classes: "torch.Tensor", seeds: Sequence[int], size: tuple[int, int],
                 eps_224: float = CLASS_EPS_224, step_224: float = CLASS_STEP_224,
                 steps: int = CLASS_STEPS, start: "torch.Tensor | None" = None) -> "torch.Tensor":
    """One image per entry of ``classes`` ([N] long), [N, 3, H, W] in [0, 1]: the noise of its
    seed (or ``start``, [N, 3, H, W]) moved up the class's log-probability within an L2 ball of
    ``eps_224`` (at 224 px, scaled)."""
    h, w = size
    start = (noise((3, h, w), seeds) if start is None else start).to(model.device)
    targets = classes.to(model.device)

    def log_probability(x: "torch.Tensor") -> "torch.Tensor":
        return model(model.normalize(x)).log_softmax(1).gather(1, targets[:, None])[:, 0]

    return _walk(start, log_probability, scaled(eps_224, h, w), scaled(step_224, h, w), steps).cpu()


def classifier_layer(net: "nn.Module") -> "nn.Module":
    """The network's last registered ``nn.Linear``, taken as its classifier: its input is the
    representation (the penultimate features)."""
    from torch import nn

    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError(f"{type(net).__name__} has no nn.Linear classifier whose input is its representation")
    return linears[-1]


def representation(model: "LoadedModel", images01: "torch.Tensor") -> "torch.Tensor":
    """The penultimate features [N, D] of ``images01`` (the input of the last linear layer)."""
    captured: list["torch.Tensor"] = []
    hook = classifier_layer(model.net).register_forward_hook(lambda _m, args, _out: captured.append(args[0]))
    try:
        model(model.normalize(images01))
    finally:
        hook.remove()
    if not captured:
        raise ValueError(f"the last nn.Linear of {type(model.net).__name__} is not used in its forward pass")
    return captured[-1].flatten(1)


def inversions(model: "LoadedModel", images01: "torch.Tensor", seeds: Sequence[int],
               eps_224: float = INVERSION_EPS_224, step_224: float = INVERSION_STEP_224,
               steps: int = INVERSION_STEPS) -> "torch.Tensor":
    """Per image of ``images01`` ([N, 3, H, W] in [0, 1]), the noise of its seed moved to match
    the image's penultimate features (descent on their relative L2 distance)."""
    import torch

    h, w = images01.shape[-2:]
    images01 = images01.to(model.device)
    with torch.no_grad():
        goal = representation(model, images01)
    scale = goal.norm(dim=1).clamp_min(1e-12)

    def closeness(x: "torch.Tensor") -> "torch.Tensor":
        return -(representation(model, x) - goal).norm(dim=1) / scale

    start = noise(images01.shape[1:], seeds).to(model.device)
    return _walk(start, closeness, scaled(eps_224, h, w), scaled(step_224, h, w), steps).cpu()
