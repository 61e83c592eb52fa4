"""Re-evaluate claims on a report whose cells are partly replaced by another report's.

    python -m studies.claim_with_cells REPORT OTHER [--claims F3]

Every cell of OTHER (same model, method and metric) replaces REPORT's before the
claims are evaluated, e.g. RISE's cells at the paper's mask budget
(`pytest benchmarks --xai-models=vanilla,robust --xai-methods=rise --xai-profile=paper
--xai-report=rise-paper.json -k test_cell`) in the fast-profile baseline, to see what
the fast profile does to a claim. Prints each claim's verdict and the numbers behind it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pytest_xai.claims.base import evaluate_claim, table_from_report
from pytest_xai.session import base_registry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("other", type=Path, help="a report whose cells replace the first one's")
    parser.add_argument("--claims", default="F3", help="comma-separated claim ids (default F3)")
    args = parser.parse_args()
    report = json.loads(args.report.read_text())
    other = {(c["model"], c["method"], c["metric"]): c for c in json.loads(args.other.read_text())["cells"]}
    cells = [other.get((c["model"], c["method"], c["metric"]), c) for c in report["cells"]]
    print(f"{sum(c is not r for c, r in zip(cells, report['cells']))} of {len(cells)} cells replaced")
    report = {**report, "cells": cells}
    registry = base_registry()
    for claim_id in args.claims.split(","):
        claim = registry.claims[claim_id]
        record = evaluate_claim(claim, lambda: table_from_report(claim, report))
        print(f"{claim_id}: {record['outcome']}, value {record['value']}, p {record['p_value']}")
        print(json.dumps(record["details"], indent=1, default=str))


if __name__ == "__main__":
    main()
