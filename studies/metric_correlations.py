"""Where claim F5's metric correlations come from: pooled, within models and between them.

    python -m studies.metric_correlations [REPORT]   (default: reports/baseline-mini.json)

F5 (the paper's Table 6b) pools the per-image scores of every (model, method) and takes
Spearman's rho between metrics. This prints, for each pair of metrics, that pooled rho,
the within-model rho (scores ranked within each model, then pooled: what one model's
images say) and the between-model rho (Spearman over the models' mean scores), and for
the Pointing Game and WSL, both 0/1 per image, the largest correlation their hit rates
allow (the phi coefficient's bound).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
from pathlib import Path

import numpy as np
from scipy.stats import rankdata, spearmanr

METRICS = ("pointing_game", "wsl", "insertion", "deletion")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", nargs="?", type=Path, default=Path("reports/baseline-mini.json"))
    args = parser.parse_args()
    report = json.loads(args.report.read_text())
    cells = {(c["model"], c["method"], c["metric"]): c.get("scores") for c in report["cells"]}
    columns: dict[str, list[float]] = {m: [] for m in METRICS}
    groups: list[str] = []
    for model, method in dict.fromkeys((c[0], c[1]) for c in cells):
        rows = [cells.get((model, method, metric)) for metric in METRICS]
        if all(rows):
            for metric, row in zip(METRICS, rows):
                columns[metric] += row
            groups += [model] * len(rows[0])
    scores = {m: np.array(v) for m, v in columns.items()}
    group = np.array(groups)
    models = sorted(set(groups))

    def within(values: np.ndarray) -> np.ndarray:
        out = np.empty(len(values))
        for g in models:
            ranks = rankdata(values[group == g])
            out[group == g] = ranks - ranks.mean()
        return out

    print(f"{args.report}: {len(group)} (image, method, model) triples, {len(models)} models")
    print(f"{'metrics':<28} {'pooled':>7} {'within':>7} {'between':>8}")
    for a, b in itertools.combinations(METRICS, 2):
        pooled = spearmanr(scores[a], scores[b]).statistic
        inside = np.corrcoef(within(scores[a]), within(scores[b]))[0, 1]
        means = [[scores[m][group == g].mean() for g in models] for m in (a, b)]
        between = spearmanr(*means).statistic
        print(f"{a + '~' + b:<28} {pooled:7.3f} {inside:7.3f} {between:8.3f}")
    pg, wsl = scores["pointing_game"].mean(), scores["wsl"].mean()
    lo, hi = sorted((pg, wsl))
    print(f"hit rates: Pointing Game {pg:.3f}, WSL {wsl:.3f}; the largest correlation two 0/1 scores with "
          f"these rates can have: {math.sqrt(lo * (1 - hi) / (hi * (1 - lo))):.3f}")


if __name__ == "__main__":
    main()
