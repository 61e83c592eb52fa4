"""Builds the JSON report on the controller and writes it atomically.

Schema ``pytest-xai/1``::

    {"schema", "partial" (only in a report of an interrupted run: why; such a report is
     written beside the normal one, as NAME.partial.json, and refused by every reader),
     "environment": {python, platform, packages, device},
     "config": {benchmark, models, methods, metrics, claims, images (per model and cell),
                localization_images (method group: images of its localization cells, where
                more), seed, device, profile, subset, baseline, cache_dir, class_names},
     "models": [{name, arch, training, tags, weights, card, subset, cl_group, image_ids (a
                 cell of n images scored the first n),
                 accuracy, confidence (per image: softmax probability of the label),
                 figure_key (store entry "figure": the first images, for figures), ...}],
     "cells": [{model, method, metric, outcome, n, mean, std, median, aggregate,
                higher_is_better, bounds, scores, seconds_per_image, threads, reference,
                baseline, method_group, method_params, metric_params, maps_key (store
                entry "maps"), figure_maps_key (entry "figure_maps": the first images' maps), ...}],
     "claims": [{id, statement, source, statistic, threshold, value, p_value, passed,
                 verdict (holds | does not hold | inconclusive), detectable_effect (the
                 smallest effect its test detects with 80 % power here), images (per
                 model: the images all its cells scored), details, cells, outcome
                 (passed | failed | inconclusive | skipped | error), skip_reason,
                 known_failure, message}]}

Cells are in grid order. Values are plain JSON (NaN becomes null). Only
``seconds_per_image``, ``cached``, ``threads`` and ``config.cache_dir`` change between
identical runs.
"""

from __future__ import annotations

import json
import math
import platform
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_xai.store import write_atomic

if TYPE_CHECKING:
    from pytest_xai.settings import XaiConfig
    from pytest_xai.registry import Registry
    from pytest_xai.selection import Grid

SCHEMA = "pytest-xai/1"
PACKAGES = ("pytest-xai", "pytest", "torch", "torchvision", "numpy", "scipy", "grad-cam", "torchray",
            "captum", "lime", "shap")


def environment(device: str | None) -> dict[str, Any]:
    """Versions of Python and the relevant packages (read without importing them)."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"python": platform.python_version(), "platform": platform.platform(terse=True),
            "packages": versions, "device": device}


def report_config(cfg: XaiConfig, registry: Registry, grid: Grid, root: Path) -> dict[str, Any]:
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
            "class_names": list(benchmark.class_names)}


def build_report(config: dict[str, Any], models: list[dict[str, Any]], cells: list[dict[str, Any]],
                 claims: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Assemble the report; each cell's ``model_info`` moves to its model's entry."""
    infos: dict[str, dict[str, Any]] = {}
    devices = {c.get("device") for c in cells if c.get("device")}
    clean_cells = []
    for cell in sorted(cells, key=lambda c: c["index"]):
        cell = dict(cell)
        info = cell.pop("model_info", None)
        if info is not None:
            infos.setdefault(cell["model"], info)
        clean_cells.append(cell)
    return _plain({
        "schema": SCHEMA,
        "environment": environment(", ".join(sorted(devices)) or None),
        "config": config,
        "models": [{**m, **infos.get(m["name"], {"image_ids": None})} for m in models],
        "cells": clean_cells,
        "claims": claims or [],
    })


class ReportError(ValueError):
    """A file that is not a complete pytest-xai report; the message names the file and why."""


RUN_DEPENDENT_CELL_FIELDS = ("seconds_per_image", "cached", "threads")


def without_run_dependent(report: dict[str, Any]) -> dict[str, Any]:
    """The report less what legitimately changes between identical runs (see the schema above)."""
    cells = [{k: v for k, v in c.items() if k not in RUN_DEPENDENT_CELL_FIELDS} for c in report["cells"]]
    config = {k: v for k, v in report["config"].items() if k != "cache_dir"}
    return {**report, "cells": cells, "config": config}


def read_report(path: Path | str) -> dict[str, Any]:
    """The report at ``path``, refused with a :class:`ReportError` when it is missing,
    unreadable, not JSON, not a pytest-xai report, of another schema version, or partial
    (written by an interrupted run)."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ReportError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        report = json.loads(text)
    except ValueError as exc:
        raise ReportError(f"{path}: not JSON ({exc})") from None
    if not isinstance(report, dict) or "schema" not in report:
        raise ReportError(f"{path}: not a pytest-xai report (no 'schema' field)")
    if report["schema"] != SCHEMA:
        raise ReportError(f"{path}: schema {report['schema']!r}; this pytest-xai reads {SCHEMA!r}")
    if report.get("partial"):
        raise ReportError(f"{path}: a partial report ({report['partial']}); rerun to get a complete one")
    missing = [f"'{key}'" for key, kind in _PARTS.items() if not isinstance(report.get(key), kind)]
    missing += [f"'config.{key}'" for key in _CONFIG_KEYS if not isinstance(report.get("config"), dict)
                or key not in report["config"]]
    if missing:
        raise ReportError(f"{path}: not a complete pytest-xai report (missing or malformed: {', '.join(missing)})")
    broken = [i for i, cell in enumerate(report["cells"])
              if not isinstance(cell, dict) or not _CELL_KEYS <= cell.keys()]
    if broken:
        raise ReportError(f"{path}: not a complete pytest-xai report ({len(broken)} cells, the first at index "
                          f"{broken[0]}, lack one of {', '.join(sorted(_CELL_KEYS))})")
    return report


# What every reader of a report relies on (a report without them was cut short or edited).
_PARTS = {"environment": dict, "config": dict, "models": list, "cells": list, "claims": list}
_CONFIG_KEYS = ("benchmark", "models", "methods", "metrics", "claims", "images", "seed")
_CELL_KEYS = {"model", "method", "metric", "outcome"}


def write_report(path: Path, report: dict[str, Any]) -> None:
    write_atomic(Path(path), (json.dumps(report, indent=1, allow_nan=False) + "\n").encode())


def _plain(value: Any) -> Any:
    """Plain JSON types; non-finite floats become None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
