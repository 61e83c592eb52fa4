"""The grid: one test per (model, method, metric) cell, parametrized by the plugin."""

from __future__ import annotations

import json

import pytest

from pytest_xai.evaluation.records import Evaluator, cell_failure
from pytest_xai.selection import Cell
from pytest_xai.suite import files_or_skip


def test_cell(xai_cell: Cell, xai_evaluator: Evaluator, record_property) -> None:
    """One finite score per image within the metric's bounds, and not significantly
    worse than the baseline report's entry when a baseline is given."""
    with files_or_skip(xai_evaluator.cfg.require_all):
        record = xai_evaluator.evaluate(xai_cell)
    record_property("xai_cell", json.dumps(record))
    if "skip_reason" in record:
        pytest.skip(record["skip_reason"])
    failure = cell_failure(record)
    if failure:
        pytest.fail(failure)
