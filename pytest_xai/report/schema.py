"""The JSON report's records, typed, and the one reader and writer of report files.

A report (schema ``pytest-xai/1``) is one :class:`Report`: the run's ``environment``
and ``config``, one :class:`ModelEntry` per model, one :class:`CellRecord` per (model,
method, metric) cell in grid order, one :class:`ClaimEntry` per claim. Values are
plain JSON (NaN becomes null). A report of an interrupted run carries ``partial`` (why)
and is written beside the normal one as NAME.partial.json; every reader refuses it.
Only ``RUN_DEPENDENT_CELL_FIELDS`` and ``config.cache_dir`` change between identical runs.

(No ``from __future__ import annotations`` here: ``NotRequired`` must be seen at runtime,
where ``read_report`` checks each record's required keys.)
"""

import json
import sys
from pathlib import Path
from typing import Any, TypedDict, cast

if sys.version_info >= (3, 11):
    from typing import NotRequired
else:
    from typing_extensions import NotRequired

from pytest_xai.store import write_atomic

SCHEMA = "pytest-xai/1"


class Environment(TypedDict):
    python: str
    platform: str
    packages: dict[str, str | None]     # distribution: version (None: not installed)
    device: str | None                   # the devices the cells ran on, comma-separated


class RunConfig(TypedDict):
    benchmark: str
    models: list[str]
    methods: list[str]
    metrics: list[str]
    claims: list[str]
    shard: str | None                    # "i/n" when the run is one shard of the grid
    images: int                          # images per model of every cell but those below
    localization_images: dict[str, int]  # method group: images of its localization cells
    seed: int
    device: str
    profile: str                         # as set: "auto" | "fast" | "paper" (the cells say what ran)
    subset: str                          # as set: "auto" | "cl" | "random" (the models say what ran)
    baseline: str | None                 # the baseline report compared with
    cache_dir: str
    batch_memory: int | None             # bytes a forward may hold (--xai-batch-memory); None: fixed batches
    class_names: list[str]


class ModelEntry(TypedDict):
    """``ModelSpec.describe`` plus what the run measured of the model."""

    name: str
    arch: str
    training: str
    tags: list[str]
    weights: str
    cam_layer: str | None
    gap_head: bool
    mean: list[float]
    std: list[float]
    card: dict[str, Any]
    image_ids: list[str] | None          # the evaluation images; a cell of n images scored the first n
    subset: NotRequired[str]
    cl_group: NotRequired[list[str] | None]
    accuracy: NotRequired[float | None]
    confidence: NotRequired[list[float]]  # per image: softmax probability of the label
    figure_key: NotRequired[str]         # store entry "figure": the first images, for figures
    synthesis_key: NotRequired[str]      # store entry "synthesis": class images and inversions it drew


class Reference(TypedDict):
    map: str                             # the method-free map the cell is compared with
    mean: float | None
    p_value: float | None


class CellRecord(TypedDict):
    """One cell. Every cell has the first five keys (one that errored before it was
    evaluated, only those and ``message``); one whose method does not apply to its model
    has ``skip_reason`` and no scores; an evaluated one has the rest."""

    model: str
    method: str
    metric: str
    index: int                           # position in the grid
    outcome: str                         # passed | failed | skipped | error
    message: NotRequired[str]            # why it failed or was skipped
    skip_reason: NotRequired[str]
    higher_is_better: NotRequired[bool]
    bounds: NotRequired[list[float]]
    method_params: NotRequired[dict[str, Any]]
    metric_params: NotRequired[dict[str, Any]]
    device: NotRequired[str]
    profile: NotRequired[str]
    threads: NotRequired[int]
    n: NotRequired[int]
    mean: NotRequired[float | None]
    std: NotRequired[float | None]
    median: NotRequired[float | None]
    aggregate: NotRequired[float | None]  # the metric's own summary (e.g. WSL's MaxBoxAcc)
    scores: NotRequired[list[float | None]]
    seconds_per_image: NotRequired[float]
    cached: NotRequired[bool]
    maps_key: NotRequired[str]           # store entry "maps"
    figure_maps_key: NotRequired[str]    # store entry "figure_maps": the first images' maps
    method_group: NotRequired[str]
    reference: NotRequired[Reference]
    baseline: NotRequired[dict[str, Any] | None]  # the baseline verdict (report/baseline.py)


class ClaimEntry(TypedDict):
    """One claim; one that errored before it was evaluated has only ``id``, ``outcome``
    and ``message``."""

    id: str
    outcome: str                         # passed | failed | inconclusive | skipped | error
    message: NotRequired[str]
    statement: NotRequired[str]
    source: NotRequired[str]
    statistic: NotRequired[str]
    threshold: NotRequired[str]
    value: NotRequired[float | None]
    p_value: NotRequired[float | None]
    passed: NotRequired[bool | None]
    verdict: NotRequired[str | None]     # holds | does not hold | inconclusive
    detectable_effect: NotRequired[float | None]  # the smallest effect its test detects with 80 % power here
    images: NotRequired[dict[str, int]]  # per model: the images all its cells scored
    details: NotRequired[dict[str, Any]]
    skip_reason: NotRequired[str | None]
    cells: NotRequired[list[list[str]]]  # the (model, method, metric) cells behind it
    known_failure: NotRequired[str | None]


class Report(TypedDict):
    schema: str
    environment: Environment
    config: RunConfig
    models: list[ModelEntry]
    cells: list[CellRecord]
    claims: list[ClaimEntry]
    partial: NotRequired[str]


class ReportError(ValueError):
    """A file that is not a complete pytest-xai report; the message names the file and why."""


RUN_DEPENDENT_CELL_FIELDS = ("seconds_per_image", "cached", "threads")


def without_run_dependent(report: Report) -> dict[str, Any]:
    """The report less what legitimately changes between identical runs (``RUN_DEPENDENT_CELL_FIELDS``
    and ``config.cache_dir``): what two runs of the same command must agree on."""
    cells = [{k: v for k, v in c.items() if k not in RUN_DEPENDENT_CELL_FIELDS} for c in report["cells"]]
    config = {k: v for k, v in report["config"].items() if k != "cache_dir"}
    return {**report, "cells": cells, "config": config}


def read_report(path: Path | str) -> Report:
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
    return cast(Report, report)


# What every reader of a report relies on (a report without them was cut short or edited).
_PARTS = {"environment": dict, "config": dict, "models": list, "cells": list, "claims": list}
_CONFIG_KEYS = ("benchmark", "models", "methods", "metrics", "claims", "images", "seed")
_CELL_KEYS = CellRecord.__required_keys__


def write_report(path: Path, report: Report) -> None:
    """Write ``report`` atomically (a reader never sees half a file); NaN is refused."""
    write_atomic(Path(path), (json.dumps(report, indent=1, allow_nan=False) + "\n").encode())
