"""Complete report records for tests, built as the writer builds them (``report/schema.py``)."""

from __future__ import annotations

from statistics import fmean
from typing import Any

from pytest_xai.report.schema import SCHEMA, CellRecord, ModelEntry, Report, RunConfig


def cell(model: str, method: str, metric: str, scores: list[float], *, higher: bool = True, index: int = 0,
         **fields: Any) -> CellRecord:
    """An evaluated, passed cell with these per-image scores; ``fields`` override or add keys."""
    record: CellRecord = {
        "model": model, "method": method, "metric": metric, "index": index, "outcome": "passed",
        "higher_is_better": higher, "bounds": [0.0, 1.0], "method_params": {}, "metric_params": {},
        "device": "cpu", "profile": "fast", "threads": 1, "n": len(scores), "mean": fmean(scores) if scores else None,
        "scores": list(scores)}
    return {**record, **fields}  # type: ignore[typeddict-item]


def model(name: str, image_ids: list[str], **fields: Any) -> ModelEntry:
    """A vanilla model entry whose cells scored (a prefix of) ``image_ids``."""
    entry: ModelEntry = {"name": name, "arch": name, "training": "vanilla", "tags": ["vanilla", name],
                         "weights": "test", "cam_layer": None, "gap_head": False, "mean": [0.5] * 3,
                         "std": [0.5] * 3, "card": {}, "image_ids": image_ids}
    return {**entry, **fields}  # type: ignore[typeddict-item]


def report(cells: list[CellRecord], image_ids: list[str], *, models: list[ModelEntry] | None = None,
           **config: Any) -> Report:
    """A complete report of ``cells`` (the models they name, each scoring ``image_ids``);
    ``config`` overrides keys of its run configuration."""
    names = list(dict.fromkeys(c["model"] for c in cells))
    run: RunConfig = {"benchmark": "smoke", "models": names,
                      "methods": list(dict.fromkeys(c["method"] for c in cells)),
                      "metrics": list(dict.fromkeys(c["metric"] for c in cells)), "claims": [], "shard": None,
                      "images": len(image_ids), "localization_images": {}, "seed": 0, "device": "cpu",
                      "profile": "fast", "subset": "random", "baseline": None, "cache_dir": ".xai-cache",
                      "class_names": []}
    return {"schema": SCHEMA, "environment": {"python": "3", "platform": "test", "packages": {}, "device": "cpu"},
            "config": {**run, **config},  # type: ignore[typeddict-item]
            "models": models if models is not None else [model(n, image_ids) for n in names],
            "cells": cells, "claims": []}
