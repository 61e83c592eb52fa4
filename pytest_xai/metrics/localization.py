"""Localisation metrics: Pointing Game (TorchRay) and WSL / MaxBoxAcc (wsolevaluation)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Callable

from .base import Metric, check_inputs, scaled

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
    """Weakly-supervised localisation, MaxBoxAcc of Choe et al. 2020, as wsolevaluation
    ``evaluation.py`` (``BoxEvaluator``, ``compute_bboxes_from_scoremaps``, ``calculate_multiple_iou``)
    with ``multi_contour_eval=False`` and one ground-truth box per image.

    Per image: the map is min-max normalised in float64 (a constant map becomes all zeros,
    ``inference.py::normalize_scoremap``), quantised as ``q = floor(255 * map)``; for each
    threshold ``t`` in ``numpy.arange(0, 1, cam_curve_interval)`` the foreground is
    ``q > floor(t * max(q))`` (cv2 ``THRESH_BINARY`` is strict). The predicted box is the
    inclusive bounding box of the largest 8-connected foreground component (by pixel
    count; ties: the component reached first in row-major order); no foreground gives box
    (0, 0, 0, 0), as the reference. It is correct if ``box_iou >= iou_threshold``.

    The dataset-level score is the best threshold's accuracy (MaxBoxAcc; ties: the lowest
    threshold); per-image scores are the correctness at that threshold, so ``aggregate``
    (the mean) is MaxBoxAcc. Connected components run on CPU (scipy.ndimage).

    Differences from the reference: it picks the component with the largest cv2 contour
    (polygon) area and its box from ``cv2.boundingRect`` as ``x1 = x + w`` (one pixel past
    the component, clipped to the image); we use pixel count and the exact inclusive
    extent, so a component equal to the ground-truth box has IoU 1.
    """

    iou_threshold: float = 0.5
    cam_curve_interval: float = 0.01

    name = "wsl"
    higher_is_better = True
    bounds = (0.0, 1.0)
    tags = ("localization",)

    _CHUNK_PIXELS = 1 << 22  # labelled pixels per scipy call

    def thresholds(self) -> Tensor:
        """The CAM thresholds of the sweep (float64), as ``numpy.arange(0, 1, interval)``."""
        import numpy as np
        import torch

        return torch.from_numpy(np.arange(0, 1, self.cam_curve_interval))

    def predict_boxes(self, maps: Tensor) -> Tensor:
        """Predicted boxes per image and threshold: LongTensor [B, T, 4] on the maps' device."""
        import numpy as np
        import torch

        b, h, w = maps.shape
        flat = maps.reshape(b, -1).double()
        lo, hi = flat.min(1, keepdim=True).values, flat.max(1, keepdim=True).values
        norm = torch.where(hi > lo, (flat - lo) / (hi - lo), torch.zeros_like(flat))
        q = torch.floor(norm * 255)
        thresholds = self.thresholds().to(maps.device)
        cut = torch.floor(thresholds[None, :] * q.max(1, keepdim=True).values)  # [B, T]
        per_chunk = max(1, self._CHUNK_PIXELS // (len(thresholds) * h * w))
        out = []
        for i in range(0, b, per_chunk):
            fg = (q[i:i + per_chunk, None, :] > cut[i:i + per_chunk, :, None]).cpu().numpy()
            out.append(self._largest_component_boxes(fg.reshape(-1, h, w)))
        return torch.from_numpy(np.concatenate(out)).view(b, len(thresholds), 4).to(maps.device)

    def _largest_component_boxes(self, fg: np.ndarray) -> np.ndarray:
        """Inclusive box of the largest 8-connected component of each slice of fg [S, H, W]."""
        import numpy as np
        from scipy import ndimage

        slicewise_8 = np.pad(np.ones((1, 3, 3), bool), ((1, 1), (0, 0), (0, 0)))
        s, h, w = fg.shape
        labels, _ = ndimage.label(fg, structure=slicewise_8)
        labels = labels.reshape(s, h * w)
        counts = np.bincount(labels.ravel())
        counts[0] = 0
        size = counts[labels]
        largest = size.max(1, keepdims=True)
        first = (size == largest).argmax(1)  # first pixel, row-major, of a largest component
        chosen = (labels == labels[np.arange(s), first][:, None]).reshape(s, h, w)
        rows, cols = chosen.any(2), chosen.any(1)
        boxes = np.stack([cols.argmax(1), rows.argmax(1),
                          w - 1 - cols[:, ::-1].argmax(1), h - 1 - rows[:, ::-1].argmax(1)], 1)
        boxes[largest[:, 0] == 0] = 0
        return boxes

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
