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
                 higher_is_better: bool, alpha: float,
                 params: tuple[dict[str, Any], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Is a cell with these per-image scores significantly worse than its baseline cell?

    One-sided test of "the baseline was better": Wilcoxon signed-rank when both
    scored the same images in the same order, Mann-Whitney U otherwise. With
    ``params`` (method and metric parameters), a baseline cell computed with other
    parameters is not compared (a like-for-like check only).
    """
    if base is None or not base.get("scores"):
        return {"mean": None, "p_value": None, "test": None, "alpha": alpha, "worse": False,
                "note": "no baseline entry for this cell"}
    if params is not None and (base.get("method_params"), base.get("metric_params")) != params:
        return {"mean": statistics.fmean(base["scores"]), "p_value": None, "test": None, "alpha": alpha,
                "worse": False, "note": "the baseline cell used other parameters: not compared"}
    paired = base.get("image_ids") is not None and base.get("image_ids") == image_ids
    test = paired_one_sided_p if paired else unpaired_one_sided_p
    p = test(base["scores"], scores, higher_is_better)
    return {"mean": statistics.fmean(base["scores"]), "p_value": p,
            "test": "wilcoxon" if paired else "mannwhitneyu", "alpha": alpha, "worse": p < alpha}
