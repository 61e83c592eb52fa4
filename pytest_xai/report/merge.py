"""Reports joined: ``pytest-xai merge`` (the shards of one grid, ``--xai-shard=K/N``) and
``pytest-xai claims --cells-from`` (one report's cells in place of another's).

The merged report is the report the unsharded run would have written, timings
aside: cells and models are joined in grid order, and the claims, which need the
whole grid, are evaluated on the joined scores.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_xai.registry import Registry
    from pytest_xai.report.schema import CellRecord, ClaimEntry, ModelEntry, Report

RUN_ONLY = ("shard", "cache_dir")  # config fields that may differ between shards


class MergeError(ValueError):
    """The reports are not shards of one grid."""


def _same_grid(reports: list[Report], names: list[str]) -> None:
    def grid_of(report: Report) -> dict[str, Any]:
        return {k: v for k, v in report.get("config", {}).items() if k not in RUN_ONLY}

    first = reports[0]
    for name, report in zip(names[1:], reports[1:]):
        if report.get("schema") != first.get("schema"):
            raise MergeError(f"{name} has schema {report.get('schema')!r}, {names[0]} {first.get('schema')!r}")
        versions = [r.get("environment", {}).get("packages", {}).get("pytest-xai") for r in (first, report)]
        if versions[0] != versions[1]:
            raise MergeError(f"{name} was made by pytest-xai {versions[1]}, {names[0]} by {versions[0]}")
        mine, theirs = grid_of(first), grid_of(report)
        for key in sorted(set(mine) | set(theirs)):
            if mine.get(key) != theirs.get(key):
                raise MergeError(f"{name} differs from {names[0]} in config.{key}: "
                                 f"{theirs.get(key)!r} vs {mine.get(key)!r}")


def merge_reports(reports: list[Report], registry: Registry, names: list[str] | None = None) -> Report:
    """One report from the reports of shards of the same grid (same benchmark, selection,
    seed, images, profile and pytest-xai version); a cell in two reports is an error. The
    claims are those of ``registry`` (the caller's: built-ins, entry points), evaluated on
    the joined scores. ``names`` (their paths) name the reports in errors; by default
    "report 1", ...."""
    if not reports:
        raise MergeError("no reports to merge")
    names = names or [f"report {i}" for i in range(1, len(reports) + 1)]
    _same_grid(reports, names)
    cells: dict[tuple[str, str, str], CellRecord] = {}
    models: dict[str, ModelEntry] = {}
    for name, report in zip(names, reports):
        for cell in report["cells"]:
            key = (cell["model"], cell["method"], cell["metric"])
            if key in cells:
                raise MergeError(f"cell {'-'.join(key)} is in two reports (the second is {name})")
            cells[key] = cell
        for model in report["models"]:     # what a shard measured of a model adds to the entry
            if model.get("image_ids") is not None:
                models[model["name"]] = {**models.get(model["name"], {}), **model}
            elif model["name"] not in models:
                models[model["name"]] = model
    config = {**reports[0]["config"], "shard": None}
    devices = {r["environment"].get("device") for r in reports if r["environment"].get("device")}
    merged = {**reports[0], "config": config,
              "environment": {**reports[0]["environment"], "device": ", ".join(sorted(devices)) or None},
              "models": [models[name] for name in config["models"] if name in models],
              "cells": sorted(cells.values(), key=lambda c: c["index"]), "claims": []}
    merged["claims"] = evaluate_claims(merged, registry, [c for c in config.get("claims", []) if c in registry.claims])
    return merged


def evaluate_claims(report: Report, registry: Registry, claim_ids: list[str]) -> list[ClaimEntry]:
    """The claims ``claim_ids`` of ``registry`` evaluated on the report's scores, each with
    the known-failure reason its benchmark gives (when the registry knows the benchmark)."""
    from pytest_xai.claims.base import evaluate_claim, table_from_report

    benchmark = report["config"]["benchmark"]
    known = registry.benchmarks[benchmark].known_failures if benchmark in registry.benchmarks else {}
    return [evaluate_claim(registry.claims[c], lambda c=c: table_from_report(registry.claims[c], report),
                           known.get(c, "")) for c in claim_ids]


def require_same_images(reports: tuple[Report, Report], names: tuple[str, str]) -> None:
    """Refuse two reports whose cells scored different images (another benchmark or seed)."""
    where = [(r["config"]["benchmark"], r["config"]["seed"]) for r in reports]
    if where[0] != where[1]:
        raise MergeError(f"{names[0]} is benchmark {where[0][0]!r} at seed {where[0][1]}, {names[1]} is "
                         f"{where[1][0]!r} at seed {where[1][1]}: their images differ, so their cells cannot be "
                         "compared")


def with_cells_from(report: Report, other: Report, names: tuple[str, str] = ("the report", "the other")
                    ) -> tuple[Report, int]:
    """``report`` with each cell that ``other`` also has (same model, method and metric)
    taken from ``other``, and how many were; e.g. one method's cells rerun at the paper
    profile, to see what the fast profile does to a claim."""
    require_same_images((report, other), names)
    replacing = {(c["model"], c["method"], c["metric"]): c for c in other["cells"]}
    cells = [replacing.get((c["model"], c["method"], c["metric"]), c) for c in report["cells"]]
    return {**report, "cells": cells}, sum(new is not old for new, old in zip(cells, report["cells"]))
