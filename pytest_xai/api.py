"""A Python API beside the plugin, for notebooks: the same registry, score store and
report as ``pytest benchmarks --xai-models=...``, without pytest's collection.

    import pytest_xai as px
    px.list_models("mini")
    model = px.load_model("resnet-r")
    images = px.load_images("mini", n=8)
    report = px.evaluate(models="resnet,resnet-r", methods="gradient,gradcam", metrics="pointing_game")
    px.read_report("reports/xai-report.json")

A cell or claim that a pytest run would skip or fail is reported the same way here
(``outcome`` with its ``message``); nothing raises for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_xai.report.writer import read_report

if TYPE_CHECKING:
    from pytest_xai.data.base import ImageSet
    from pytest_xai.models.spec import LoadedModel
    from pytest_xai.registry import Registry

__all__ = ["evaluate", "list_models", "load_images", "load_model", "read_report"]


def _registry(weights_dir: Path | str | None = None, imagenet_root: Path | str | None = None) -> Registry:
    from pytest_xai.session import base_registry

    return base_registry(imagenet_root=Path(imagenet_root) if imagenet_root else None,
                         weights_dir=Path(weights_dir) if weights_dir else None)


def list_models(benchmark: str = "mini") -> list[str]:
    """The names of the models registered for ``benchmark``."""
    registry = _registry()
    if benchmark not in registry.benchmarks:
        raise ValueError(f"unknown benchmark {benchmark!r}; valid: {', '.join(registry.benchmarks.names())}")
    return [entry.name for entry in registry.models_of(benchmark)]


def load_model(name: str, benchmark: str = "mini", weights_dir: Path | str | None = None,
               device: str = "cpu") -> LoadedModel:
    """Model ``name`` of ``benchmark``, loaded in eval mode on ``device`` (callable on
    normalised images; ``model.normalize`` maps [0, 1] images to its input space)."""
    import torch

    from pytest_xai.models.spec import LoadedModel

    models = _registry(weights_dir).models_of(benchmark)
    if name not in models.names():
        raise ValueError(f"unknown model {name!r} of benchmark {benchmark!r}; valid: {', '.join(models.names())}")
    spec = models[name]
    return LoadedModel(spec=spec, net=spec.loader().eval().to(device), device=torch.device(device))


def load_images(benchmark: str = "mini", n: int | None = None, seed: int = 0) -> ImageSet:
    """The first ``n`` evaluation images of ``benchmark`` drawn with ``seed`` ([0, 1] images,
    labels, boxes, ids); ``n`` defaults to the benchmark's own count."""
    bench = _registry().benchmarks[benchmark]
    return bench.load(n or bench.default_images, seed)


def evaluate(models: str = "all", methods: str = "all", metrics: str = "all", claims: str = "all", *,
             benchmark: str = "mini", images: int | None = None, seed: int = 0, profile: str = "auto",
             subset: str = "auto", device: str = "auto", cache_dir: Path | str = ".xai-cache",
             baseline: Path | str | None = None, baseline_alpha: float = 0.01,
             report: Path | str | None = None) -> dict[str, Any]:
    """Score the selected grid and claims, as ``pytest --xai-models=...`` would with the same
    options (selectors as there), and return the report (a dict of the ``pytest-xai/1``
    schema); with ``report``, also write it there. Scores go through the score store at
    ``cache_dir``, so a notebook and a pytest run share what either computed."""
    from pytest_xai.claims.base import evaluate_claim
    from pytest_xai.data.base import MissingFile
    from pytest_xai.options import XaiConfig
    from pytest_xai.report.writer import build_report, report_config, write_report
    from pytest_xai.runner import Runner, cell_failure, resolve_device
    from pytest_xai.selection import select_grid

    cfg = XaiConfig(models=models, methods=methods, metrics=metrics, claims=claims, benchmark=benchmark,
                    device=device, profile=profile, subset=subset, images=images, seed=seed,
                    report=Path(report or "reports/xai-report.json").absolute(),
                    cache_dir=Path(cache_dir).absolute(),
                    baseline=Path(baseline).absolute() if baseline else None, baseline_alpha=baseline_alpha)
    registry = _registry()
    grid = select_grid(registry, cfg)
    runner = Runner(registry, cfg, resolve_device(device))
    records = []
    for cell in grid.cells:
        try:
            record = runner.evaluate(cell)
        except MissingFile as exc:
            record = {"model": cell.model, "method": cell.method, "metric": cell.metric, "index": cell.index,
                      "skip_reason": f"missing file: {exc}"}
        if "skip_reason" in record:
            record.update(outcome="skipped", message=record["skip_reason"])
        else:
            failure = cell_failure(record)
            record.update(outcome="failed" if failure else "passed", **({"message": failure} if failure else {}))
        records.append(record)
    known = runner.benchmark.known_failures
    claim_records = [evaluate_claim(registry.claims[c], lambda c=c: runner.claim_table(registry.claims[c], grid),
                                    known.get(c, "")) for c in grid.claims]
    specs = registry.models_of(benchmark)
    result = build_report(report_config(cfg, registry, grid, Path.cwd()),
                          [specs[name].describe() for name in grid.models], records, claim_records)
    if report is not None:
        write_report(cfg.report, result)
    return result
