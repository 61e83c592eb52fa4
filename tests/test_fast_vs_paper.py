"""studies/fast_vs_paper.py: the per-cell comparison of two profiles' reports."""

from __future__ import annotations

import pytest

from pytest_xai.report.schema import CellRecord, Report
from studies import fast_vs_paper
from tests.factories import cell, report


def _cell(method: str, scores: list[float], params: dict) -> CellRecord:
    return cell("m", method, "insertion", scores, method_params=params)


def _report(cells: list[CellRecord], ids: tuple[str, ...] = ("a", "b", "c", "d")) -> Report:
    return report(cells, list(ids))


def test_compares_only_cells_whose_parameters_differ() -> None:
    fast = _report([_cell("rise", [0.1, 0.2, 0.3, 0.4], {"n_masks": 200}),
                    _cell("gradient", [0.5, 0.5, 0.6, 0.7], {})])
    paper = _report([_cell("rise", [0.2, 0.1, 0.5, 0.6], {"n_masks": 8000}),
                     _cell("gradient", [0.5, 0.5, 0.6, 0.7], {})])
    (row,) = fast_vs_paper.compare(fast, paper)
    assert (row["method"], row["n"]) == ("rise", 4)
    assert row["diff"] == pytest.approx(0.25 - 0.35)
    assert row["rho"] == pytest.approx(0.8)        # ranks 1 2 3 4 vs 2 1 3 4


def test_refuses_reports_of_different_images() -> None:
    fast = _report([_cell("rise", [0.1, 0.2, 0.3, 0.4], {"n_masks": 200})])
    paper = _report([_cell("rise", [0.1, 0.2, 0.3, 0.4], {"n_masks": 8000})], ids=("a", "b", "c", "e"))
    with pytest.raises(SystemExit, match="different images"):
        fast_vs_paper.compare(fast, paper)
