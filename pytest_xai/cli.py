"""The ``pytest-xai`` command: read, render, merge, compare and re-evaluate reports.

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
    from pytest_xai.report.merge import MergeError, require_same_images

    base, new = _load(args.base), _load(args.new)
    try:
        require_same_images((base, new), (args.base, args.new))
    except MergeError as exc:
        raise SystemExit(f"pytest-xai compare: {exc}") from None
    rows = compare_reports(base, new, alpha=args.alpha, margin=args.margin)
    print(format_comparison(rows, alpha=args.alpha, margin=args.margin))
    missing = missing_cells(base, new)
    if missing:
        print(f"{len(missing)} cells of {args.base} have no scores in {args.new}"
              + (" (allowed by --allow-missing)" if args.allow_missing else "") + ": "
              + ", ".join("-".join(key) for key in missing[:SHOWN_MISSING])
              + (f", ... and {len(missing) - SHOWN_MISSING} more" if len(missing) > SHOWN_MISSING else ""))
    return 1 if any(row["worse"] for row in rows) or (missing and not args.allow_missing) else 0


def _claims(args: argparse.Namespace) -> int:
    import json

    from pytest_xai.report.merge import MergeError, evaluate_claims, with_cells_from
    from pytest_xai.report.tables import claims_table, to_text
    from pytest_xai.session import base_registry

    report = _load(args.report)
    if args.cells_from:
        try:
            report, replaced = with_cells_from(report, _load(args.cells_from), (args.report, args.cells_from))
        except MergeError as exc:
            raise SystemExit(f"pytest-xai claims: {exc}") from None
        print(f"{replaced} of {len(report['cells'])} cells taken from {args.cells_from}")
    registry = base_registry()
    ids = args.claims.split(",") if args.claims else list(report["config"].get("claims", []))
    unknown = [c for c in ids if c not in registry.claims]
    if unknown:
        raise SystemExit(f"pytest-xai claims: unknown claim {', '.join(unknown)}; the claims are "
                         f"{', '.join(registry.claims.names())}")
    report = {**report, "claims": evaluate_claims(report, registry, ids)}
    print(to_text(claims_table(report)))
    if args.details:
        print(json.dumps({c["id"]: c.get("details") for c in report["claims"]}, indent=1, default=str))
    return 1 if any(c["outcome"] == "failed" and not c.get("known_failure") for c in report["claims"]) else 0


def _margin(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0.0 <= value < math.inf:
        raise argparse.ArgumentTypeError(f"invalid value {raw!r}: a margin is a finite number >= 0")
    return value


def _alpha(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"invalid value {raw!r}: a significance level is in (0, 1)")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pytest-xai", formatter_class=argparse.RawDescriptionHelpFormatter,
                                     description=__doc__.strip().replace("``", "`"))
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
    compare = commands.add_parser("compare", help="per-cell deltas; exit 1 if a cell got worse (significantly, by "
                                  "more than --margin) "
                                  "or a cell of BASE is missing from NEW")
    compare.add_argument("base")
    compare.add_argument("new")
    compare.add_argument("--alpha", type=_alpha, default=0.01, help="significance level in (0, 1) (default 0.01)")
    compare.add_argument("--margin", type=_margin, default=0.01,
                         help="the drop of a cell's mean, in the metric's units, that a significant difference must "
                              "exceed to count as worse (default 0.01)")
    compare.add_argument("--allow-missing", action="store_true",
                         help="exit 0 even when cells of BASE have no scores in NEW (a narrower run)")
    compare.set_defaults(run=_compare)
    claims = commands.add_parser("claims", help="the claims evaluated again on a report's scores; exit 1 if one "
                                 "does not hold and is not a known failure")
    claims.add_argument("report")
    claims.add_argument("--cells-from", metavar="OTHER", help="a report of the same benchmark and seed whose cells "
                        "replace the report's (same model, method and metric)")
    claims.add_argument("--claims", help="comma-separated claim ids (default: the report's)")
    claims.add_argument("--details", action="store_true", help="also print each claim's statistics as JSON")
    claims.set_defaults(run=_claims)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
