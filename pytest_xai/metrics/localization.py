"""Localisation metrics: Pointing Game (TorchRay) and WSL / MaxBoxAcc (wsolevaluation)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Callable

from pytest_xai.scaling import scaled

from .base import Metric, check_inputs

if TYPE_CHECKING:
    import numpy as np
    from torch import Tensor


def argmax_points(maps: Tensor) -> Tensor:
    """Per map, the (x, y) of its first maximum in row-major order: LongTensor [B, 2]."""
    import torch

    w = maps.shape[-1]
    flat = maps.reshape(maps.shape[0], -1).argmax(dim=1)
    return torch.stack((flat % w, flat // w), dim=1)


def box_iou(a: Tensor, b: Tensor) -> Tensor:
    """IoU of boxes (x0, y0, x1, y1) with inclusive pixel coordinates (areas count +1 per side).

    Broadcasts over leading dimensions; returns float64.
    """
    import torch

    a, b = a.long(), b.long()
    iw = (torch.minimum(a[..., 2], b[..., 2]) - torch.maximum(a[..., 0], b[..., 0]) + 1).clamp(min=0)
    ih = (torch.minimum(a[..., 3], b[..., 3]) - torch.maximum(a[..., 1], b[..., 1]) + 1).clamp(min=0)
    inter = iw * ih
    area_a = (a[..., 2] - a[..., 0] + 1) * (a[..., 3] - a[..., 1] + 1)
    area_b = (b[..., 2] - b[..., 0] + 1) * (b[..., 3] - b[..., 1] + 1)
    return inter.double() / (area_a + area_b - inter).double()


@dataclasses.dataclass(frozen=True)
class PointingGame(Metric):
    """Pointing Game, as TorchRay ``torchray/benchmark/pointing_game.py`` (``PointingGame``).

    The point is the map's first maximum in row-major order (TorchRay
    ``examples/attribution_benchmark.py::_saliency_to_point``, ``torch.argmax`` of the
    flattened map). The image scores 1.0 (hit) if some pixel of the ground-truth box lies
    at Euclidean distance *strictly less* than ``tolerance`` from the point (TorchRay:
    ``(v + u) < tolerance**2``), else 0.0; so a point exactly ``tolerance`` px from the
    box misses, and ``tolerance=1`` means "the point itself is in the box".
    ``tolerance=None`` scales TorchRay's 15 px at 224 px: ``round(15 * side / 224)``
    (at least 1; ``side = sqrt(H*W)``). A constant map points at pixel (0, 0), as in
    TorchRay, and is scored like any other point.

    ``aggregate`` is TorchRay's ``accuracy``: the mean over classes of per-class hit rates,
    taken over the classes present in ``targets``.
    """

    tolerance: int | None = None

    name = "pointing_game"
    higher_is_better = True
    bounds = (0.0, 1.0)
    tags = ("localization",)

    def __post_init__(self) -> None:
        if self.tolerance is not None and self.tolerance < 1:
            raise ValueError("tolerance must be >= 1 (0 would accept no pixel at all)")

    def tolerance_for(self, h: int, w: int) -> int:
        """The tolerance in pixels used for an h x w image."""
        if self.tolerance is not None:
            return self.tolerance
        return max(1, round(scaled(15, h, w)))

    def score(self, model: Callable[[Tensor], Tensor], images: Tensor, targets: Tensor,
              maps: Tensor, boxes: Tensor) -> Tensor:
        import torch

        _, h, w = check_inputs(images, maps, boxes)
        points = argmax_points(maps)
        boxes = boxes.to(points.device).long()
        # The box pixel nearest to an integer point is the point clamped into the box.
        dx = torch.maximum(boxes[:, 0] - points[:, 0], points[:, 0] - boxes[:, 2]).clamp(min=0)
        dy = torch.maximum(boxes[:, 1] - points[:, 1], points[:, 1] - boxes[:, 3]).clamp(min=0)
        hit = dx**2 + dy**2 < self.tolerance_for(h, w) ** 2
        return hit.float().cpu()

    def aggregate(self, scores: Tensor, targets: Tensor) -> float:
        import torch

        targets = targets.to(scores.device).long()
        hits = torch.bincount(targets, weights=scores.double())
        counts = torch.bincount(targets)
        present = counts > 0
        return float((hits[present] / counts[present]).mean())


@dataclasses.dataclass(frozen=True)
class WSL(Metric):
    """Weakly-supervised localisation: MaxBoxAcc (V1) of Choe et al. 2020, exactly as
    clovaai/wsolevaluation computes it (``inference.py::normalize_scoremap``,
    ``evaluation.py::compute_bboxes_from_scoremaps`` with ``multi_contour_eval=False``,
    ``calculate_multiple_iou``, ``BoxEvaluator``), one ground-truth box per image.

    Per image: the map is min-max normalised in float32 (a constant or NaN map becomes all
    zeros) and quantised as ``q = uint8(255 * map)`` (truncation). For each threshold ``t``
    in ``numpy.arange(0, 1, cam_curve_interval)`` the foreground is ``q > int(t * max(q))``
    (cv2 ``THRESH_BINARY``); of its OpenCV contours (``CHAIN_APPROX_SIMPLE``; the reference's
    ``RETR_TREE`` gives the same largest contour as the ``RETR_EXTERNAL`` used here)
    the one with the largest ``cv2.contourArea`` (polygon area; the first among ties) gives
    the box ``(x, y, min(x + w, W - 1), min(y + h, H - 1))`` from ``cv2.boundingRect``: one
    pixel wider and taller than the component, as the reference. No contour gives
    ``(0, 0, 0, 0)``. The box is correct if its IoU with the ground truth (inclusive pixel
    areas, as ``calculate_multiple_iou``) is ``>= iou_threshold``.

    The dataset score is the best threshold's accuracy (MaxBoxAcc; ties: the lowest
    threshold); per-image scores are the correctness at that threshold, so ``aggregate``
    (the mean) is MaxBoxAcc. ``cam_curve_interval`` is wsolevaluation's default, 0.001
    (the paper names the framework and IoU 0.5, not an interval).
    """

    iou_threshold: float = 0.5
    cam_curve_interval: float = 0.001

    name = "wsl"
    higher_is_better = True
    bounds = (0.0, 1.0)
    tags = ("localization",)

    def thresholds(self) -> Tensor:
        """The CAM thresholds of the sweep (float64), as ``numpy.arange(0, 1, interval)``."""
        import numpy as np
        import torch

        return torch.from_numpy(np.arange(0, 1, self.cam_curve_interval))

    def predict_boxes(self, maps: Tensor) -> Tensor:
        """Predicted boxes per image and threshold: LongTensor [B, T, 4] on the maps' device.

        OpenCV has no batched contour search, so this loops over images in Python, and
        finds the contours once per distinct foreground ``q > cut``, not once per threshold
        (1000 of them by default): the cuts ``int(t * max(q))`` of a uint8 map are at most
        256, and two cuts with no value of ``q`` between them cut out the same pixels (a
        gradient map of the mini zoo has ~130 distinct foregrounds). Maps that quantise
        alike (a method-free reference map is the same on every image) are swept once.
        """
        import hashlib

        import numpy as np
        import torch

        thresholds = self.thresholds().numpy()
        quantised = _quantise(maps.detach().float().cpu().numpy())
        out = np.empty((len(quantised), len(thresholds), 4), dtype=np.int64)
        swept: dict[bytes, np.ndarray] = {}
        for i, q in enumerate(quantised):
            key = hashlib.blake2b(q.tobytes(), digest_size=16).digest()
            if key not in swept:
                cuts = (thresholds * int(q.max())).astype(np.int64)  # int() of a non-negative float
                # the first value of q above each cut names its foreground
                foreground = np.searchsorted(np.unique(q), cuts, side="right")
                _, first, index = np.unique(foreground, return_index=True, return_inverse=True)
                swept[key] = np.stack([_largest_contour_box(q, int(cut)) for cut in cuts[first]])[index]
            out[i] = swept[key]
        return torch.from_numpy(out).to(maps.device)

    def sweep(self, maps: Tensor, boxes: Tensor) -> Tensor:
        """Correctness per image and threshold: BoolTensor [B, T] on CPU."""
        predicted = self.predict_boxes(maps)
        iou = box_iou(predicted, boxes.to(predicted.device)[:, None, :])
        return (iou >= self.iou_threshold).cpu()

    def best_threshold(self, maps: Tensor, boxes: Tensor) -> float:
        """The threshold of the best dataset accuracy (the lowest one among ties)."""
        return float(self.thresholds()[self.sweep(maps, boxes).double().mean(0).argmax()])

    def score(self, model: Callable[[Tensor], Tensor], images: Tensor, targets: Tensor,
              maps: Tensor, boxes: Tensor) -> Tensor:
        check_inputs(images, maps, boxes)
        correct = self.sweep(maps, boxes)
        return correct[:, correct.double().mean(0).argmax()].float()


def _quantise(maps: np.ndarray) -> np.ndarray:
    """wsolevaluation's ``normalize_scoremap`` then ``(scoremap * 255).astype(np.uint8)``,
    per map of float32 [B, H, W]: uint8 [B, H, W]."""
    import numpy as np

    out = np.zeros(maps.shape, dtype=np.uint8)
    for i, cam in enumerate(maps):
        if np.isnan(cam).any() or cam.min() == cam.max():
            continue
        cam = cam - cam.min()
        cam /= cam.max()
        out[i] = (cam * 255).astype(np.uint8)
    return out


def _largest_contour_box(q: np.ndarray, cut: int) -> np.ndarray:
    """The reference's box for foreground ``q > cut``: boundingRect of the largest-area contour."""
    import cv2
    import numpy as np

    h, w = q.shape
    foreground = np.where(q > cut, 255, 0).astype(np.uint8)
    # The reference asks for RETR_TREE; RETR_EXTERNAL finds the same largest contour 3x
    # faster: a hole's contour lies inside its component's outer contour, which comes first,
    # so it never wins `max`, and the outer contours come in the same order (the test
    # compares with a RETR_TREE transcription of the reference).
    contours = cv2.findContours(foreground, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0]
    if not contours:
        return np.zeros(4, dtype=np.int64)
    x, y, bw, bh = cv2.boundingRect(max(contours, key=cv2.contourArea))
    return np.array([x, y, min(x + bw, w - 1), min(y + bh, h - 1)], dtype=np.int64)
