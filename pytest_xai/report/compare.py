"""``pytest-xai compare BASE NEW``: per-cell deltas and paired tests, worst first."""

from __future__ import annotations

from typing import Any

from pytest_xai.report.baseline import cells_by_key, compare_cell
from pytest_xai.report.schema import Report


def compare_reports(base: Report, new: Report, alpha: float, margin: float) -> list[dict[str, Any]]:
    """One row per cell of ``new`` that has scores: its mean, the baseline's, the signed
    improvement (positive = better, whatever the metric's direction) and the one-sided
    p-value that the baseline was better. Worse cells (``compare_cell``) come first."""
    base_cells = cells_by_key(base)
    rows = []
    for key, cell in cells_by_key(new).items():
        if not cell.get("scores"):
            continue
        result = compare_cell(base_cells.get(key), cell["scores"], cell.get("image_ids"),
                              cell["higher_is_better"], alpha, margin)
        sign = 1.0 if cell["higher_is_better"] else -1.0
        improvement = None if result["mean"] is None else sign * (cell["mean"] - result["mean"])
        rows.append({"model": key[0], "method": key[1], "metric": key[2], "mean": cell["mean"],
                     "base_mean": result["mean"], "improvement": improvement, "p_value": result["p_value"],
                     "test": result["test"], "worse": result["worse"]})
    return sorted(rows, key=lambda r: (not r["worse"], r["improvement"] is None,
                                       r["improvement"] if r["improvement"] is not None else 0.0))


def missing_cells(base: Report, new: Report) -> list[tuple[str, str, str]]:
    """The (model, method, metric) cells with scores in ``base`` that ``new`` has no scores for."""
    new_cells = cells_by_key(new)
    return [key for key, cell in cells_by_key(base).items()
            if cell.get("scores") and not new_cells.get(key, {}).get("scores")]


def format_comparison(rows: list[dict[str, Any]], alpha: float, margin: float) -> str:
    """A fixed-width table of ``compare_reports`` rows and a summary line."""
    header = f"{'model':<16} {'method':<22} {'metric':<14} {'base':>8} {'new':>8} {'better by':>10} {'p(worse)':>9}"
    lines = [header, "-" * len(header)]
    for r in rows:
        base = "-" if r["base_mean"] is None else f"{r['base_mean']:.4f}"
        delta = "-" if r["improvement"] is None else f"{r['improvement']:+.4f}"
        p = "-" if r["p_value"] is None else f"{r['p_value']:.2g}"
        flag = "  WORSE" if r["worse"] else ""
        lines.append(f"{r['model']:<16} {r['method']:<22} {r['metric']:<14} {base:>8} {r['mean']:>8.4f} "
                     f"{delta:>10} {p:>9}{flag}")
    worse = sum(r["worse"] for r in rows)
    new = sum(r["base_mean"] is None for r in rows)
    lines.append(f"{worse} of {len(rows)} cells worse (significant at alpha {alpha}, a drop of more than {margin}); "
                 f"{new} without a baseline entry")
    return "\n".join(lines)
