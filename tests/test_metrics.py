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
from scipy.stats import spearmanr

from pytest_xai.benchmarks.base import LoadedModel, ModelSpec
from pytest_xai.methods.reference_maps import centred_gaussian, uniform_random
from pytest_xai.metrics import (
    ALL_METRICS,
    WSL,
    AttackDiscrepancyL1,
    AttackSuccess,
    AttackTopK,
    BoundaryAlignment,
    ClassImageAccuracy,
    Concentration,
    Deletion,
    Insertion,
    Metric,
    ModelRandomization,
    PointingGame,
)
from pytest_xai.metrics.causal import auc, gaussian_blur
from pytest_xai.metrics.localization import argmax_points, box_iou
from pytest_xai.metrics.attack import l1_discrepancy, top_k_intersection
from pytest_xai.metrics.sanity import randomized
from studies.references import wsolevaluation_correctness

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
    assert [m.name for m in ALL_METRICS] == ["pointing_game", "wsl", "insertion", "deletion", "concentration",
                                             "boundary_alignment", "discrepancy_l1", "discrepancy_topk", "attack_success",
                                             "randomization", "class_image_accuracy"]
    for cls in ALL_METRICS:
        metric = cls()
        assert isinstance(metric, Metric)
        assert cls.bounds == {ModelRandomization: (-1.0, 1.0), BoundaryAlignment: (-1.0, 1.0),
                              AttackDiscrepancyL1: (0.0, 2.0)}.get(cls, (0.0, 1.0))
        assert cls.tags in (("localization",), ("causal",), ("concentration",), ("boundary",), ("attack",), ("sanity",),
                            ("synthesis",))
        json.dumps(metric.params())
        with pytest.raises(dataclasses.FrozenInstanceError):
            metric.batch_size = 3  # type: ignore[misc]
    assert Deletion.higher_is_better is False and Insertion.higher_is_better is True
    assert PointingGame.higher_is_better and WSL.higher_is_better


@pytest.mark.parametrize("kwargs,cls", [({"tolerance": 0}, PointingGame), ({"step": 0}, Deletion),
                                        ({"max_steps": 0}, Deletion),
                                        ({"batch_size": 0}, Insertion), ({"blur_kernel": 4}, Insertion),
                                        ({"substrate": "noise"}, Insertion), ({"k_share": 0}, AttackTopK),
                                        ({"k_share": 1.5}, AttackTopK), ({"steps": 0}, ClassImageAccuracy),
                                        ({"eps": 0.0}, ClassImageAccuracy)])
def test_invalid_parameters(kwargs, cls):
    with pytest.raises(ValueError):
        cls(**kwargs)


def test_shape_and_finiteness_checks():
    with pytest.raises(ValueError):
        PointingGame().score(None, blank(2, 8, 8), labels(2), torch.zeros(2, 8, 7), torch.zeros(2, 4))
    with pytest.raises(ValueError):
        WSL().score(None, blank(1, 8, 8), labels(1), torch.full((1, 8, 8), math.nan), torch.zeros(1, 4))
    for bad in (math.nan, math.inf, -math.inf):          # one pixel of one map is enough
        maps = torch.rand(3, 8, 8)
        maps[1, 2, 5] = bad
        with pytest.raises(ValueError, match="maps must be finite"):
            PointingGame().score(None, blank(3, 8, 8), labels(3), maps, torch.zeros(3, 4, dtype=torch.long))


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


def test_wsl_thresholds_are_wsolevaluations_default_arange():
    assert torch.equal(WSL().thresholds(), torch.from_numpy(np.arange(0, 1, 0.001)))
    assert len(WSL(cam_curve_interval=0.01).thresholds()) == 100


def test_wsl_box_is_one_pixel_wider_and_taller_than_the_component():
    """wsolevaluation's box is (x, y, x + w, y + h) from cv2.boundingRect: a map equal to 1
    on the 2 x 2 box (2, 2, 3, 3) predicts (2, 2, 4, 4), IoU 4/9 with that box."""
    maps = box_map(8, 8, (2, 2, 3, 3))[None]
    assert (WSL().predict_boxes(maps)[0] == torch.tensor([2, 2, 4, 4])).all()
    assert WSL().score(None, blank(1, 8, 8), labels(1), maps, torch.tensor([[2, 2, 3, 3]])).tolist() == [0.0]
    assert WSL().score(None, blank(1, 8, 8), labels(1), maps, torch.tensor([[2, 2, 4, 4]])).tolist() == [1.0]
    edge = box_map(8, 8, (5, 5, 7, 7))[None]  # clipped to the last pixel
    assert (WSL().predict_boxes(edge)[0] == torch.tensor([5, 5, 7, 7])).all()


def test_wsl_picks_the_contour_of_largest_polygon_area_not_most_pixels():
    """A 9-pixel ridge in row 0 encloses no area; the 2 x 2 blob encloses 1: the blob wins."""
    maps = torch.zeros(1, 12, 12)
    maps[0, 0, 1:10] = 1.0
    maps[0, 6:8, 6:8] = 1.0
    assert (WSL().predict_boxes(maps)[0] == torch.tensor([6, 6, 8, 8])).all()


def test_wsl_two_levels_threshold_sweep():
    # 0.5 on a large box, 1.0 on a small box inside it: q = 127 and 255; the foreground is
    # the large box while int(t * 255) < 127, i.e. up to t = 0.498 (0.498 * 255 = 126.99).
    large, small = (4, 4, 27, 27), (12, 12, 15, 15)
    maps = (box_map(32, 32, large, 0.5) + box_map(32, 32, small, 0.5))[None]
    predicted = WSL().predict_boxes(maps)[0]
    assert (predicted[:499] == torch.tensor([4, 4, 28, 28])).all()
    assert (predicted[499:] == torch.tensor([12, 12, 16, 16])).all()
    assert WSL().best_threshold(maps, torch.tensor([[12, 12, 16, 16]])) == pytest.approx(0.499)


def test_wsl_sweeps_alike_maps_once_with_the_same_boxes():
    rng = np.random.default_rng(4)
    one, other = (torch.from_numpy(rng.random((12, 12))).float() for _ in range(2))
    together = WSL().predict_boxes(torch.stack([one, other, one, 3 * one]))   # 3 * one quantises as one
    alone = [WSL().predict_boxes(m[None])[0] for m in (one, other)]
    for row, expected in zip(together, [alone[0], alone[1], alone[0], alone[0]]):
        assert torch.equal(row, expected)


def test_wsl_constant_or_nan_map_gives_empty_box():
    maps = torch.full((2, 16, 16), 3.0)
    assert (WSL().predict_boxes(maps) == 0).all()
    boxes = torch.tensor([[0, 0, 0, 0], [2, 2, 9, 9]])
    assert WSL().score(None, blank(2, 16, 16), labels(2), maps, boxes).tolist() == [1.0, 0.0]


def test_wsl_dataset_best_threshold():
    # images 0 and 2 are right only at low thresholds, image 1 only at high ones.
    big, small = (2, 2, 28, 28), (14, 14, 16, 16)
    two_level = box_map(32, 32, (2, 2, 27, 27), 0.5) + box_map(32, 32, (14, 14, 15, 15), 0.5)
    maps = two_level.expand(3, 32, 32)
    boxes = torch.tensor([big, small, big])
    scores = WSL().score(None, blank(3, 32, 32), labels(3), maps, boxes)
    assert scores.tolist() == [1.0, 0.0, 1.0]
    assert WSL().aggregate(scores, labels(3)) == pytest.approx(2 / 3)


def maps_of_every_kind(rng: np.random.Generator, n: int, h: int, w: int) -> np.ndarray:
    """Random, tied (few levels), plateau, ridge-vs-blob and blob-with-holes maps."""
    kinds = []
    for i in range(n):
        kind = i % 5
        if kind == 0:
            m = rng.random((h, w))
        elif kind == 1:
            m = rng.integers(0, 3, (h, w)).astype(float)
        elif kind == 2:
            m = ndimage.gaussian_filter(rng.random((h, w)), 2) * 10
        elif kind == 3:
            m = np.zeros((h, w))
            m[rng.integers(h), :] = 1.0
            y, x = rng.integers(0, h - 3), rng.integers(0, w - 3)
            m[y:y + 2, x:x + 2] = rng.choice([0.5, 1.0])
        else:
            m = ndimage.gaussian_filter(rng.random((h, w)), 1)
            m[h // 4:3 * h // 4, w // 4:3 * w // 4] += 1
            m[h // 2, w // 2] = 0
        kinds.append(m)
    return np.stack(kinds).astype(np.float32)


def test_wsl_equals_a_transcription_of_wsolevaluation():
    rng = np.random.default_rng(2020)
    n, h, w = 40, 20, 24
    maps = maps_of_every_kind(rng, n, h, w)
    x0, y0 = rng.integers(0, w // 2, n), rng.integers(0, h // 2, n)
    boxes = np.stack([x0, y0, x0 + rng.integers(1, w // 2, n), y0 + rng.integers(1, h // 2, n)], 1)
    for interval in (0.01, 0.001):
        expected = wsolevaluation_correctness(maps, boxes, interval)
        ours = WSL(cam_curve_interval=interval).sweep(torch.from_numpy(maps), torch.from_numpy(boxes))
        assert np.array_equal(ours.numpy(), expected)
        assert 0 < expected.mean() < 1, "the cases must exercise both outcomes"


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


def test_the_fast_profile_plays_half_the_steps():
    fast = Deletion().with_profile("fast")
    assert Deletion().with_profile("paper") == Deletion() and fast.max_steps == 56
    assert (fast.pixels_per_step(64, 64), fast.pixels_per_step(224, 224)) == (74, 896)   # 2 x 37, 2 x 448
    assert Deletion(max_steps=200).pixels_per_step(64, 64) == 37                           # a cap above 111 steps
    assert Insertion(max_steps=80).with_profile("fast").max_steps == 56
    assert PointingGame().with_profile("fast") == PointingGame()


@pytest.mark.parametrize("metric", [Insertion(), Deletion()], ids=["insertion", "deletion"])
def test_a_coarser_game_is_every_other_state_of_the_full_one(metric):
    """With twice the pixels per step the game visits every other state of the full one
    (and the last), so its AUC is that of the full curve's even points."""
    images = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    maps = torch.rand(2, 64, 64, generator=torch.Generator().manual_seed(2))
    full = metric.curves(small_cnn(), images, labels(2), maps)
    assert full.shape[1] == 112
    coarse = dataclasses.replace(metric, max_steps=56).curves(small_cnn(), images, labels(2), maps)
    torch.testing.assert_close(coarse, full[:, list(range(0, 111, 2)) + [111]])


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


@pytest.mark.parametrize("metric", [Insertion(step=4, blur_kernel=3, blur_sigma=1.0), Deletion(step=4)],
                         ids=["insertion", "deletion"])
def test_constant_and_zero_maps_rank_pixels_in_row_major_order(metric):
    """A map without a ranking (constant, all zero) is scored as the map that ranks the
    pixels first row first, as a stable descending sort (the reference's) leaves ties."""
    images = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(3))
    row_major = -torch.arange(64.0).reshape(8, 8).expand(2, 8, 8)
    expected = metric.score(small_cnn(), images, labels(2), row_major, None)
    for flat in (torch.zeros(2, 8, 8), torch.full((2, 8, 8), 0.7)):
        assert torch.equal(metric.score(small_cnn(), images, labels(2), flat, None), expected)


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


@pytest.mark.parametrize("metric", [Insertion(step=5, blur_kernel=3, blur_sigma=1.0), Deletion(step=5)],
                         ids=["insertion", "deletion"])
def test_causal_metrics_equal_a_per_image_transcription_of_rise(metric):
    """Our batched curves equal eclique/RISE's CausalMetric.single_run, image by image."""
    from studies.references import rise_causal_auc

    images = torch.rand(3, 3, 8, 8, generator=torch.Generator().manual_seed(4))
    maps = torch.rand(3, 8, 8, generator=torch.Generator().manual_seed(5))
    targets = torch.tensor([0, 1, 2])
    start, finish = metric.endpoints(images)
    expected = [rise_causal_auc(small_cnn(), start[i:i + 1], finish[i:i + 1], int(targets[i]), maps[i], 5)
                for i in range(3)]
    assert metric.score(small_cnn(), images, targets, maps, None).tolist() == pytest.approx(expected, abs=1e-6)


# ---------------------------------------------------------------- concentration

def test_concentration_of_known_maps():
    one_pixel = torch.zeros(8, 8)
    one_pixel[3, 5] = -2.0                                  # the absolute value counts
    maps = torch.stack([torch.full((8, 8), 0.3), torch.zeros(8, 8), one_pixel])
    scores = Concentration().score(None, blank(3, 8, 8), labels(3), maps, None)
    assert scores.tolist() == pytest.approx([0.0, 0.0, 1 - 1 / 64])


@FAST
@given(hnp.arrays(np.float64, (6, 7), elements=st.floats(-5, 5, allow_nan=False)), st.floats(0.1, 10))
def test_concentration_is_the_gini_index_and_ignores_scale_and_order(values, scale):
    """Against the Lorenz-curve form of the Gini index, sum_i (2 i - n - 1) c_(i) / (n sum c)."""
    c = np.sort(np.abs(values).ravel())
    n = c.size
    expected = 0.0 if c.sum() == 0 else float(((2 * np.arange(1, n + 1) - n - 1) * c).sum() / (n * c.sum()))
    maps = torch.from_numpy(values).float()[None]
    shuffled = maps.flatten()[torch.randperm(42, generator=torch.Generator().manual_seed(0))].view(1, 6, 7)
    got = [Concentration().score(None, blank(1, 6, 7), labels(1), m, None).item() for m in (maps, scale * shuffled)]
    assert got == pytest.approx([expected, expected], abs=1e-5)


# ---------------------------------------------------------------- model randomization (sanity)

def loaded(net: torch.nn.Module) -> LoadedModel:
    spec = ModelSpec(name="tiny", benchmark="smoke", arch="tiny", training="untrained", loader=lambda: net,
                     weights="test")
    return LoadedModel(spec=spec, net=net, device=torch.device("cpu"))


def test_randomization_of_known_maps():
    """rho of |map| between the trained and the randomised model's maps, by hand: the same
    ranking 1, the reverse -1, one constant map 0 (no ranking to share), two constant maps 1
    (the map did not change)."""
    ranks = torch.arange(1.0, 43.0).view(6, 7)
    flat = torch.full((6, 7), 5.0)
    maps = torch.stack([ranks, ranks, -ranks, flat])              # the absolute value counts
    returned = torch.stack([2 * ranks, 43 - ranks, flat, torch.zeros(6, 7)])
    seen = []

    def explain(model: LoadedModel) -> torch.Tensor:
        seen.append(model)
        return returned

    model = loaded(small_cnn())
    scores = ModelRandomization().score(model, blank(4, 6, 7), labels(4), maps, torch.zeros(4, 4, dtype=torch.long),
                                        explain=explain)
    assert scores.tolist() == pytest.approx([1.0, -1.0, 0.0, 1.0])
    (random_model,) = seen
    assert random_model.spec is model.spec and random_model.net is not model.net


def test_randomized_reinitialises_every_layer_deterministically():
    net = small_cnn()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    first, second, other = randomized(net, 5), randomized(net, 5), randomized(net, 6)
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())           # the model is untouched
    for key in before:
        assert not torch.equal(first.state_dict()[key], before[key]), key
        assert torch.equal(first.state_dict()[key], second.state_dict()[key]), key
        assert not torch.equal(first.state_dict()[key], other.state_dict()[key]), key


# Without subnormal floats, which a rescaling by 0.25 can flush to zero (a constant map).
normal_floats = st.floats(-1e3, 1e3, width=32, allow_subnormal=False)


@FAST
@given(hnp.arrays(np.float32, (2, 6, 7), elements=normal_floats), hnp.arrays(np.float32, (2, 6, 7), elements=normal_floats),
       scales)
def test_randomization_is_a_rank_correlation_within_bounds_and_ignores_scale(values, random_values, scale):
    maps, random_maps = torch.from_numpy(values), torch.from_numpy(random_values)
    model = loaded(small_cnn())
    score = [ModelRandomization().score(model, blank(2, 6, 7), labels(2), m, torch.zeros(2, 4, dtype=torch.long),
                                        explain=lambda _: random_maps) for m in (maps, maps * scale)]
    assert torch.equal(score[0], score[1])
    assert torch.isfinite(score[0]).all() and ((score[0] >= -1) & (score[0] <= 1)).all()
    for i in range(2):
        a, b = values[i].ravel(), random_values[i].ravel()
        constant = [np.ptp(np.abs(a)) == 0, np.ptp(np.abs(b)) == 0]
        expected = float(all(constant)) if any(constant) else spearmanr(np.abs(a), np.abs(b)).statistic
        assert score[0][i].item() == pytest.approx(expected, abs=1e-5)


def test_randomized_redraws_parameters_of_modules_without_a_reset():
    """A parameter held by a module with no reset method (a ViT's class token) is re-drawn too."""
    class WithToken(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.token = torch.nn.Parameter(torch.full((4,), 3.0) + torch.arange(4.0))
            self.fc = torch.nn.Linear(4, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(x + self.token)

    net = WithToken()
    clone = randomized(net, 5)
    assert not torch.equal(clone.token, net.token) and not torch.equal(clone.fc.weight, net.fc.weight)
    assert torch.equal(clone.token, randomized(net, 5).token)


# ---------------------------------------------------------------- interpretation discrepancy under attack

def test_l1_discrepancy_and_top_k_intersection_of_known_maps():
    """Unit-mass maps by hand: the same map (rescaled, sign flipped) 0 and k of k shared;
    disjoint supports 2 and none shared; half the mass moved 1 and one of two top pixels."""
    a = torch.zeros(3, 2, 4)
    a[:, 0, 0], a[:, 0, 1] = 3.0, 1.0
    b = torch.zeros(3, 2, 4)
    b[0] = -2 * a[0]                       # same |map|, rescaled
    b[1, 1, 2], b[1, 1, 3] = 3.0, 1.0      # disjoint
    b[2, 0, 0], b[2, 1, 3] = 2.0, 2.0      # from (0.75, 0.25) to (0.5, ..., 0.5)
    assert l1_discrepancy(a, b).tolist() == pytest.approx([0.0, 2.0, 1.0])
    assert top_k_intersection(a, b, 2).tolist() == pytest.approx([1.0, 0.0, 0.5])


def test_constant_and_zero_maps_under_attack():
    """An all-zero map has uniform mass; constant maps rank nothing: both constant 1, one 0."""
    zeros, ones = torch.zeros(1, 3, 3), torch.ones(1, 3, 3)
    peaked = torch.zeros(1, 3, 3)
    peaked[0, 1, 1] = 1.0
    assert l1_discrepancy(zeros, ones).tolist() == [0.0]
    assert l1_discrepancy(zeros, peaked).item() == pytest.approx(2 - 2 / 9)
    assert top_k_intersection(zeros, ones, 2).tolist() == [1.0]
    assert top_k_intersection(peaked, ones, 2).tolist() == [0.0]


def test_top_k_intersection_does_not_share_tied_zeros():
    """Two maps with disjoint supports of 4 pixels share nothing at any k, though most of their
    top 20 would be zero pixels, which topk picks in the same order from both; the share is of
    the larger top set: a map against itself 1, against one whose 8 pixels hold its 4, 1/2."""
    a, b = torch.zeros(1, 8, 8), torch.zeros(1, 8, 8)
    a[0, 0, :4], b[0, 7, 4:] = 1.0, 2.0
    assert top_k_intersection(a, b, 4).tolist() == [0.0] == top_k_intersection(a, b, 20).tolist()
    assert top_k_intersection(a, a, 20).tolist() == [1.0]
    wider = a.clone()
    wider[0, 1, :4] = 0.5
    assert top_k_intersection(a, wider, 20).tolist() == [0.5]


def smoke_pair() -> LoadedModel:
    spec = ModelSpec(name="tiny", benchmark="smoke", arch="tiny", training="vanilla", loader=small_cnn,
                     weights="test", mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))
    return LoadedModel(spec=spec, net=small_cnn(), device=torch.device("cpu"))


def test_the_attack_metrics_explain_the_attacked_images_within_the_papers_eps():
    """The method is asked for maps of images within the evaluation eps of the originals
    (scaled to the size), with the model it explains; a map that ignores the image does not change."""
    from pytest_xai.attacks import evaluation_eps

    model = smoke_pair()
    images01 = torch.rand(4, 3, 12, 12, generator=torch.Generator().manual_seed(1))
    images, targets = model.normalize(images01), torch.tensor([0, 1, 2, 0])
    maps = torch.rand(4, 12, 12, generator=torch.Generator().manual_seed(2))
    asked = []

    def explain(other: LoadedModel, attacked01: torch.Tensor | None = None) -> torch.Tensor:
        asked.append((other, attacked01))
        return maps.clone()

    boxes = torch.zeros(4, 4, dtype=torch.long)
    assert AttackDiscrepancyL1().score(model, images, targets, maps, boxes, explain=explain).tolist() == [0.0] * 4
    assert AttackTopK().score(model, images, targets, maps, boxes, explain=explain).tolist() == [1.0] * 4
    (other, attacked01), _ = asked
    assert other is model and attacked01.shape == images01.shape
    moved = (attacked01 - images01).flatten(1).norm(dim=1)
    assert (moved > 0).all() and (moved <= evaluation_eps(12, 12)[0] + 1e-5).all()
    assert attacked01.min() >= 0 and attacked01.max() <= 1
    with pytest.raises(ValueError, match="needs the method"):
        AttackTopK().score(model, images, targets, maps, boxes)


def test_attack_success_is_whether_the_prediction_changed():
    """A linear model that prefers class 0 by 0.01 on grey images is flipped (eps 0.16 at 12 px
    moves the logits by about 0.16 x |w0 - w1| >> 0.01); one whose logits ignore the image is not."""
    torch.manual_seed(0)
    linear = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 12 * 12, 3)).eval()
    with torch.no_grad():
        linear[1].bias.copy_(torch.tensor([0.01, 0.0, 0.0]))
    model = LoadedModel(spec=smoke_pair().spec, net=linear, device=torch.device("cpu"))
    images = model.normalize(torch.full((6, 3, 12, 12), 0.5))      # 0 in the input space: logits = bias
    targets = torch.zeros(6, dtype=torch.long)
    maps, boxes = torch.rand(6, 12, 12), torch.zeros(6, 4, dtype=torch.long)
    assert AttackSuccess().score(model, images, targets, maps, boxes).tolist() == [1.0] * 6

    class Constant(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bias = torch.nn.Parameter(torch.tensor([0.0, 1.0, 0.0]))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.bias.expand(len(x), 3) + 0 * x.sum((1, 2, 3))[:, None]

    fixed = LoadedModel(spec=model.spec, net=Constant().eval(), device=torch.device("cpu"))
    assert AttackSuccess().score(fixed, images, torch.ones(6, dtype=torch.long), maps, boxes).tolist() == [0.0] * 6


# ---------------------------------------------------------------- boundary alignment

def test_a_linear_models_gradient_points_straight_at_its_boundary():
    """A linear model's loss gradient has one direction everywhere, and PGD walks along it to
    the boundary: cosine 1. Logits that ignore the image leave it where it is: 0."""
    torch.manual_seed(0)
    linear = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 12 * 12, 3)).eval()
    with torch.no_grad():
        linear[1].bias.copy_(torch.tensor([0.01, 0.0, 0.0]))
    spec = smoke_pair().spec
    model = LoadedModel(spec=spec, net=linear, device=torch.device("cpu"))
    images = model.normalize(torch.full((3, 3, 12, 12), 0.5))
    targets, maps, boxes = torch.zeros(3, dtype=torch.long), torch.rand(3, 12, 12), torch.zeros(3, 4, dtype=torch.long)
    metric = BoundaryAlignment(attack_steps=5)
    assert metric.score(model, images, targets, maps, boxes).tolist() == pytest.approx([1.0] * 3, abs=1e-4)
    with torch.no_grad():
        linear[1].weight.zero_()
    assert metric.score(model, images, targets, maps, boxes).tolist() == [0.0] * 3
    with pytest.raises(ValueError):
        BoundaryAlignment(attack_eps=(0.0,))


@FAST
@given(hnp.arrays(np.float32, (2, 6, 7), elements=normal_floats), hnp.arrays(np.float32, (2, 6, 7), elements=normal_floats),
       scales, st.integers(1, 42))
def test_discrepancy_measures_are_bounded_symmetric_and_ignore_scale(values, other_values, scale, k):
    a, b = torch.from_numpy(values), torch.from_numpy(other_values)
    l1, top = l1_discrepancy(a, b), top_k_intersection(a, b, k)
    assert ((l1 >= 0) & (l1 <= 2 + 1e-6)).all() and ((top >= 0) & (top <= 1)).all()
    torch.testing.assert_close(l1, l1_discrepancy(b, a))
    torch.testing.assert_close(l1, l1_discrepancy(a * scale, -b), atol=1e-5, rtol=1e-5)
    assert torch.equal(top, top_k_intersection(b, a, k))
    assert l1_discrepancy(a, a).abs().max() == 0
    nonconstant = a.flatten(1).abs().amax(1) > a.flatten(1).abs().amin(1)
    assert (top_k_intersection(a, a, k)[nonconstant] == 1).all()


@FAST
@given(st.integers(0, 2**16), st.floats(0.05, 0.95))
def test_boundary_alignment_is_a_cosine_within_bounds(seed, grey):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten(),
                              torch.nn.Linear(4 * 6 * 6, 3)).eval()
    model = LoadedModel(spec=smoke_pair().spec, net=net, device=torch.device("cpu"))
    images01 = (grey + 0.05 * torch.randn(2, 3, 6, 6, generator=torch.Generator().manual_seed(seed))).clamp(0, 1)
    scores = BoundaryAlignment(attack_eps=(8.0, 40.0), attack_steps=3).score(
        model, model.normalize(images01), torch.tensor([0, 1]), torch.rand(2, 6, 6), torch.zeros(2, 4, dtype=torch.long))
    assert scores.shape == (2,) and torch.isfinite(scores).all() and ((scores >= -1) & (scores <= 1)).all()


@FAST
@given(st.integers(0, 2**16))
def test_attack_success_is_zero_or_one_per_image(seed):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten(),
                              torch.nn.Linear(4 * 6 * 6, 3)).eval()
    model = LoadedModel(spec=smoke_pair().spec, net=net, device=torch.device("cpu"))
    images = model.normalize(torch.rand(3, 3, 6, 6, generator=torch.Generator().manual_seed(seed)))
    scores = AttackSuccess(batch_size=2).score(model, images, torch.tensor([0, 1, 2]), torch.rand(3, 6, 6),
                                               torch.zeros(3, 4, dtype=torch.long))
    assert scores.shape == (3,) and set(scores.tolist()) <= {0.0, 1.0}


# ---------------------------------------------------------------- class images (Boychev 2023)

def constant_judge(answer: int, classes: int = 3) -> LoadedModel:
    """A judge that answers ``answer`` whatever it is shown."""
    logits = torch.nn.functional.one_hot(torch.tensor(answer), classes).float()

    class Constant(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return logits.expand(len(x), classes)

    return LoadedModel(spec=smoke_pair().spec, net=Constant().eval(), device=torch.device("cpu"))


def test_class_image_accuracy_is_the_share_of_judges_that_name_the_label():
    """Judges that always answer 0, 0 and 1: an image of label 0 scores 2/3, of label 1 1/3, of 2 0."""
    model = smoke_pair()
    images, targets = model.normalize(torch.rand(4, 3, 8, 8)), torch.tensor([0, 1, 2, 0])
    metric = ClassImageAccuracy(steps=2, batch_size=3)
    scores = metric.score(model, images, targets, torch.rand(4, 8, 8), torch.zeros(4, 4, dtype=torch.long),
                          judges=[constant_judge(0), constant_judge(0), constant_judge(1)])
    assert scores.tolist() == pytest.approx([2 / 3, 1 / 3, 0.0, 2 / 3])
    with pytest.raises(ValueError, match="needs judges"):
        metric.score(model, images, targets, torch.rand(4, 8, 8), torch.zeros(4, 4, dtype=torch.long))


def test_the_judges_see_the_drawing_not_the_image():
    """The model judging its own class images recognises them (60 ascent steps on the class's
    log-probability make it the answer), whatever the evaluation images show."""
    torch.manual_seed(0)
    linear = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 3)).eval()
    model = LoadedModel(spec=smoke_pair().spec, net=linear, device=torch.device("cpu"))
    images, targets = model.normalize(torch.rand(6, 3, 8, 8)), torch.tensor([0, 1, 2, 0, 1, 2])
    with torch.no_grad():
        assert (model(images).argmax(1) != targets).any()            # the images alone would not score 1
    scores = ClassImageAccuracy(eps=400.0, step_size=40.0).score(
        model, images, targets, torch.rand(6, 8, 8), torch.zeros(6, 4, dtype=torch.long), judges=[model])
    assert scores.tolist() == [1.0] * 6


@FAST
@given(st.lists(st.integers(0, 2), min_size=1, max_size=5), st.lists(st.integers(0, 2), min_size=1, max_size=4),
       st.integers(0, 2**16))
def test_class_image_accuracy_is_a_share_of_the_judges_within_bounds(labels_, answers, seed):
    model = LoadedModel(spec=smoke_pair().spec, net=small_cnn(), device=torch.device("cpu"))
    images = model.normalize(torch.rand(len(labels_), 3, 6, 6, generator=torch.Generator().manual_seed(seed)))
    scores = ClassImageAccuracy(steps=2, noise_seed=seed, batch_size=2).score(
        model, images, torch.tensor(labels_), torch.rand(len(labels_), 6, 6),
        torch.zeros(len(labels_), 4, dtype=torch.long), judges=[constant_judge(a) for a in answers])
    assert ((scores >= 0) & (scores <= 1)).all()
    assert scores.tolist() == pytest.approx([answers.count(label) / len(answers) for label in labels_])
