"""How many images a cell scores (a benchmark's ``localization_images`` per method group), and
claims over cells that scored different numbers of images."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from pytest_xai.benchmarks.base import Benchmark
from pytest_xai.benchmarks.smoke import images as smoke_data
from pytest_xai.builtins import register_builtins
from pytest_xai.claims.base import HOLDS, Claim, ModelRow, Outcome, ScoreTable, evaluate_claim
from pytest_xai.claims.paper import f4_confidence, f5_metric_correlations
from pytest_xai.evaluation.records import Evaluator
from pytest_xai.registry import Registry
from pytest_xai.report.baseline import cells_by_key
from pytest_xai.selection import Cell
from pytest_xai.settings import XaiConfig
from tests import factories
from tests.factories import cell, smoke_evaluator


def test_gradient_localization_cells_take_more_images_than_the_others(tmp_path: Path) -> None:
    evaluator = smoke_evaluator(tmp_path)
    records = {(c.method, c.metric): evaluator.evaluate(c) for c in
               (Cell(0, "gap", "gradient", "pointing_game"), Cell(1, "gap", "gradient", "insertion"),
                Cell(2, "gap", "gradcam", "pointing_game"))}
    assert {key: r["n"] for key, r in records.items()} == {
        ("gradient", "pointing_game"): 6, ("gradient", "insertion"): 3, ("gradcam", "pointing_game"): 3}
    assert all(len(r["scores"]) == r["n"] for r in records.values())
    assert records[("gradient", "insertion")]["metric_params"]["max_steps"] == 56   # the fast profile's
    # The model's images are the most any cell takes; a cell of n images scores the first n.
    info = records[("gradient", "insertion")]["model_info"]
    assert len(info["image_ids"]) == 6
    few, _ = evaluator.inputs.cell_images("gap", 3)
    assert list(few.ids) == info["image_ids"][:3]
    # The maps of the first three images do not depend on how many were computed.
    many_maps = evaluator.engine.maps("gap", evaluator.engine.method("gap", "gradient"), 6)[0]
    few_maps = evaluator.engine.maps("gap", evaluator.engine.method("gap", "gradient"), 3)[0]
    torch.testing.assert_close(few_maps, many_maps[:3])


def test_the_images_option_sets_one_count_for_every_cell(tmp_path: Path) -> None:
    evaluator = smoke_evaluator(tmp_path, images=4)
    counts = {evaluator.evaluate(Cell(i, "gap", "gradient", metric))["n"]
              for i, metric in enumerate(("pointing_game", "insertion"))}
    assert counts == {4}
    assert len(evaluator.inputs.images("gap")[0]) == 4


@pytest.mark.parametrize(("images", "why"), [
    ({"cam": 8}, r"localization_images \{'cam': 8\} below default_images \(16\)"),
    ({"cam": 32.0}, r"localization_images \{'cam': 32.0\} below default_images"),
    ({"gradients": 64}, r"unknown method groups \['gradients'\]; the groups are gradient, cam")])
def test_a_benchmark_refuses_bad_localization_images(images: dict, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        Benchmark(name="b", description="", load=smoke_data.load, class_names=smoke_data.CLASS_NAMES,
                  default_images=16, localization_images=images)


def test_a_benchmark_without_localization_images_gives_every_cell_its_default(tmp_path: Path) -> None:
    registry = Registry()
    register_builtins(registry)
    cfg = XaiConfig(models="all", methods="all", metrics="all", claims="all", benchmark="smoke", device="cpu",
                    profile="fast", subset="random", images=None, seed=0, report=tmp_path / "r.json",
                    cache_dir=tmp_path / "c", baseline=None, baseline_alpha=0.01)
    evaluator = Evaluator(registry, cfg, torch.device("cpu"))
    record = evaluator.evaluate(Cell(0, "smoke-gap", "gradient", "pointing_game"))
    assert record["n"] == registry.benchmarks["smoke"].default_images == 16


def test_a_baseline_cell_is_paired_on_the_images_it_scored() -> None:
    report = factories.report([cell("m", "gradient", "wsl", [1.0, 0.0, 1.0, 1.0]), cell("m", "rise", "wsl", [0.0, 1.0]),
                               cell("m", "cam", "wsl", [], outcome="skipped")], ["a", "b", "c", "d"])
    ids = {key[1]: cell["image_ids"] for key, cell in cells_by_key(report).items()}
    assert ids == {"gradient": ["a", "b", "c", "d"], "rise": ["a", "b"], "cam": None}


def test_f5_correlates_metrics_on_the_images_every_metric_scored() -> None:
    # Localization scored 6 images, the causal metrics the first 4: F5 pairs the scores of
    # those 4 images under all four metrics.
    pg = [1.0, 0.0, 1.0, 0.0, 1.0, 1.0]
    scores = {("m", "gradient", "pointing_game"): pg, ("m", "gradient", "wsl"): pg,
              ("m", "gradient", "insertion"): [0.9, 0.1, 0.8, 0.2], ("m", "gradient", "deletion"): [0.1, 0.9, 0.2, 0.8]}
    table = ScoreTable(models={"m": ModelRow(name="m", arch="a", training="vanilla", confidence=[0.5] * 6)},
                       scores=scores, higher_is_better={"pointing_game": True, "wsl": True, "insertion": True,
                                                        "deletion": False})
    outcome = f5_metric_correlations(table)
    assert outcome.details["n"] == 4
    assert outcome.details["rho"]["insertion~deletion"] == pytest.approx(-1.0)
    assert outcome.details["rho"]["pointing_game~insertion"] == pytest.approx(0.894, abs=1e-3)


def test_f4b_takes_each_models_confidence_on_the_images_deletion_scored() -> None:
    # Three models whose Deletion cells scored their first 2 images; the confidence of their
    # other images (scored by other cells) runs the other way and must not count.
    models, scores = {}, {}
    for name, training, first, rest, deletion in (("a", "vanilla", 0.9, 0.1, 0.1), ("b", "robust", 0.8, 0.5, 0.2),
                                                 ("c", "vanilla", 0.7, 0.9, 0.3)):
        models[name] = ModelRow(name=name, arch=name, training=training, confidence=[first] * 2 + [rest] * 4)
        scores[(name, "gradient", "deletion")] = [deletion, deletion]
    table = ScoreTable(models=models, scores=scores, higher_is_better={"deletion": False})
    assert f4_confidence(table).details["model_level"]["rho"] == pytest.approx(-1.0)


def test_a_claims_images_are_those_all_its_cells_scored() -> None:
    claim = Claim(id="T", statement="", source="", statistic="", threshold="", methods=("gradient",),
                  metrics=("pointing_game", "deletion"), trainings=("vanilla",),
                  check=lambda table: Outcome(verdict=HOLDS, value=None, p_value=None))
    table = ScoreTable(models={"m": ModelRow(name="m", arch="a", training="vanilla", confidence=[0.5] * 6)},
                       scores={("m", "gradient", "pointing_game"): [1.0, 0.0, 1.0, 0.0, 1.0, 1.0],
                               ("m", "gradient", "deletion"): [0.1, 0.9, 0.2, 0.8]},
                       higher_is_better={"pointing_game": True, "deletion": False})
    assert evaluate_claim(claim, lambda: (table, list(table.scores)))["images"] == {"m": 4}
