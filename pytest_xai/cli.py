"""The ``pytest-xai`` command: read, render, merge and compare reports.

Run the benchmark itself with pytest, e.g. ``pytest benchmarks --xai-models=all``.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from pytest_xai.report.schema import Report, ReportError, read_report


def _load(path: str) -> Report:
    try:
        return read_report(path)
    except ReportError as exc:
        raise SystemExit(f"pytest-xai: {exc}") from None


def _show(args: argparse.Namespace) -> int:
    report = _load(args.report)
    from pytest_xai.report.tables import render

    print(render(report))
    return 0


def _html(args: argparse.Namespace) -> int:
    report = _load(args.report)
    from pytest_xai.report.html import write_page

    page = write_page(report, Path(args.output), cache_dir=Path(args.cache_dir) if args.cache_dir else None)
    print(f"pytest-xai: wrote {page}")
    return 0


def _merge(args: argparse.Namespace) -> int:
    from pytest_xai.report.merge import MergeError, merge_reports
    from pytest_xai.report.schema import write_report
    from pytest_xai.session import base_registry

    try:
        merged = merge_reports([_load(p) for p in args.reports], base_registry(), names=args.reports)
    except MergeError as exc:
        raise SystemExit(f"pytest-xai merge: {exc}") from None
    write_report(Path(args.output), merged)
    print(f"pytest-xai: merged {len(args.reports)} reports into {args.output} ({len(merged['cells'])} cells)")
    return 0


SHOWN_MISSING = 10   # missing cells named by compare; a narrow run against a full baseline lacks hundreds


def _compare(args: argparse.Namespace) -> int:
    from pytest_xai.report.compare import compare_reports, format_comparison, missing_cells

    base, new = _load(args.base), _load(args.new)
    where = [(r["config"]["benchmark"], r["config"]["seed"]) for r in (base, new)]
    if where[0] != where[1]:
        raise SystemExit(f"pytest-xai compare: {args.base} is benchmark {where[0][0]!r} at seed {where[0][1]}, "
                         f"{args.new} is {where[1][0]!r} at seed {where[1][1]}: their images differ, so their "
                         "cells cannot be compared")
    rows = compare_reports(base, new, alpha=args.alpha)
    print(format_comparison(rows, alpha=args.alpha))
    missing = missing_cells(base, new)
    if missing:
        print(f"{len(missing)} cells of {args.base} have no scores in {args.new}"
              + (" (allowed by --allow-missing)" if args.allow_missing else "") + ": "
              + ", ".join("-".join(key) for key in missing[:SHOWN_MISSING])
              + (f", ... and {len(missing) - SHOWN_MISSING} more" if len(missing) > SHOWN_MISSING else ""))
    return 1 if any(row["worse"] for row in rows) or (missing and not args.allow_missing) else 0


def _alpha(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"invalid value {raw!r}: a significance level is in (0, 1)")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pytest-xai", description=__doc__.strip().splitlines()[0] + " "
                                     "Run the benchmark itself with pytest, e.g. `pytest benchmarks --xai-models=all`.")
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("show", help="the paper's tables for a report")
    show.add_argument("report")
    show.set_defaults(run=_show)
    html = commands.add_parser("html", help="a static page with the tables and figures")
    html.add_argument("report")
    html.add_argument("-o", "--output", required=True, help="folder for index.html and its figures")
    html.add_argument("--cache-dir", help="score store holding the maps (default: the report's config.cache_dir, "
                      "which is relative to the rootdir when the store lies inside it)")
    html.set_defaults(run=_html)
    merge = commands.add_parser("merge", help="join the reports of shards of one grid")
    merge.add_argument("reports", nargs="+")
    merge.add_argument("-o", "--output", required=True)
    merge.set_defaults(run=_merge)
    compare = commands.add_parser("compare", help="per-cell deltas; exit 1 if a cell got significantly worse "
                                  "or a cell of BASE is missing from NEW")
    compare.add_argument("base")
    compare.add_argument("new")
    compare.add_argument("--alpha", type=_alpha, default=0.01, help="significance level in (0, 1) (default 0.01)")
    compare.add_argument("--allow-missing", action="store_true",
                         help="exit 0 even when cells of BASE have no scores in NEW (a narrower run)")
    compare.set_defaults(run=_compare)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
