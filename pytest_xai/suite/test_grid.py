"""The grid: one test per (model, method, metric) cell, parametrized by the plugin."""

from __future__ import annotations

import json

import pytest

from pytest_xai.runner import Runner, cell_failure
from pytest_xai.selection import Cell


def test_cell(xai_cell: Cell, xai_runner: Runner, record_property) -> None:
    """One finite score per image within the metric's bounds, and not significantly
    worse than the baseline report's entry when a baseline is given."""
    with xai_runner.files_or_skip():
        record = xai_runner.evaluate(xai_cell)
    record_property("xai_cell", json.dumps(record))
    if "skip_reason" in record:
        pytest.skip(record["skip_reason"])
    failure = cell_failure(record)
    if failure:
        pytest.fail(failure)
