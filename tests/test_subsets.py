"""Evaluation images: the random subset and the paper's CL subset."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
import torch

from pytest_xai.benchmarks.base import ModelSpec
from pytest_xai.builtins import register_builtins
from pytest_xai.evaluation.inputs import MAX_POOL_FACTOR
from pytest_xai.evaluation.records import Evaluator
from pytest_xai.registry import Registry
from pytest_xai.settings import XaiConfig


def colour_reader(red_weight: float) -> torch.nn.Module:
    """Classifies smoke images by their brightest channel; with red_weight < 1 it misses red squares."""
    linear = torch.nn.Linear(3, 3, bias=False)
    with torch.no_grad():
        linear.weight.copy_(torch.diag(torch.tensor([red_weight, 1.0, 1.0])))
    return torch.nn.Sequential(torch.nn.AdaptiveMaxPool2d(1), torch.nn.Flatten(), linear).eval()


def make_evaluator(tmp_path: Path, subset: str, images: int = 8) -> Evaluator:
    registry = Registry()
    register_builtins(registry)
    # A vanilla/robust/advprop family (the robust one misses every red square) and a lone model.
    for name, training, red in (("tiny", "vanilla", 1.0), ("tiny-r", "robust", 0.2), ("tiny-pgd1", "advprop", 1.0),
                                ("lone", "vanilla", 1.0)):
        registry.add_model(ModelSpec(name=name, benchmark="smoke", arch="lone" if name == "lone" else "tiny",
                                     training=training, loader=partial(colour_reader, red), weights=f"red {red}"))
    cfg = XaiConfig(models="all", methods="all", metrics="all", claims="all", benchmark="smoke", device="cpu", profile="fast",
                    subset=subset, images=images, seed=0, report=tmp_path / "r.json", cache_dir=tmp_path / "c",
                    baseline=None, baseline_alpha=0.01)
    return Evaluator(registry, cfg, torch.device("cpu"))


def test_cl_groups(tmp_path: Path) -> None:
    evaluator = make_evaluator(tmp_path, "cl")
    assert evaluator.inputs.cl_group("tiny") == evaluator.inputs.cl_group("tiny-r") == evaluator.inputs.cl_group("tiny-pgd1") == ("tiny", "tiny-r")
    assert evaluator.inputs.cl_group("lone") == ("lone",)  # no robust twin: its own correct answers


def test_cl_subset_is_what_the_pair_both_gets_right(tmp_path: Path) -> None:
    evaluator = make_evaluator(tmp_path, "cl", images=8)
    images, _ = evaluator.inputs.images("tiny")
    assert len(images) == 8
    assert 0 not in images.labels.tolist()  # the robust twin never gets red right
    for model in ("tiny", "tiny-r"):
        predicted, _ = evaluator.inputs.predictions(model, images)
        assert torch.equal(predicted, images.labels)
    assert evaluator.inputs.images("tiny-pgd1")[0].ids == images.ids  # AdvProp shares its architecture's set
    # The ids are the first correct ones of the seeded draw, in order.
    pool = evaluator.inputs.benchmark.load(8 * MAX_POOL_FACTOR, 0)
    both = [i for i in range(len(pool))
            if all(evaluator.inputs.predictions(m, pool)[0][i] == pool.labels[i] for m in ("tiny", "tiny-r"))]
    assert list(images.ids) == [pool.ids[i] for i in both[:8]]


def test_random_subset_is_the_seeded_draw(tmp_path: Path) -> None:
    evaluator = make_evaluator(tmp_path, "random", images=5)
    images, digest = evaluator.inputs.images("tiny")
    assert images.ids == evaluator.inputs.benchmark.load(5, 0).ids
    assert evaluator.inputs.images("lone") == (images, digest)


def test_model_info_reports_accuracy_and_confidence(tmp_path: Path) -> None:
    evaluator = make_evaluator(tmp_path, "cl", images=6)
    info = evaluator.inputs.model_info("tiny-r")
    assert info["subset"] == "cl" and info["cl_group"] == ["tiny", "tiny-r"]
    assert info["accuracy"] == 1.0
    assert len(info["confidence"]) == len(info["image_ids"])
    assert all(0.0 < c <= 1.0 for c in info["confidence"])


@pytest.mark.parametrize("subset", ["cl", "random"])
def test_benchmark_loads_are_prefix_stable(tmp_path: Path, subset: str) -> None:
    evaluator = make_evaluator(tmp_path, subset)
    short, long = evaluator.inputs.benchmark.load(5, 3), evaluator.inputs.benchmark.load(9, 3)
    assert long.ids[:5] == short.ids and torch.equal(long.images[:5], short.images)
