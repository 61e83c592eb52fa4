"""How far the `fast` profile's scores are from the `paper` profile's, cell by cell.

Run the same grid twice, once per profile, then compare the two reports:

    pytest benchmarks --xai-models=resnet,resnet-r --xai-images=8 --xai-profile=fast \\
        --xai-baseline=none --xai-report=reports/xai-report-fast.json
    pytest benchmarks --xai-models=resnet,resnet-r --xai-images=8 --xai-profile=paper \\
        --xai-baseline=none --xai-report=reports/xai-report-paper.json
    python -m studies.fast_vs_paper reports/xai-report-fast.json reports/xai-report-paper.json

Prints, per (model, method, metric) cell whose parameters differ between the profiles,
both means, their difference (fast - paper) and the Spearman rank correlation of the
per-image scores (scipy; undefined when either side is constant), then per method the
mean absolute difference and mean rho over its cells. Cells whose methods have no
fast-profile caps (Gradient, GradCAM, CAM) are the same in both and left out.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from statistics import fmean


def compare(fast: dict, paper: dict) -> list[dict]:
    """One row per cell present with scores in both reports and computed with other parameters."""
    from scipy.stats import spearmanr

    paper_cells = {(c["model"], c["method"], c["metric"]): c for c in paper["cells"] if c.get("scores")}
    fast_ids = {m["name"]: m.get("image_ids") for m in fast["models"]}
    paper_ids = {m["name"]: m.get("image_ids") for m in paper["models"]}
    rows = []
    for cell in fast["cells"]:
        other = paper_cells.get((cell["model"], cell["method"], cell["metric"]))
        if not cell.get("scores") or other is None or cell["method_params"] == other["method_params"]:
            continue
        if fast_ids[cell["model"]] != paper_ids[cell["model"]]:
            raise SystemExit(f"{cell['model']}: the two reports scored different images")
        constant = len(set(cell["scores"])) < 2 or len(set(other["scores"])) < 2
        rho = None if constant else float(spearmanr(cell["scores"], other["scores"]).statistic)
        rows.append({"model": cell["model"], "method": cell["method"], "metric": cell["metric"],
                     "fast": cell["mean"], "paper": other["mean"], "diff": cell["mean"] - other["mean"],
                     "rho": rho, "n": len(cell["scores"])})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fast", type=Path)
    parser.add_argument("paper", type=Path)
    args = parser.parse_args()
    rows = compare(json.loads(args.fast.read_text()), json.loads(args.paper.read_text()))
    print(f"{'model':<14} {'method':<22} {'metric':<14} {'fast':>7} {'paper':>7} {'diff':>7} {'rho':>6} {'n':>4}")
    for r in rows:
        rho = "-" if r["rho"] is None else f"{r['rho']:.2f}"
        print(f"{r['model']:<14} {r['method']:<22} {r['metric']:<14} {r['fast']:>7.3f} {r['paper']:>7.3f} "
              f"{r['diff']:>+7.3f} {rho:>6} {r['n']:>4}")
    per_method = defaultdict(list)
    for r in rows:
        per_method[r["method"]].append(r)
    print("\nper method: mean |fast - paper| over its cells, mean rho (cells where defined)")
    for method, group in per_method.items():
        rhos = [r["rho"] for r in group if r["rho"] is not None]
        print(f"  {method:<22} {fmean(abs(r['diff']) for r in group):.3f}  "
              f"{fmean(rhos) if rhos else float('nan'):.2f}")


if __name__ == "__main__":
    main()
