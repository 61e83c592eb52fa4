"""Builds the JSON report on the controller (its records are typed in ``schema.py``)."""

from __future__ import annotations

import math
import platform
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pytest_xai.report.schema import SCHEMA, CellRecord, ClaimEntry, Environment, Report, RunConfig

if TYPE_CHECKING:
    from pytest_xai.registry import Registry
    from pytest_xai.selection import Grid
    from pytest_xai.settings import XaiConfig

PACKAGES = ("pytest-xai", "pytest", "torch", "torchvision", "numpy", "scipy", "grad-cam", "torchray",
            "captum", "lime", "shap")


def environment(device: str | None) -> Environment:
    """Versions of Python and the relevant packages (read without importing them)."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"python": platform.python_version(), "platform": platform.platform(terse=True),
            "packages": versions, "device": device}


def report_config(cfg: XaiConfig, registry: Registry, grid: Grid, root: Path) -> RunConfig:
    """The report's ``config`` entry for a run of ``grid`` under ``cfg``. Paths inside ``root``
    (the rootdir) are given relative to it, so that reports (and the committed baseline) do
    not depend on where the repository was cloned; tools that read a path back from a report
    (the score store for figures) run from the rootdir."""
    def shown(path: Path) -> str:
        return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)

    benchmark = registry.benchmarks[grid.benchmark]
    return {"benchmark": grid.benchmark, "models": list(grid.models), "methods": list(grid.methods),
            "metrics": list(grid.metrics), "claims": list(grid.claims),
            "shard": f"{grid.shard[0]}/{grid.shard[1]}" if grid.shard else None,
            "images": cfg.images or benchmark.default_images,
            "localization_images": {} if cfg.images else dict(benchmark.localization_images),
            "seed": cfg.seed, "device": cfg.device, "profile": cfg.profile, "subset": cfg.subset,
            "baseline": shown(cfg.baseline) if cfg.baseline else None, "cache_dir": shown(cfg.cache_dir),
            "batch_memory": cfg.batch_memory,
            "class_names": list(benchmark.class_names)}


def build_report(config: RunConfig, models: list[dict[str, Any]], cells: list[dict[str, Any]],
                 claims: list[ClaimEntry] | None = None) -> Report:
    """Assemble the report from ``ModelSpec.describe`` entries, cell records (each with the
    ``model_info`` the evaluation measured, which moves to its model's entry) and claim entries."""
    infos: dict[str, dict[str, Any]] = {}
    devices = {str(c["device"]) for c in cells if c.get("device")}
    clean_cells: list[CellRecord] = []
    for cell in sorted(cells, key=lambda c: c["index"]):
        cell = dict(cell)
        info = cell.pop("model_info", None)
        if info is not None:
            infos.setdefault(cell["model"], {}).update(info)
        clean_cells.append(cast(CellRecord, cell))
    return cast(Report, _plain({
        "schema": SCHEMA,
        "environment": environment(", ".join(sorted(devices)) or None),
        "config": config,
        "models": [{**m, **infos.get(m["name"], {"image_ids": None})} for m in models],
        "cells": clean_cells,
        "claims": claims or [],
    }))


def _plain(value: Any) -> Any:
    """Plain JSON types; non-finite floats become None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
