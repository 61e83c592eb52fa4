"""Complete report records for tests, built as the writer builds them (``report/schema.py``),
and an evaluator of the smoke images."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from statistics import fmean
from typing import TYPE_CHECKING, Any

from pytest_xai.report.schema import SCHEMA, CellRecord, ModelEntry, Report, RunConfig

if TYPE_CHECKING:
    from pytest_xai.evaluation.records import Evaluator


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
                      "batch_memory": None, "class_names": []}
    return {"schema": SCHEMA, "environment": {"python": "3", "platform": "test", "packages": {}, "device": "cpu"},
            "config": {**run, **config},  # type: ignore[typeddict-item]
            "models": models if models is not None else [model(n, image_ids) for n in names],
            "cells": cells, "claims": []}


def smoke_evaluator(tmp_path: Path, images: int | None = None, batch_memory: int | None = None) -> Evaluator:
    """The smoke images as a benchmark whose gradient localization cells take 6 images, the
    rest 3, with one untrained model, ``gap``; store and report under ``tmp_path``."""
    import torch

    from pytest_xai.benchmarks.base import Benchmark, ModelSpec
    from pytest_xai.benchmarks.smoke import images as smoke_data
    from pytest_xai.benchmarks.smoke import models as smoke_models
    from pytest_xai.builtins import register_builtins
    from pytest_xai.evaluation.records import Evaluator
    from pytest_xai.registry import Registry
    from pytest_xai.settings import XaiConfig

    registry = Registry()
    register_builtins(registry)
    registry.add_benchmark(Benchmark(name="wide", description="smoke images", load=smoke_data.load,
                                     class_names=smoke_data.CLASS_NAMES, default_images=3, default_subset="random",
                                     localization_images={"gradient": 6}))
    registry.add_model(ModelSpec(name="gap", benchmark="wide", arch="gap", training="untrained",
                                 loader=partial(smoke_models.build, "smoke-gap"), weights="random init",
                                 cam_layer="features", gap_head=True))
    cfg = XaiConfig(models="all", methods="all", metrics="all", claims="all", benchmark="wide", device="cpu",
                    profile="fast", subset="random", images=images, seed=0, report=tmp_path / "r.json",
                    cache_dir=tmp_path / "c", baseline=None, baseline_alpha=0.01, batch_memory=batch_memory)
    return Evaluator(registry, cfg, torch.device("cpu"))
