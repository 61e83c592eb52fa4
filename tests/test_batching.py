"""Batches from a memory budget (``--xai-batch-memory``): the setting, what a pass holds per
input, the batch sizes it gives methods and metrics, and a run under it."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from pytest_xai.batching import inputs_per_pass, pass_bytes_per_input
from pytest_xai.methods.gradient import Gradient
from pytest_xai.methods.perturbation import ExtremalPerturbation
from pytest_xai.metrics.causal import Insertion
from pytest_xai.metrics.localization import PointingGame
from pytest_xai.report.baseline import compare_cell
from pytest_xai.selection import Cell
from pytest_xai.settings import SettingsError, settings_from
from tests import factories
from tests.factories import smoke_evaluator


@pytest.mark.parametrize("text, expected", [("2GiB", 2 * 1024 ** 3), ("512MB", 512 * 1000 ** 2), ("100", 100),
                                            ("1.5 KiB", 1536), ("3gb", 3 * 1000 ** 3)])
def test_the_budget_is_a_size_with_a_unit(tmp_path: Path, text: str, expected: int) -> None:
    assert settings_from({"batch-memory": text}, root=tmp_path).batch_memory == expected


@pytest.mark.parametrize("text", ["2G", "-1MiB", "0", "0.1", "a lot", "1e9"])
def test_a_budget_that_is_not_a_size_is_refused_by_name(tmp_path: Path, text: str) -> None:
    with pytest.raises(SettingsError, match=f"--xai-batch-memory: invalid value '{text}'"):
        settings_from({"batch-memory": text}, root=tmp_path)


def test_without_a_budget_batches_are_the_fixed_ones(tmp_path: Path) -> None:
    assert settings_from({}, root=tmp_path).batch_memory is None


def test_a_pass_holds_what_autograd_saves_per_input_and_its_gradient() -> None:
    """Per 8 x 8 input: the conv saves its input (3 x 64 floats, 768 bytes), ReLU its output
    (4 x 64, 1024 bytes; Flatten and Linear reuse that storage); the weights cancel between
    batches of 2 and 1; twice that for the gradients."""
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 64, 2)).eval()
    assert pass_bytes_per_input(net, (3, 8, 8), torch.device("cpu")) == 2 * (768 + 1024)


def test_a_budget_gives_whole_inputs_and_at_least_one() -> None:
    assert inputs_per_pass(10_000, 3_584) == 2
    assert inputs_per_pass(100, 3_584) == 1


def test_methods_and_metrics_take_the_budgets_inputs_as_their_batch() -> None:
    """EP puts one masked copy per area of each image in a forward, so it takes fewer images;
    a metric that makes no forwards has no batch to set."""
    assert Gradient().with_inputs_per_pass(300).batch_size == 300
    assert ExtremalPerturbation(areas=(0.05, 0.1, 0.2)).with_inputs_per_pass(300).batch_size == 100
    assert ExtremalPerturbation().with_inputs_per_pass(2).batch_size == 1
    assert Insertion().with_inputs_per_pass(300).batch_size == 300
    assert PointingGame().with_inputs_per_pass(300) == PointingGame()


def test_a_run_under_a_budget_scores_as_one_with_fixed_batches(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    fixed = smoke_evaluator(tmp_path / "fixed")
    inputs = 5      # the budget, not the default 32, sets the batches
    budget = inputs * pass_bytes_per_input(fixed.inputs.model("gap")[0].net, (3, 32, 32), torch.device("cpu")) + 7
    budgeted = smoke_evaluator(tmp_path / "budget", batch_memory=budget)
    for i, (method, metric) in enumerate([("gradient", "insertion"), ("rise", "pointing_game")]):
        cell = Cell(i, "gap", method, metric)
        mine, theirs = budgeted.evaluate(cell), fixed.evaluate(cell)
        assert mine["method_params"]["batch_size"] == inputs
        assert mine["metric_params"].get("batch_size", inputs) == inputs
        assert theirs["method_params"]["batch_size"] == 32
        torch.testing.assert_close(torch.tensor(mine["scores"]), torch.tensor(theirs["scores"]), rtol=0, atol=1e-6)
    # The measurement is kept in the store: another run with the budget does not measure again.
    def no_measuring(*args: object) -> None:
        raise AssertionError("measured again")

    monkeypatch.setattr(torch.autograd.graph, "saved_tensors_hooks", no_measuring)
    assert smoke_evaluator(tmp_path / "budget", batch_memory=budget).engine.inputs_per_pass("gap") == inputs
    with pytest.raises(AssertionError, match="measured again"):     # a store without it would
        smoke_evaluator(tmp_path / "fixed", batch_memory=budget).engine.inputs_per_pass("gap")


def test_the_baseline_is_compared_whatever_the_batches(tmp_path: Path) -> None:
    """A cell of a run under a budget is held to a baseline made with fixed batches, but not
    to one made with another hyperparameter."""
    base = factories.cell("m", "rise", "insertion", [0.9] * 8, method_params={"batch_size": 32, "n_masks": 1000},
                          metric_params={"batch_size": 256})
    base = {**base, "image_ids": None}
    worse = [0.1] * 8

    def compared(method_params: dict[str, int]) -> dict[str, object]:
        return compare_cell(base, worse, None, True, 0.01, 0.01, params=(method_params, {"batch_size": 700}))

    assert compared({"batch_size": 700, "n_masks": 1000})["worse"] is True
    assert "other parameters" in compared({"batch_size": 32, "n_masks": 8000})["note"]
