"""Comparing cells with a baseline report: used by cell tests and ``pytest-xai compare``."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from pytest_xai.report.schema import CellRecord, Report, read_report
from pytest_xai.stats import paired_one_sided_p, unpaired_one_sided_p

CellKey = tuple[str, str, str]


class ScoredCell(CellRecord):
    """A cell with the ids of the images it scored, one per score (None without scores)."""

    image_ids: list[str] | None


def cells_by_key(report: Report) -> dict[CellKey, ScoredCell]:
    """A report's cells by (model, method, metric), each with the ``image_ids`` it scored:
    the first of its model's, one per score (None for a cell without scores)."""
    ids = {m["name"]: m.get("image_ids") for m in report["models"]}     # tolerant of hand-made reports

    def scored(cell: CellRecord) -> list[str] | None:
        model_ids, scores = ids.get(cell["model"]), cell.get("scores")
        return None if model_ids is None or not scores else model_ids[:len(scores)]

    return {(c["model"], c["method"], c["metric"]): ScoredCell(**c, image_ids=scored(c)) for c in report["cells"]}


def load_baseline(path: Path) -> dict[CellKey, ScoredCell]:
    """The cells of the baseline report at ``path`` (a complete report: see ``read_report``)."""
    return cells_by_key(read_report(path))


def compare_cell(base: ScoredCell | None, scores: list[float], image_ids: list[str] | None,
                 higher_is_better: bool, alpha: float, margin: float,
                 params: tuple[dict[str, Any], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Is a cell with these per-image scores worse than its baseline cell, significantly and by
    more than ``margin`` (in the metric's own units)?

    One-sided test of "the baseline was better": Wilcoxon signed-rank when both
    scored the same images in the same order, Mann-Whitney U otherwise. A significant
    difference alone is not a regression: another thread count or library build moves a
    stochastic method's maps by rounding, and on the same images the signed-rank test
    finds such shifts of 1e-5 "significant" (it reads their signs, not their size), so the
    mean must also have dropped by more than ``margin``. With ``params`` (method and metric
    parameters), a baseline cell computed with other parameters is not compared (a
    like-for-like check only); ``batch_size`` is not one of them, since a method's map and
    a metric's score of an image do not depend on the batch it was computed in (the
    contracts of ``Method`` and ``Metric``), and a memory budget sets it per machine.
    """
    common = {"p_value": None, "test": None, "alpha": alpha, "margin": margin, "worse": False}
    if base is None or not base.get("scores"):
        return {**common, "mean": None, "note": "no baseline entry for this cell"}
    base_mean = statistics.fmean(base["scores"])
    base_params = _like_for_like(base.get("method_params"), base.get("metric_params"))
    if params is not None and base_params != _like_for_like(*params):
        return {**common, "mean": base_mean, "note": "the baseline cell used other parameters: not compared"}
    paired = base.get("image_ids") is not None and base.get("image_ids") == image_ids
    test = paired_one_sided_p if paired else unpaired_one_sided_p
    p = test(base["scores"], scores, higher_is_better)
    drop = (base_mean - statistics.fmean(scores)) * (1 if higher_is_better else -1)
    return {**common, "mean": base_mean, "p_value": p, "test": "wilcoxon" if paired else "mannwhitneyu",
            "worse": p < alpha and drop > margin}


def _like_for_like(*params: dict[str, Any] | None) -> tuple[dict[str, Any] | None, ...]:
    """Parameters as the like-for-like check compares them: without ``batch_size``."""
    return tuple(None if p is None else {k: v for k, v in p.items() if k != "batch_size"} for p in params)
