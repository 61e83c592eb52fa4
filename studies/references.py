"""Per-image transcriptions of the reference implementations our batched metric engines
must equal: used by the tests (equality) and by ``studies.engines`` (equality and speed).
Each loops the way its reference does; none is fast, on purpose."""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch


def wsolevaluation_correctness(scoremaps: np.ndarray, gt_boxes: np.ndarray, interval: float) -> np.ndarray:
    """Correctness per (image, threshold), transcribed from clovaai/wsolevaluation
    (normalize_scoremap, compute_bboxes_from_scoremaps with multi_contour_eval=False,
    calculate_multiple_iou, BoxEvaluator.accumulate at IoU 0.5): a loop per threshold."""
    import cv2

    out = []
    for cam, gt in zip(scoremaps, gt_boxes):
        cam = cam.astype(np.float32).copy()
        if np.isnan(cam).any() or cam.min() == cam.max():
            cam = np.zeros_like(cam)
        else:
            cam -= cam.min()
            cam /= cam.max()
        height, width = cam.shape
        image = np.expand_dims((cam * 255).astype(np.uint8), 2)
        row = []
        for threshold in np.arange(0, 1, interval):
            _, binary = cv2.threshold(src=image, thresh=int(threshold * np.max(image)), maxval=255,
                                      type=cv2.THRESH_BINARY)
            contours = cv2.findContours(image=binary, mode=cv2.RETR_TREE, method=cv2.CHAIN_APPROX_SIMPLE)[0]
            if len(contours) == 0:
                box = [0, 0, 0, 0]
            else:
                x, y, w, h = cv2.boundingRect(max(contours, key=cv2.contourArea))
                box = [x, y, min(x + w, width - 1), min(y + h, height - 1)]
            ix = max(0, min(box[2], gt[2]) - max(box[0], gt[0]) + 1)
            iy = max(0, min(box[3], gt[3]) - max(box[1], gt[1]) + 1)
            area = lambda b: (b[2] - b[0] + 1) * (b[3] - b[1] + 1)  # noqa: E731
            denominator = area(box) + area(gt) - ix * iy
            row.append((ix * iy / denominator if denominator > 0 else 0.0) >= 0.5)
        out.append(row)
    return np.array(out)


def max_box_acc_scores(scoremaps: np.ndarray, gt_boxes: np.ndarray, interval: float = 0.001) -> np.ndarray:
    """Per-image 0/1 WSL scores at the data-set-best threshold, from the transcription."""
    correct = wsolevaluation_correctness(scoremaps, gt_boxes, interval)
    return correct[:, int(np.argmax(correct.mean(axis=0)))].astype(np.float32)


def torchray_pointing_hits(maps: torch.Tensor, boxes: torch.Tensor, tolerance: int) -> list[float]:
    """TorchRay's ``PointingGame.evaluate`` per image, at the map's first maximum (row-major)."""
    from torchray.benchmark.pointing_game import PointingGame

    game = PointingGame(num_classes=1, tolerance=tolerance)
    hits = []
    for saliency, (x0, y0, x1, y1) in zip(maps, boxes.tolist()):
        mask = torch.zeros(saliency.shape, dtype=torch.bool)
        mask[y0:y1 + 1, x0:x1 + 1] = True
        flat = int(torch.argmax(saliency.reshape(-1)))
        point = (flat % saliency.shape[1], flat // saliency.shape[1])
        hits.append(1.0 if game.evaluate(mask, point) == 1 else 0.0)
    return hits


def rise_causal_auc(model: Callable[[torch.Tensor], torch.Tensor], start: torch.Tensor, finish: torch.Tensor,
                    target: int, saliency: torch.Tensor, step: int) -> float:
    """eclique/RISE ``CausalMetric.single_run`` for one image: from ``start`` [1, 3, H, W],
    move ``step`` pixels at a time (most salient first) to ``finish``, one forward pass per
    step, then the trapezoid AUC of the target probability. Ties are taken in row-major
    order (a stable descending sort), as our engine does; RISE's own ``np.argsort`` leaves
    them in an unspecified order."""
    h, w = saliency.shape
    n = h * w
    n_steps = (n + step - 1) // step
    order = torch.sort(saliency.reshape(-1), descending=True, stable=True).indices
    current = start.clone()
    probs = []
    with torch.no_grad():
        for i in range(n_steps + 1):
            probs.append(float(model(current).float().softmax(dim=1)[0, target]))
            if i < n_steps:
                coords = order[step * i:step * (i + 1)]
                current.view(1, 3, n)[0, :, coords] = finish.view(1, 3, n)[0, :, coords]
    curve = np.array(probs)
    return float((curve.sum() - curve[0] / 2 - curve[-1] / 2) / (len(curve) - 1))
