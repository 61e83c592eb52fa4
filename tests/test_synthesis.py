"""Tests of pytest_xai.synthesis: the class images and inversions a model draws."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from pytest_xai.benchmarks.base import LoadedModel, ModelSpec
from pytest_xai.builtins import register_builtins
from pytest_xai.evaluation.records import Evaluator
from pytest_xai.registry import Registry
from pytest_xai.report.figure_entries import read_entry
from pytest_xai.selection import Cell
from pytest_xai.settings import XaiConfig
from pytest_xai.scaling import scaled
from pytest_xai.synthesis import class_images, inversions, noise, classifier_layer, representation


def tiny(seed: int = 0) -> LoadedModel:
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(2),
                              torch.nn.Flatten(), torch.nn.Linear(16, 3)).eval()
    spec = ModelSpec(name="tiny", benchmark="smoke", arch="tiny", training="vanilla", loader=lambda: net,
                     weights="test", mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))
    return LoadedModel(spec=spec, net=net, device=torch.device("cpu"))


def test_noise_is_coarse_per_seed_and_within_the_image_box():
    first = noise((3, 16, 16), [5, 6])
    assert first.shape == (2, 3, 16, 16) and first.min() >= 0 and first.max() <= 1
    assert torch.equal(noise((3, 16, 16), [6])[0], first[1])            # an image does not depend on its batch
    assert not torch.equal(first[0], first[1])
    assert (first[:, :, :, 1:] - first[:, :, :, :-1]).abs().max() < 0.5   # smooth: neighbours differ little


def test_class_images_climb_the_class_probability_within_the_ball_around_the_noise():
    model, classes, seeds = tiny(), torch.tensor([0, 1, 2, 1]), [1, 2, 3, 4]
    start = noise((3, 12, 12), seeds)
    drawn = class_images(model, classes, seeds, (12, 12), eps_224=40.0, step_224=1.0, steps=20)
    eps = scaled(40.0, 12, 12)
    assert drawn.min() >= 0 and drawn.max() <= 1
    assert ((drawn - start).flatten(1).norm(dim=1) <= eps + 1e-5).all()
    with torch.no_grad():
        before = model(model.normalize(start)).softmax(1).gather(1, classes[:, None])
        after = model(model.normalize(drawn)).softmax(1).gather(1, classes[:, None])
    assert (after > before).all()
    alone = class_images(model, classes[1:2], seeds[1:2], (12, 12), eps_224=40.0, step_224=1.0, steps=20)
    torch.testing.assert_close(alone, drawn[1:2])      # the batch does not change an image


def test_inversion_moves_the_noise_towards_the_images_representation():
    model = tiny()
    images = torch.rand(2, 3, 12, 12, generator=torch.Generator().manual_seed(0))
    start = noise((3, 12, 12), [7, 8])
    inverted = inversions(model, images, [7, 8], steps=30)
    with torch.no_grad():
        goal = representation(model, images)
        assert ((representation(model, inverted) - goal).norm(dim=1) <
                (representation(model, start) - goal).norm(dim=1)).all()


def test_the_representation_is_the_input_of_the_last_linear_layer():
    model = tiny()
    assert classifier_layer(model.net) is model.net[4]
    images = torch.rand(1, 3, 8, 8)
    assert representation(model, images).shape == (1, 16)
    with pytest.raises(ValueError, match="no nn.Linear"):
        classifier_layer(torch.nn.Sequential(torch.nn.Conv2d(3, 3, 1)))


def builtin_registry() -> Registry:
    registry = Registry()
    register_builtins(registry)
    return registry


def class_image_evaluator(tmp_path: Path, registry: Registry, benchmark: str, images: int) -> Evaluator:
    cfg = XaiConfig(models="all", methods="gradient", metrics="synthesis", claims="all", benchmark=benchmark,
                    device="cpu", profile="fast", subset="random", images=images, seed=0, report=tmp_path / "r.json",
                    cache_dir=tmp_path / "c", baseline=None, baseline_alpha=0.01)
    return Evaluator(registry, cfg, torch.device("cpu"))


def test_a_class_image_cell_is_judged_by_the_other_architectures_and_stores_the_drawings(tmp_path: Path) -> None:
    evaluator = class_image_evaluator(tmp_path, builtin_registry(), "smoke", images=3)
    assert evaluator.inputs.judges("smoke-gap") == ("smoke-flat",)
    record = evaluator.evaluate(Cell(0, "smoke-gap", "gradient", "class_image_accuracy"))
    assert record["n"] == 3 and set(record["scores"]) <= {0.0, 1.0}       # one judge: all or nothing
    assert "reference" not in record                                       # it ignores the map
    entry = read_entry(evaluator.engine.store, "synthesis", record["model_info"]["synthesis_key"])
    assert entry["classes"].tolist() == [0, 1, 2]                          # smoke's three classes
    assert entry["class_images"].shape == (3, 3, 32, 32) and entry["class_images"].dtype == torch.uint8
    assert entry["inversions"].shape[0] == 3                               # the figure images it has
    other = evaluator.evaluate(Cell(1, "smoke-gap", "gradcam", "class_image_accuracy"))
    assert other["scores"] == record["scores"] and other["cached"]         # the method does not matter: once a model
    assert "maps_key" not in record and not (tmp_path / "c" / "maps").exists()    # and no maps computed


def test_a_benchmark_of_one_architecture_skips_its_class_image_cells(tmp_path: Path) -> None:
    from functools import partial

    from pytest_xai.benchmarks.base import Benchmark
    from pytest_xai.benchmarks.smoke import images as smoke_data
    from pytest_xai.benchmarks.smoke import models as smoke_models

    registry = Registry()
    registry.add_benchmark(Benchmark(name="lone", description="smoke images", load=smoke_data.load,
                                     class_names=smoke_data.CLASS_NAMES, default_images=2, default_subset="random"))
    registry.add_model(ModelSpec(name="gap", benchmark="lone", arch="gap", training="untrained",
                                 loader=partial(smoke_models.build, "smoke-gap"), weights="random init"))
    register_builtins(registry)
    record = class_image_evaluator(tmp_path, registry, "lone", images=2).evaluate(
        Cell(0, "gap", "gradient", "class_image_accuracy"))
    assert record["skip_reason"] == ("class_image_accuracy needs judges: the benchmark has no model of another "
                                     "architecture than gap")


def test_the_drawings_of_a_network_without_a_linear_classifier_have_no_inversions(tmp_path: Path) -> None:
    from pytest_xai.metrics import ClassImageAccuracy

    evaluator = class_image_evaluator(tmp_path, builtin_registry(), "smoke", images=2)
    loaded = evaluator.inputs.model("smoke-gap")[0]
    conv = torch.nn.Sequential(torch.nn.Conv2d(3, 3, 1), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten()).eval()
    evaluator.inputs._models["smoke-gap"] = (LoadedModel(spec=loaded.spec, net=conv, device=loaded.device), "conv")
    entry = read_entry(evaluator.engine.store, "synthesis",
                       evaluator.engine.drawings("smoke-gap", ClassImageAccuracy(steps=2)))
    assert entry["class_images"].shape[0] == 3 and entry["inversions"].shape[0] == 0
