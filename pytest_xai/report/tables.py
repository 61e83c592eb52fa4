"""The paper's tables for a report, computed once here and rendered as text (``pytest-xai show``)
or as HTML (``pytest_xai.report.html``).

A cell's score is its ``mean`` (of the per-image scores). Methods are ranked per metric by
their score averaged over the models they were scored on (Table A2); models by their score
averaged over the methods scored on every model (Table A4; the paper leaves CAM out so).
"""

from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass
from statistics import fmean, pstdev
from typing import Any

from pytest_xai.report.schema import ClaimEntry, ModelEntry, Report, RunConfig

SCORE = "mean"
NA = "n/a"
METRIC_TITLES = {"pointing_game": "Pointing Game", "wsl": "WSL", "insertion": "Insertion", "deletion": "Deletion",
                 "discrepancy_l1": "Discrepancy under attack (l1)",
                 "discrepancy_topk": "Top-k intersection under attack", "attack_success": "Attack success"}
Key = tuple[str, str, str]


@dataclass(frozen=True)
class Table:
    """A titled table of formatted cells; ``best`` marks the (row, column) positions to emphasise."""

    key: str
    title: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""
    best: frozenset[tuple[int, int]] = frozenset()


# -- what the report holds ------------------------------------------------------
def models(report: Report) -> list[str]:
    return [m["name"] for m in report["models"]]


def methods(report: Report) -> list[str]:
    return list(dict.fromkeys([*report["config"].get("methods", []), *(c["method"] for c in report["cells"])]))


def metrics(report: Report) -> list[str]:
    return list(dict.fromkeys([*report["config"].get("metrics", []), *(c["metric"] for c in report["cells"])]))


def scores(report: Report) -> dict[Key, float]:
    """The score of every cell that has one, by (model, method, metric)."""
    return {(c["model"], c["method"], c["metric"]): c[SCORE] for c in report["cells"] if c.get(SCORE) is not None}


def per_image(report: Report) -> dict[Key, list[float]]:
    """The per-image scores of every cell that has them."""
    return {(c["model"], c["method"], c["metric"]): c["scores"] for c in report["cells"] if c.get("scores")}


def higher_is_better(report: Report) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for cell in report["cells"]:
        out.setdefault(cell["metric"], bool(cell.get("higher_is_better", True)))
    return out


def metric_title(metric: str, higher: bool | None = None, short: bool = False) -> str:
    """``Deletion (lower is better)``, or ``Deletion ↓`` when ``short``; without ``higher`` just the name."""
    name = METRIC_TITLES.get(metric, metric.replace("_", " ").title())
    if higher is None:
        return name
    return f"{name} {'↑' if higher else '↓'}" if short else f"{name} ({'higher' if higher else 'lower'} is better)"


def ranks(values: dict[str, float], higher: bool) -> dict[str, int]:
    """Competition ranks, 1 = best; equal values share the better rank."""
    sign = -1.0 if higher else 1.0
    return {k: 1 + sum(sign * w < sign * v for w in values.values()) for k, v in values.items()}


# -- aggregates (shared with the figures) -----------------------------------------
def by_method(report: Report, metric: str) -> dict[str, list[float]]:
    """Each method's scores on the models it was scored on."""
    table, names = scores(report), models(report)
    out = {meth: [table[(m, meth, metric)] for m in names if (m, meth, metric) in table] for meth in methods(report)}
    return {meth: values for meth, values in out.items() if values}


def by_model(report: Report, metric: str) -> tuple[dict[str, float], list[str]]:
    """Each model's score averaged over the methods that every model with a score under
    ``metric`` has, and those methods."""
    table = scores(report)
    scored = [m for m in models(report) if any((m, meth, metric) in table for meth in methods(report))]
    common = [meth for meth in methods(report) if scored and all((m, meth, metric) in table for m in scored)]
    if not common:
        return {}, []
    return {m: fmean(table[(m, meth, metric)] for meth in common) for m in scored}, common


def metric_correlation(report: Report) -> tuple[list[str], list[list[float]], int, int]:
    """Spearman correlation between metrics over the per-image scores of every
    (model, method) scored under all metrics: (metrics, matrix, images, cells)."""
    names, table = metrics(report), per_image(report)
    columns: dict[str, list[float]] = {metric: [] for metric in names}
    pairs = 0
    for model in models(report):
        for method in methods(report):
            rows = [table.get((model, method, metric)) for metric in names]
            if all(rows):
                pairs += 1
                common = min(map(len, rows))    # cells of n images scored the model's first n
                for metric, row in zip(names, rows):
                    columns[metric] += row[:common]
    n = len(columns[names[0]]) if names else 0
    if len(names) < 2 or n < 3:
        return names, [], n, pairs
    ranked = {metric: _ranks(values) for metric, values in columns.items()}

    def rho(a: str, b: str) -> float:
        x, y = ranked[a], ranked[b]
        if x.std() == 0 or y.std() == 0:
            return math.nan
        return float(((x - x.mean()) * (y - y.mean())).mean() / (x.std() * y.std()))

    return names, [[rho(a, b) for b in names] for a in names], n, pairs


def _ranks(values: list[float]) -> Any:
    """Ranks with ties averaged (as Spearman's rho needs), as a numpy array."""
    import numpy as np

    x = np.asarray(values, dtype=float)
    ranks = np.empty(len(x))
    ranks[x.argsort(kind="stable")] = np.arange(len(x))
    _, tie, counts = np.unique(x, return_inverse=True, return_counts=True)
    return (np.bincount(tie, weights=ranks) / counts)[tie]


def card_accuracy(model: ModelEntry) -> float | None:
    return (model.get("card") or {}).get("clean_accuracy")


# -- formatting -------------------------------------------------------------------
def fmt(value: float | None, digits: int = 3) -> str:
    return NA if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def pct(value: float | None) -> str:
    return NA if value is None else f"{100 * value:.1f}%"


def count(value: float | None) -> str:
    """12345678 -> ``12.35M``."""
    if value is None:
        return NA
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.2f}{suffix}"
    return f"{value:g}"


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _best_in_columns(grid: list[list[float | None]], higher: bool) -> frozenset[tuple[int, int]]:
    """(row, column) of each column's best value in a table whose first column is the row name."""
    best = set()
    for j in range(len(grid[0]) if grid else 0):
        values = [r[j] for r in grid if r[j] is not None]
        if values:
            top = max(values) if higher else min(values)
            best |= {(i, j + 1) for i, r in enumerate(grid) if r[j] == top}
    return frozenset(best)


# -- the tables -------------------------------------------------------------------
def score_table(report: Report, metric: str) -> Table:
    """Tables A6-A9: model x method scores under one metric, the best model per method marked."""
    higher = higher_is_better(report).get(metric, True)
    table = scores(report)
    grid = [[table.get((m, meth, metric)) for meth in methods(report)] for m in models(report)]
    return Table(f"scores-{metric}", metric_title(metric, higher), ["model", *methods(report)],
                 [[m, *map(fmt, row)] for m, row in zip(models(report), grid)],
                 f"As Tables A6-A9: mean of the per-image scores; {NA}: no score (skipped or errored cell).",
                 _best_in_columns(grid, higher))


def method_ranks(report: Report) -> Table:
    """Table A2: per metric, each method's score averaged over models (± std over models)
    and its rank; then the mean rank, best first."""
    hib, names, n_models = higher_is_better(report), metrics(report), len(models(report))
    stats = {metric: by_method(report, metric) for metric in names}
    rank = {metric: ranks({k: fmean(v) for k, v in s.items()}, hib.get(metric, True)) for metric, s in stats.items()}
    mean_rank = {meth: fmean(r[meth] for r in rank.values() if meth in r) for meth in methods(report)
                 if any(meth in r for r in rank.values())}
    order = sorted(mean_rank, key=mean_rank.__getitem__)
    rows, best, partial = [], set(), False
    for i, meth in enumerate(order):
        row = [meth]
        for j, metric in enumerate(names, start=1):
            values = stats[metric].get(meth)
            if not values:
                row.append(NA)
                continue
            star = "*" if len(values) < n_models else ""
            partial |= bool(star)
            row.append(f"{fmean(values):.3f}±{pstdev(values):.3f} ({ordinal(rank[metric][meth])}){star}")
            if rank[metric][meth] == 1:
                best.add((i, j))
        rows.append([*row, f"{mean_rank[meth]:.2f}"])
    note = "Mean ± std over models, (rank) per metric (↑ higher / ↓ lower is better); sorted by mean rank."
    if partial:
        note += " *: averaged over fewer models than the others (the method was not scored on every model)."
    header = ["method", *(metric_title(m, hib.get(m), True) for m in names), "mean rank"]
    return Table("method-ranks", "Method ranks (Table A2)", header, rows, note, frozenset(best))


def model_ranks(report: Report) -> Table:
    """Table A4: per metric, each model's method-averaged score and rank, with the clean
    accuracy of its card (and its rank) when cards have one."""
    hib, names = higher_is_better(report), metrics(report)
    averaged = {metric: by_model(report, metric) for metric in names}
    rank = {metric: ranks(avg, hib.get(metric, True)) for metric, (avg, _) in averaged.items()}
    accuracy = {m["name"]: card_accuracy(m) for m in report["models"] if card_accuracy(m) is not None}
    acc_rank = ranks(accuracy, True)
    header = ["model", "training", *(metric_title(m, hib.get(m), True) for m in names)]
    header += ["clean acc"] if accuracy else []
    rows, best = [], set()
    for i, model in enumerate(report["models"]):
        name, row = model["name"], [model["name"], model.get("training", "")]
        for j, metric in enumerate(names, start=2):
            avg = averaged[metric][0]
            row.append(f"{avg[name]:.3f} ({ordinal(rank[metric][name])})" if name in avg else NA)
            if rank[metric].get(name) == 1:
                best.add((i, j))
        if accuracy:
            row.append(f"{pct(accuracy[name])} ({ordinal(acc_rank[name])})" if name in accuracy else NA)
            if acc_rank.get(name) == 1:
                best.add((i, len(row) - 1))
        rows.append(row)
    left = {metric: [m for m in methods(report) if m not in common] for metric, (_, common) in averaged.items()}
    note = "Method-averaged score (rank) per metric (↑ higher / ↓ lower is better); averaged over the methods " \
        "scored on every model"
    if len({tuple(v) for v in left.values()}) == 1 and any(left.values()):
        note += f" (leaving out {', '.join(next(iter(left.values())))})"
    elif any(left.values()):
        note += " (leaving out " + "; ".join(f"{', '.join(v)} under {metric_title(k)}"
                                             for k, v in left.items() if v) + ")"
    return Table("model-ranks", "Model ranks (Table A4)", header, rows, note + ".", frozenset(best))


def model_cards(report: Report) -> Table:
    """Table 1: what each model's card says (accuracies, confidence, size), with its
    accuracy and true-class confidence on this run's images; empty columns are left out."""
    rows = []
    for m in report["models"]:
        card, conf = m.get("card") or {}, m.get("confidence") or []
        rows.append({"model": m["name"], "arch": m.get("arch", ""), "training": m.get("training", ""),
                     "clean acc": pct(card.get("clean_accuracy")), "PGD acc": pct(card.get("pgd_accuracy")),
                     "confidence (card)": fmt(card.get("mean_confidence"), 2), "acc here": pct(m.get("accuracy")),
                     "confidence here": f"{fmean(conf):.2f} ± {pstdev(conf):.2f}" if conf else NA,
                     "params": count(card.get("params")), "MACs": count(card.get("macs"))})
    header = [h for h in (rows[0] if rows else []) if any(r[h] != NA for r in rows)]
    return Table("models", "Models (Table 1)", header, [[r[h] for h in header] for r in rows],
                 "Accuracies and card confidence as the model cards give them; 'here': on this run's "
                 "images (confidence: mean ± std softmax of the true class).")


def correlation_table(report: Report) -> Table:
    """Fig. 6b: Spearman correlation between the metrics over per-image scores."""
    names, matrix, n, pairs = metric_correlation(report)
    titles = [metric_title(m) for m in names]
    if not matrix:
        return Table("metric-correlation", "Metric correlation (Fig. 6b)", [], [],
                     f"Not computed: needs at least two metrics and three images scored under all of them (has {n}).")
    return Table("metric-correlation", "Metric correlation (Fig. 6b)", ["", *titles],
                 [[title, *(fmt(v, 2) for v in row)] for title, row in zip(titles, matrix)],
                 f"Spearman rank correlation over {n} per-image scores of the {pairs} (model, method) pairs "
                 f"scored under all metrics; {NA}: a constant score.")


def first_line(text: str | None, limit: int = 300) -> str:
    return (text or "").strip().split("\n")[0][:limit]


def verdict(claim: ClaimEntry) -> str:
    """PASS, FAIL, INCONCLUSIVE, ERROR or SKIP, with the reason when there is no verdict; a verdict on
    a claim the benchmark lists as a known failure says so."""
    outcome, passed = claim.get("outcome"), claim.get("passed")
    if outcome == "inconclusive":
        return f"INCONCLUSIVE: {first_line(claim.get('message'))}".strip()
    if outcome == "skipped" or outcome is None and passed is None:
        return f"SKIP: {claim.get('skip_reason') or first_line(claim.get('message'))}".strip()
    if outcome == "error":
        return f"ERROR: {first_line(claim.get('message'))}".strip()
    if passed is None:  # the check itself failed
        return f"FAIL: {first_line(claim.get('message'))}".strip()
    if claim.get("known_failure"):
        return "PASS, though listed as a known failure" if passed else "FAIL (known)"
    return "PASS" if passed else "FAIL"


def claims_table(report: Report) -> Table:
    claims = report.get("claims", [])
    rows = [[c["id"], verdict(c), fmt(c.get("value")), fmt(c.get("p_value"), 4), c.get("statement", ""),
             c.get("statistic", ""), c.get("threshold", "")] for c in claims]
    tally = {v: sum(verdict(c).startswith(v) for c in claims) for v in ("PASS", "FAIL", "INCONCLUSIVE", "ERROR", "SKIP")}
    return Table("claims", "Claims", ["claim", "verdict", "value", "p", "statement", "statistic", "pass if"], rows,
                 ", ".join(f"{n} {v}" for v, n in tally.items() if n) or "No claims in this report.")


def failures_table(report: Report) -> Table:
    bad = [c for c in report["cells"] if c.get("outcome") in ("failed", "error")]
    rows = [[c["model"], c["method"], c["metric"], c["outcome"], first_line(c.get("message"))] for c in bad]
    return Table("failures", "Failed cells", ["model", "method", "metric", "outcome", "message"], rows,
                 f"{len(bad)} of {len(report['cells'])} cells failed." if bad else "No cell failed.")


def tables(report: Report) -> list[Table]:
    """All tables, in the order both renderings show them."""
    return [claims_table(report), failures_table(report), model_cards(report),
            *(score_table(report, m) for m in metrics(report)), method_ranks(report), model_ranks(report),
            correlation_table(report)]


def _more_images(config: RunConfig) -> str:
    """``; 128 for gradient localization cells`` for each method group that took more images."""
    more = config.get("localization_images") or {}
    return "".join(f"; {n} for {group} localization cells" for group, n in more.items())


def summary(report: Report) -> list[tuple[str, str]]:
    """The run at a glance: (label, value) pairs."""
    config, cells = report["config"], report["cells"]
    resolved = {k: ", ".join(sorted({str(x[k]) for x in xs if x.get(k)})) or str(config.get(k))
                for k, xs in (("subset", report["models"]), ("profile", cells))}
    outcomes = {o: sum(c.get("outcome") == o for c in cells) for o in dict.fromkeys(c.get("outcome") for c in cells)}
    return [("benchmark", str(config.get("benchmark"))), ("models", ", ".join(models(report))),
            ("methods", ", ".join(methods(report))), ("metrics", ", ".join(metrics(report))),
            ("images", f"{config.get('images')} per model{_more_images(config)} ({resolved['subset']} subset), "
                       f"seed {config.get('seed')}"),
            ("profile / device", f"{resolved['profile']} / {(report.get('environment') or {}).get('device')}"),
            ("cells", ", ".join(f"{n} {o}" for o, n in outcomes.items()) or "none"),
            ("schema", str(report.get("schema")))]


# -- text rendering ---------------------------------------------------------------
WIDTH = 120
NUMERIC = re.compile(rf"^([-+]?\d|{NA}$)")


def _fit(widths: list[int], floors: list[int], budget: int) -> list[int]:
    """Narrow the widest columns, none below its floor, until the row fits in ``budget`` characters."""
    widths = list(widths)
    while sum(widths) > budget:
        free = [j for j, w in enumerate(widths) if w > floors[j]]
        if not free:
            break
        widths[max(free, key=widths.__getitem__)] -= 1
    return widths


def to_text(table: Table) -> str:
    """A fixed-width rendering at most ``WIDTH`` wide: long cells wrap, numeric columns
    align right, the best values are marked ``<``."""
    lines = [table.title, "=" * len(table.title)]
    if table.rows:
        body = [[cell + (" <" if (i, j) in table.best else "") for j, cell in enumerate(row)]
                for i, row in enumerate(table.rows)]
        right = [j > 0 and all(NUMERIC.match(row[j]) for row in table.rows) for j in range(len(table.header))]
        cells = [max(len(row[j]) for row in body) for j in range(len(table.header))]
        natural = [max(w, len(h)) for w, h in zip(cells, table.header)]
        floors = [max([w if r else min(w, 12), *(len(word) for word in h.split())])
                  for w, h, r in zip(cells, table.header, right)]
        widths = _fit(natural, floors, WIDTH - 2 * (len(natural) - 1))
        wrapped = [[textwrap.wrap(cell, w) or [""] for cell, w in zip(row, widths)] for row in [table.header, *body]]
        widths = [max(len(line) for row in wrapped for line in row[j]) for j in range(len(widths))]
        for k, row in enumerate(wrapped):
            for depth in range(max(len(c) for c in row)):
                parts = [(c[depth] if depth < len(c) else "") for c in row]
                lines.append("  ".join(p.rjust(w) if r else p.ljust(w)
                                       for p, w, r in zip(parts, widths, right)).rstrip())
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
    lines += textwrap.wrap(table.note + (" <: the best in its column." if table.best else ""), WIDTH)
    return "\n".join(lines)


def render(report: Report) -> str:
    """The report as plain text for a terminal."""
    head = [f"pytest-xai report: {report['config'].get('benchmark')}"]
    head += [f"  {label:<17}{value}" for label, value in summary(report)]
    return "\n\n".join(["\n".join(head), *(to_text(t) for t in tables(report))]) + "\n"
