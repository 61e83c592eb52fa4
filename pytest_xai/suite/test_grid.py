"""The grid: one test per (model, method, metric) cell, parametrized by the plugin."""

from __future__ import annotations

import json
import math

import pytest

from pytest_xai.runner import Runner
from pytest_xai.selection import Cell


def test_cell(xai_cell: Cell, xai_runner: Runner, record_property) -> None:
    """One finite score per image within the metric's bounds, and not significantly
    worse than the baseline report's entry when a baseline is given."""
    with xai_runner.files_or_skip():
        record = xai_runner.evaluate(xai_cell)
    record_property("xai_cell", json.dumps(record))
    if "skip_reason" in record:
        pytest.skip(record["skip_reason"])
    low, high = record["bounds"]
    scores = record["scores"]
    assert record["n"] == len(record["model_info"]["image_ids"]) > 0, "expected one score per image"
    bad = [(i, s) for i, s in enumerate(scores) if not (math.isfinite(s) and low <= s <= high)]
    assert not bad, f"scores not finite or outside [{low}, {high}] (image index, score): {bad[:10]}"
    baseline = record["baseline"]
    if baseline is not None and baseline["worse"]:
        pytest.fail(f"significantly worse than the baseline: mean {record['mean']:.4f} vs "
                    f"{baseline['mean']:.4f} ({baseline['test']} one-sided p = {baseline['p_value']:.2g} "
                    f"< alpha {baseline['alpha']})")
