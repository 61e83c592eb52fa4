"""Tests of pytest_xai.metrics: hand-computed cases, properties, and checks against references."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import ndimage

from pytest_xai.metrics import ALL_METRICS, WSL, Deletion, Insertion, Metric, PointingGame
from pytest_xai.metrics.baselines import centred_gaussian, uniform_random
from pytest_xai.metrics.causal import auc, gaussian_blur
from pytest_xai.metrics.localization import argmax_points, box_iou

FAST = settings(max_examples=15, derandomize=True, deadline=None)


def blank(b: int, h: int, w: int) -> torch.Tensor:
    return torch.zeros(b, 3, h, w)


def labels(b: int) -> torch.Tensor:
    return torch.zeros(b, dtype=torch.long)


def peak(h: int, w: int, x: int, y: int) -> torch.Tensor:
    m = torch.zeros(1, h, w)
    m[0, y, x] = 1.0
    return m


def box_map(h: int, w: int, box: tuple[int, int, int, int], inside: float = 1.0) -> torch.Tensor:
    m = torch.zeros(h, w)
    m[box[1]:box[3] + 1, box[0]:box[2] + 1] = inside
    return m


class BoxModel(torch.nn.Module):
    """Logits [8 * mean of the pixels inside ``box`` (all channels), 4]."""

    def __init__(self, box: tuple[int, int, int, int]):
        super().__init__()
        self.box = box
        self.calls: list[int] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append(len(x))
        x0, y0, x1, y1 = self.box
        inside = x[:, :, y0:y1 + 1, x0:x1 + 1].mean(dim=(1, 2, 3))
        return torch.stack([8 * inside, torch.full_like(inside, 4.0)], dim=1)


class FractionModel(torch.nn.Module):
    """Softmax [f, 1 - f] where f is the fraction of non-zero pixels (in ``rows`` if given)."""

    def __init__(self, rows: slice = slice(None)):
        super().__init__()
        self.rows = rows

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = (x[:, 0, self.rows] != 0).float().mean(dim=(1, 2))
        return torch.stack([f.log(), (1 - f).log()], dim=1)


def small_cnn(classes: int = 3) -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(),
                               torch.nn.AdaptiveAvgPool2d(2), torch.nn.Flatten(),
                               torch.nn.Linear(16, classes)).eval()


# ---------------------------------------------------------------- contract

def test_exports_and_contract():
    assert [m.name for m in ALL_METRICS] == ["pointing_game", "wsl", "insertion", "deletion"]
    for cls in ALL_METRICS:
        metric = cls()
        assert isinstance(metric, Metric)
        assert cls.bounds == (0.0, 1.0)
        assert cls.tags in (("localization",), ("causal",))
        json.dumps(metric.params())
        with pytest.raises(dataclasses.FrozenInstanceError):
            metric.batch_size = 3  # type: ignore[misc]
    assert Deletion.higher_is_better is False and Insertion.higher_is_better is True
    assert PointingGame.higher_is_better and WSL.higher_is_better


@pytest.mark.parametrize("kwargs,cls", [({"tolerance": 0}, PointingGame), ({"step": 0}, Deletion),
                                        ({"batch_size": 0}, Insertion), ({"blur_kernel": 4}, Insertion),
                                        ({"substrate": "noise"}, Insertion)])
def test_invalid_parameters(kwargs, cls):
    with pytest.raises(ValueError):
        cls(**kwargs)


def test_shape_and_finiteness_checks():
    with pytest.raises(ValueError):
        PointingGame().score(None, blank(2, 8, 8), labels(2), torch.zeros(2, 8, 7), torch.zeros(2, 4))
    with pytest.raises(ValueError):
        WSL().score(None, blank(1, 8, 8), labels(1), torch.full((1, 8, 8), math.nan), torch.zeros(1, 4))


# ---------------------------------------------------------------- pointing game

def test_pointing_tolerance_scales_with_side():
    assert PointingGame().tolerance_for(224, 224) == 15
    assert PointingGame().tolerance_for(64, 64) == 4  # round(4.29)
    assert PointingGame().tolerance_for(4, 4) == 1
    assert PointingGame(tolerance=7).tolerance_for(64, 64) == 7


def test_argmax_points_first_maximum_row_major():
    m = torch.zeros(2, 4, 5)
    m[0, 1, 3] = m[0, 2, 0] = 1.0  # tie: (x=3, y=1) comes first
    assert argmax_points(m).tolist() == [[3, 1], [0, 0]]  # constant map -> (0, 0)


@pytest.mark.parametrize("x,y,hit", [
    (15, 15, 1.0),   # inside
    (20, 10, 1.0),   # on the box corner
    (23, 15, 1.0),   # 3 px right of the box: 3 < 4
    (24, 15, 0.0),   # exactly tolerance away: TorchRay's test is strict
    (25, 15, 0.0),   # one pixel further
    (22, 22, 1.0),   # diagonal, d^2 = 8 < 16
    (23, 23, 0.0),   # diagonal, d^2 = 18
    (2, 35, 0.0),    # far away
])
def test_pointing_hand_cases(x, y, hit):
    box = torch.tensor([[10, 10, 20, 20]])
    score = PointingGame(tolerance=4).score(None, blank(1, 40, 40), labels(1), peak(40, 40, x, y), box)
    assert score.dtype == torch.float32 and score.tolist() == [hit]


def test_pointing_constant_map_points_at_origin():
    maps = torch.full((2, 32, 32), 0.3)
    boxes = torch.tensor([[3, 0, 10, 10], [8, 8, 20, 20]])  # 3 px from (0, 0) / far from it
    assert PointingGame(tolerance=4).score(None, blank(2, 32, 32), labels(2), maps, boxes).tolist() == [1.0, 0.0]


def test_pointing_aggregate_is_mean_of_class_accuracies():
    scores = torch.tensor([1.0, 1.0, 1.0, 0.0])
    assert PointingGame().aggregate(scores, torch.tensor([0, 0, 0, 7])) == pytest.approx(0.5)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("tolerance", [1, 3, 4, 15])
def test_pointing_matches_torchray(tolerance):
    pointing_game = pytest.importorskip("torchray.benchmark.pointing_game",
                                        reason="torchray is not importable")
    gen = torch.Generator().manual_seed(tolerance)
    b, h, w, classes = 80, 48, 40, 4
    maps = torch.rand(b, h, w, generator=gen) ** 4
    xy0 = torch.stack([torch.randint(0, w, (b,), generator=gen), torch.randint(0, h, (b,), generator=gen)], 1)
    size = torch.randint(0, 20, (b, 2), generator=gen)
    boxes = torch.cat([xy0, torch.minimum(xy0 + size, torch.tensor([w - 1, h - 1]))], 1)
    targets = torch.arange(b) % classes
    ours = PointingGame(tolerance=tolerance).score(None, blank(b, h, w), targets, maps, boxes)

    reference = pointing_game.PointingGame(num_classes=classes, tolerance=tolerance)
    expected = []
    for i in range(b):
        mask = box_map(h, w, tuple(boxes[i].tolist())).bool()
        hit = reference.evaluate(mask, argmax_points(maps[i:i + 1])[0].tolist())
        reference.aggregate(hit, int(targets[i]))
        expected.append(1.0 if hit == 1 else 0.0)
    assert ours.tolist() == expected
    assert 0 < sum(expected) < b
    assert PointingGame().aggregate(ours, targets) == pytest.approx(float(reference.accuracy))


# ---------------------------------------------------------------- WSL

def test_box_iou_inclusive_coordinates():
    a = torch.tensor([[0, 0, 9, 9], [0, 0, 9, 9], [0, 0, 0, 0], [2, 3, 4, 5], [0, 0, 3, 1]])
    b = torch.tensor([[5, 5, 14, 14], [10, 0, 19, 9], [0, 0, 0, 0], [2, 3, 4, 5], [2, 0, 5, 1]])
    expected = [25 / 175, 0.0, 1.0, 1.0, 4 / 12]
    assert box_iou(a, b).tolist() == pytest.approx(expected)


def test_wsl_thresholds_are_numpy_arange():
    assert torch.equal(WSL().thresholds(), torch.from_numpy(np.arange(0, 1, 0.01)))
    assert len(WSL(cam_curve_interval=0.001).thresholds()) == 1000


def test_wsl_component_recovers_box_exactly():
    box = (5, 7, 20, 30)
    maps = box_map(40, 40, box)[None]
    predicted = WSL().predict_boxes(maps)
    assert predicted.shape == (1, 100, 4)
    assert (predicted[0] == torch.tensor(box)).all()
    gt = torch.tensor([box])
    assert box_iou(predicted[0, 0], gt[0]).item() == 1.0
    assert WSL().score(None, blank(1, 40, 40), labels(1), maps, gt).tolist() == [1.0]
    assert WSL().best_threshold(maps, gt) == 0.0


def test_wsl_two_levels_threshold_sweep():
    # 0.5 on a large box, 1.0 on a small box inside it: q = 127 and 255; the foreground is
    # the large box while floor(t * 255) < 127, i.e. t <= 0.49 (0.50 * 255 = 127.5 -> 127, not > 127).
    large, small = (4, 4, 27, 27), (12, 12, 15, 15)
    maps = (box_map(32, 32, large, 0.5) + box_map(32, 32, small, 0.5))[None]
    sweep = WSL().sweep(maps, torch.tensor([large]))
    assert sweep[0].tolist() == [True] * 50 + [False] * 50
    assert (WSL().predict_boxes(maps)[0, 50:] == torch.tensor(small)).all()
    assert WSL().best_threshold(maps, torch.tensor([small])) == pytest.approx(0.5)


def test_wsl_largest_component_and_ties():
    maps = (box_map(30, 30, (0, 0, 3, 3)) + box_map(30, 30, (10, 10, 19, 14)))[None]
    assert WSL().predict_boxes(maps)[0, 0].tolist() == [10, 10, 19, 14]
    tie = (box_map(30, 30, (20, 2, 23, 5)) + box_map(30, 30, (1, 20, 4, 23)))[None]
    assert WSL().predict_boxes(tie)[0, 0].tolist() == [20, 2, 23, 5]  # reached first, row-major
    diagonal = torch.eye(6)[None]  # 8-connected: one component
    assert WSL().predict_boxes(diagonal)[0, 0].tolist() == [0, 0, 5, 5]


def test_wsl_constant_map_gives_empty_box():
    maps = torch.full((2, 16, 16), 3.0)
    assert (WSL().predict_boxes(maps) == 0).all()
    boxes = torch.tensor([[0, 0, 0, 0], [2, 2, 9, 9]])
    assert WSL().score(None, blank(2, 16, 16), labels(2), maps, boxes).tolist() == [1.0, 0.0]


def test_wsl_dataset_best_threshold():
    # images 0 and 2 are right only at thresholds <= 0.49, image 1 only at thresholds >= 0.5.
    big, small = (2, 2, 29, 29), (14, 14, 17, 17)
    two_level = box_map(32, 32, big, 0.5) + box_map(32, 32, small, 0.5)
    maps = two_level.expand(3, 32, 32)
    boxes = torch.tensor([big, small, big])
    scores = WSL().score(None, blank(3, 32, 32), labels(3), maps, boxes)
    assert scores.tolist() == [1.0, 0.0, 1.0]
    assert WSL().aggregate(scores, labels(3)) == pytest.approx(2 / 3)


@FAST
@given(hnp.arrays(np.bool_, (12, 14)))
def test_wsl_component_box_matches_opencv(mask):
    cv2 = pytest.importorskip("cv2", reason="opencv is not importable")
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    if n == 1 or mask.all() or (areas == areas.max()).sum() > 1:
        return  # nothing to compare: no component, a constant map, or a tie
    x, y, w, h = stats[1 + areas.argmax(), :4]
    ours = WSL().predict_boxes(torch.from_numpy(mask).float()[None])[0]
    assert (ours == torch.tensor([x, y, x + w - 1, y + h - 1])).all()


# ---------------------------------------------------------------- deletion / insertion

def test_auc_of_known_curves():
    assert auc(torch.tensor([1.0, 0.5, 0.0])).item() == pytest.approx(0.5)
    assert auc(torch.tensor([[0.0, 1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 1.0, 1.0]])).tolist() == [0.75, 1.0]


def test_causal_step_and_blur_scale():
    assert Deletion().pixels_per_step(224, 224) == 448
    assert Deletion().pixels_per_step(64, 64) == 37  # round(36.57)
    assert Deletion().pixels_per_step(8, 8) == 1
    assert Insertion().blur_params(224, 224) == (11, 5.0)
    assert Insertion().blur_params(64, 64) == (3, pytest.approx(5 * 64 / 224))


def test_blur_kernel_is_rise_gkern():
    delta = torch.zeros(1, 3, 31, 31)
    delta[:, :, 15, 15] = 1.0
    unit = np.zeros((11, 11))
    unit[5, 5] = 1.0
    blurred = gaussian_blur(delta, 11, 5.0)
    assert blurred.shape == delta.shape
    expected = torch.from_numpy(ndimage.gaussian_filter(unit, 5.0)).float()
    torch.testing.assert_close(blurred[0, 1, 10:21, 10:21], expected)
    ones = gaussian_blur(torch.ones(1, 3, 31, 31), 11, 5.0)
    assert ones[0, 0, 15, 15].item() == pytest.approx(1.0) and ones[0, 0, 0, 0] < 0.5  # zero padding


def test_deletion_insertion_exact_curves_with_remainder():
    # 25 pixels, 10 per step: 3 steps, the last one changes the remaining 5.
    images, maps = torch.ones(1, 3, 5, 5), torch.rand(1, 5, 5)
    curve = Deletion(step=10).curves(FractionModel(), images, labels(1), maps)
    torch.testing.assert_close(curve, torch.tensor([[1.0, 0.6, 0.2, 0.0]]))
    curve = Insertion(step=10, substrate="zeros").curves(FractionModel(), images, labels(1), maps)
    torch.testing.assert_close(curve, torch.tensor([[0.0, 0.4, 0.8, 1.0]]))
    score = Deletion(step=10).score(FractionModel(), images, labels(1), maps, None)
    assert score.dtype == torch.float32 and score.item() == pytest.approx((1.8 - 0.5) / 3)


def test_causal_ties_follow_row_major_order():
    # Constant map: the first row goes first, so a model reading only row 0 drops at once.
    curve = Deletion(step=5).curves(FractionModel(rows=slice(0, 1)), torch.ones(1, 3, 5, 5), labels(1),
                                    torch.zeros(1, 5, 5))
    assert curve.tolist() == [[1.0, 0.0, 0.0, 0.0, 0.0, 0.0]]


def test_good_map_beats_bad_map():
    box = (4, 4, 9, 9)
    images = box_map(16, 16, box).expand(2, 3, 16, 16).clone()
    good = box_map(16, 16, box) + 0.01 * torch.rand(16, 16, generator=torch.Generator().manual_seed(0))
    maps = torch.stack([good, -good])
    deletion = Deletion(step=8).score(BoxModel(box), images, labels(2), maps, None)
    insertion = Insertion(step=8, blur_kernel=7, blur_sigma=2.0).score(BoxModel(box), images, labels(2), maps, None)
    assert deletion[0] < deletion[1] - 0.1
    assert insertion[0] > insertion[1] + 0.1


def test_model_is_called_in_batches():
    b, h, w = 5, 8, 8
    model = BoxModel((1, 1, 5, 5))
    images = torch.randn(b, 3, h, w, generator=torch.Generator().manual_seed(1))
    maps = uniform_random(b, h, w, seed=2)
    points = math.ceil(h * w / 7) + 1
    curves = Insertion(step=7, batch_size=16).curves(model, images, labels(b), maps)
    assert curves.shape == (b, points)
    assert model.calls == [16] * (b * points // 16) + [b * points % 16]
    model.calls.clear()
    whole = Insertion(step=7, batch_size=1000).curves(model, images, labels(b), maps)
    assert model.calls == [b * points]
    torch.testing.assert_close(curves, whole)


# ---------------------------------------------------------------- properties

integer_maps = hnp.arrays(np.int64, (3, 6, 7), elements=st.integers(0, 20))
scales = st.sampled_from([0.25, 0.5, 3.0, 7.0, 1000.0])


@st.composite
def boxes_for(draw, b: int = 3, h: int = 6, w: int = 7):
    rows = []
    for _ in range(b):
        x0, x1 = sorted(draw(st.tuples(st.integers(0, w - 1), st.integers(0, w - 1))))
        y0, y1 = sorted(draw(st.tuples(st.integers(0, h - 1), st.integers(0, h - 1))))
        rows.append([x0, y0, x1, y1])
    return torch.tensor(rows)


def all_metrics() -> list[Metric]:
    return [PointingGame(), PointingGame(tolerance=1), WSL(), Deletion(step=5, batch_size=16),
            Insertion(step=5, batch_size=16)]


@FAST
@given(integer_maps, scales, boxes_for())
def test_invariant_to_positive_rescaling(values, scale, boxes):
    maps = torch.from_numpy(values).float()
    images = torch.randn(3, 3, 6, 7, generator=torch.Generator().manual_seed(0))
    targets = torch.tensor([0, 1, 2])
    model = small_cnn()
    for metric in all_metrics():
        base = metric.score(model, images, targets, maps, boxes)
        assert torch.equal(base, metric.score(model, images, targets, maps * scale, boxes)), metric


@FAST
@given(hnp.arrays(np.float32, (3, 6, 7), elements=st.floats(-1e3, 1e3, width=32)), boxes_for())
def test_scores_within_bounds(values, boxes):
    maps = torch.from_numpy(values)
    images = torch.randn(3, 3, 6, 7, generator=torch.Generator().manual_seed(1))
    targets = torch.tensor([2, 0, 1])
    for metric in all_metrics():
        scores = metric.score(small_cnn(), images, targets, maps, boxes)
        lo, hi = metric.bounds
        assert scores.shape == (3,) and scores.dtype == torch.float32 and scores.device.type == "cpu"
        assert torch.isfinite(scores).all() and ((scores >= lo) & (scores <= hi)).all(), metric
        assert lo <= metric.aggregate(scores, targets) <= hi


@FAST
@given(integer_maps, boxes_for())
def test_wsl_aggregate_is_max_box_acc(values, boxes):
    maps = torch.from_numpy(values).float()
    scores = WSL().score(None, blank(3, 6, 7), labels(3), maps, boxes)
    assert WSL().aggregate(scores, labels(3)) == pytest.approx(WSL().sweep(maps, boxes).double().mean(0).max().item())


def test_metrics_are_deterministic():
    images = torch.randn(4, 3, 12, 12, generator=torch.Generator().manual_seed(3))
    maps, boxes, targets = uniform_random(4, 12, 12, seed=4), torch.tensor([[2, 2, 8, 8]] * 4), torch.arange(4) % 3
    for metric in all_metrics():
        first = metric.score(small_cnn(), images, targets, maps, boxes)
        assert torch.equal(first, metric.score(small_cnn(), images, targets, maps.clone(), boxes))


# ---------------------------------------------------------------- baselines

def test_centred_gaussian():
    g = centred_gaussian(9, 13)
    assert g.shape == (9, 13) and g.dtype == torch.float32
    assert argmax_points(g[None]).tolist() == [[6, 4]] and g[4, 6].item() == 1.0
    assert torch.equal(g, g.flip(0)) and torch.equal(g, g.flip(1))
    sigma = (9 * 13) ** 0.5 / 4
    assert g[4, 6 + 3].item() == pytest.approx(math.exp(-9 / (2 * sigma**2)))
    assert centred_gaussian(8, 8, sigma=1.0)[0, 0].item() == pytest.approx(math.exp(-2 * 3.5**2 / 2))
    box = torch.tensor([[28, 28, 35, 35]])
    assert PointingGame().score(None, blank(1, 64, 64), labels(1), centred_gaussian(64, 64)[None], box).item() == 1.0


def test_uniform_random_is_seeded():
    a = uniform_random(2, 5, 6, seed=11)
    assert a.shape == (2, 5, 6) and ((a >= 0) & (a < 1)).all()
    assert torch.equal(a, uniform_random(2, 5, 6, seed=11))
    assert not torch.equal(a, uniform_random(2, 5, 6, seed=12))
