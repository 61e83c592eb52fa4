"""Causal metrics: Deletion and Insertion (Petsiuk et al. 2018, eclique/RISE ``evaluation.py``)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Callable

from pytest_xai.scaling import scaled

from .base import Metric, check_inputs

if TYPE_CHECKING:
    from torch import Tensor


def auc(curves: Tensor) -> Tensor:
    """Area under equally spaced curves over [0, 1] (trapezoid rule, last dim), as RISE ``auc``."""
    c = curves.double()
    return (c.sum(-1) - c[..., 0] / 2 - c[..., -1] / 2) / (c.shape[-1] - 1)


def gaussian_blur(images: Tensor, kernel_size: int, sigma: float) -> Tensor:
    """Per-channel blur with RISE's kernel, zero padding ``kernel_size // 2`` (same size out).

    The kernel is RISE ``gkern``: ``scipy.ndimage.gaussian_filter`` (mode 'reflect',
    truncate 4) of a centred delta on a ``kernel_size``-square grid; it is separable, so
    it is built as the outer product of the 1-D filter of a delta (a tiny CPU step).
    """
    import numpy as np
    import torch
    import torch.nn.functional as F
    from scipy import ndimage

    delta = np.zeros(kernel_size)
    delta[kernel_size // 2] = 1.0
    k1 = torch.from_numpy(ndimage.gaussian_filter1d(delta, sigma))
    kernel = torch.outer(k1, k1).to(device=images.device, dtype=images.dtype)
    c = images.shape[1]
    return F.conv2d(images, kernel.expand(c, 1, kernel_size, kernel_size),
                    padding=kernel_size // 2, groups=c)


@dataclasses.dataclass(frozen=True)
class CausalMetric(Metric):
    """Shared machinery of Deletion and Insertion (RISE ``CausalMetric``).

    Pixels are ranked by the map, descending; ties keep row-major order (a stable sort of
    the flattened map; RISE's ``np.flip(np.argsort(...))`` orders ties differently).
    ``step`` pixels change per step (``None``: RISE-paper 448 px at 224x224 scaled by area,
    ``round(448 * H * W / 224**2)``, at least 1); ``n_steps = ceil(H*W / step)``, the last
    step changing the remainder. ``max_steps`` (None: no cap) widens the step to
    ``ceil(H*W / max_steps)`` where there would be more steps. The fast profile caps the
    game at 56 steps where the paper's step gives 111 (64 px) or 112 (224 px); at those
    sizes the coarse step is twice the paper's, so its curve is every other point of the
    full one for half the model calls. On the mini zoo its AUCs differ from the full
    game's by 0.0004 (Insertion) and 0.0015 (Deletion) per image on average, with every
    model's ranking of the methods unchanged (``studies/causal_steps.py``); 28 steps
    lost a ranking. The curve holds the softmax probability of the target
    class before each step and after the last (``n_steps + 1`` points, all pixels
    changed at the end), and the score is its ``auc`` with equally spaced points, as RISE
    does even when the last step is shorter. RISE scores the model's top-1 class; we score
    ``targets``. All (image, step) inputs go through the model in batches of
    ``batch_size``, under ``torch.no_grad()``, on the images' device; put the model in
    eval mode first.
    """

    step: int | None = None
    max_steps: int | None = None
    batch_size: int = 256

    bounds = (0.0, 1.0)
    tags = ("causal",)
    fast_caps = {"max_steps": 56}

    def __post_init__(self) -> None:
        if any(v is not None and v < 1 for v in (self.step, self.max_steps)) or self.batch_size < 1:
            raise ValueError("step, max_steps and batch_size must be >= 1")

    def pixels_per_step(self, h: int, w: int) -> int:
        """Pixels changed per step for an h x w image."""
        step = self.step if self.step is not None else max(1, round(scaled(448, h, w, power=2)))
        return step if self.max_steps is None else max(step, -(-h * w // self.max_steps))

    def endpoints(self, images: Tensor) -> tuple[Tensor, Tensor]:
        """The images before the first step and after the last one."""
        raise NotImplementedError

    def curves(self, model: Callable[[Tensor], Tensor], images: Tensor, targets: Tensor,
               maps: Tensor, progress: Callable[[int, int], None] | None = None) -> Tensor:
        """Target-class probabilities along the game: float32 [B, n_steps + 1] on CPU;
        ``progress(done, B)`` after each batch of model calls."""
        import torch

        with torch.no_grad():
            b, h, w = check_inputs(images, maps)
            n = h * w
            step = self.pixels_per_step(h, w)
            points = -(-n // step) + 1
            device = images.device
            start, finish = self.endpoints(images)
            order = torch.sort(maps.to(device).reshape(b, n), dim=1, descending=True, stable=True).indices
            rank = torch.empty_like(order).scatter_(1, order, torch.arange(n, device=device).expand(b, n))
            targets = targets.to(device).long()
            out = torch.empty(b * points, dtype=torch.float32, device=device)
            for lo in range(0, b * points, self.batch_size):
                pair = torch.arange(lo, min(lo + self.batch_size, b * points), device=device)
                img, k = pair // points, pair % points
                changed = (rank[img] < (k * step)[:, None]).view(-1, 1, h, w)
                probs = model(torch.where(changed, finish[img], start[img])).float().softmax(dim=1)
                out[pair] = probs.gather(1, targets[img, None])[:, 0]
                if progress is not None:
                    progress((int(pair[-1]) + 1) // points, b)   # images whose curves are complete
            return out.view(b, points).cpu()

    reports_progress = True

    def score(self, model: Callable[[Tensor], Tensor], images: Tensor, targets: Tensor,
              maps: Tensor, boxes: Tensor, progress: Callable[[int, int], None] | None = None) -> Tensor:
        return auc(self.curves(model, images, targets, maps, progress)).float()


@dataclasses.dataclass(frozen=True)
class Deletion(CausalMetric):
    """Deletion (RISE ``CausalMetric(mode='del')``, ``substrate_fn=torch.zeros_like``): start
    from the image and replace its most important pixels (all channels) by zeros of the
    normalised input space, ``step`` at a time; score = AUC of the target probability.
    See ``CausalMetric`` for ranking, steps and AUC."""

    name = "deletion"
    higher_is_better = False

    def endpoints(self, images: Tensor) -> tuple[Tensor, Tensor]:
        import torch

        return images, torch.zeros_like(images)


@dataclasses.dataclass(frozen=True)
class Insertion(CausalMetric):
    """Insertion (RISE ``CausalMetric(mode='ins')``, ``substrate_fn=blur`` of RISE's
    ``Evaluation.ipynb``): start from a blurred copy of the (normalised) image and insert its
    most important pixels, ``step`` at a time; score = AUC of the target probability.
    See ``CausalMetric`` for ranking, steps and AUC.

    The blur is ``gaussian_blur`` (RISE ``gkern(11, 5)``, conv2d with zero padding 5) with
    ``blur_kernel = 2 * round(5 * side / 224) + 1`` and ``blur_sigma = 5 * side / 224``
    unless given (11 and 5 at 224 px). ``substrate="zeros"`` starts from zeros instead,
    the variant Nourelahi et al. 2022 describe in their text (Sec. 2.4).
    """

    blur_kernel: int | None = None
    blur_sigma: float | None = None
    substrate: str = "blur"

    name = "insertion"
    higher_is_better = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.blur_kernel is not None and (self.blur_kernel < 1 or self.blur_kernel % 2 == 0):
            raise ValueError("blur_kernel must be a positive odd integer")
        if self.blur_sigma is not None and self.blur_sigma <= 0:
            raise ValueError("blur_sigma must be > 0")
        if self.substrate not in ("blur", "zeros"):
            raise ValueError("substrate must be 'blur' or 'zeros'")

    def blur_params(self, h: int, w: int) -> tuple[int, float]:
        """(kernel size, sigma) of the blur for an h x w image."""
        kernel = self.blur_kernel if self.blur_kernel is not None else 2 * round(scaled(5, h, w)) + 1
        sigma = self.blur_sigma if self.blur_sigma is not None else scaled(5, h, w)
        return kernel, sigma

    def endpoints(self, images: Tensor) -> tuple[Tensor, Tensor]:
        import torch

        if self.substrate == "zeros":
            return torch.zeros_like(images), images
        return gaussian_blur(images, *self.blur_params(*images.shape[-2:])), images
