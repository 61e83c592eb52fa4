"""A Python API beside the plugin, for notebooks: the same registry, score store and
report as ``pytest benchmarks --xai-models=...``, without pytest's collection.

    import pytest_xai as px
    px.list_models("mini")
    model = px.load_model("resnet-r")
    images = px.load_images("mini", n=8)
    report = px.evaluate(models="resnet,resnet-r", methods="gradient,gradcam", metrics="pointing_game")
    px.read_report("reports/xai-report.json")

A bad setting raises ValueError naming it, before anything runs. A cell or claim that a
pytest run would skip or fail is reported the same way here (``outcome`` with its
``message``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_xai.report.schema import Report, read_report
from pytest_xai.settings import DEFAULT_METHODS, DEFAULT_METRICS

if TYPE_CHECKING:
    from pytest_xai.benchmarks.base import ImageSet, LoadedModel
    from pytest_xai.registry import Registry

__all__ = ["evaluate", "list_models", "load_images", "load_model", "read_report"]


def _registry(weights_dir: Path | str | None = None, imagenet_root: Path | str | None = None) -> Registry:
    from pytest_xai.session import base_registry

    return base_registry(imagenet_root=Path(imagenet_root) if imagenet_root else None,
                         weights_dir=Path(weights_dir) if weights_dir else None)


def _benchmark(registry: Registry, benchmark: str) -> Any:
    if benchmark not in registry.benchmarks:
        raise ValueError(f"unknown benchmark {benchmark!r}; valid: {', '.join(registry.benchmarks.names())}")
    return registry.benchmarks[benchmark]


def list_models(benchmark: str = "mini") -> list[str]:
    """The names of the models registered for ``benchmark``."""
    registry = _registry()
    _benchmark(registry, benchmark)
    return [entry.name for entry in registry.models_of(benchmark)]


def load_model(name: str, benchmark: str = "mini", weights_dir: Path | str | None = None,
               device: str = "cpu") -> LoadedModel:
    """Model ``name`` of ``benchmark``, loaded in eval mode on ``device`` (callable on
    normalised images; ``model.normalize`` maps [0, 1] images to its input space)."""
    import torch

    from pytest_xai.benchmarks.base import LoadedModel

    registry = _registry(weights_dir)
    _benchmark(registry, benchmark)
    models = registry.models_of(benchmark)
    if name not in models.names():
        raise ValueError(f"unknown model {name!r} of benchmark {benchmark!r}; valid: {', '.join(models.names())}")
    spec = models[name]
    return LoadedModel(spec=spec, net=spec.loader().eval().to(device), device=torch.device(device))


def load_images(benchmark: str = "mini", n: int | None = None, seed: int = 0) -> ImageSet:
    """The first ``n`` evaluation images of ``benchmark`` drawn with ``seed`` ([0, 1] images,
    labels, boxes, ids); ``n`` defaults to the benchmark's own count."""
    bench = _benchmark(_registry(), benchmark)
    if n is not None and n < 1 or seed < 0:
        raise ValueError(f"n must be a positive integer and seed a non-negative one, got n={n!r}, seed={seed!r}")
    return bench.load(n or bench.default_images, seed)


def evaluate(models: str = "all", methods: str = DEFAULT_METHODS, metrics: str = DEFAULT_METRICS, claims: str = "all", *,
             benchmark: str = "mini", images: int | None = None, seed: int = 0, profile: str = "auto",
             subset: str = "auto", device: str = "auto", cache_dir: Path | str = ".xai-cache",
             baseline: Path | str | None = None, baseline_alpha: float = 0.01, baseline_margin: float = 0.01,
             report: Path | str | None = None, weights_dir: Path | str | None = None,
             imagenet_root: Path | str | None = None, batch_memory: str | int | None = None) -> Report:
    """Score the selected grid and claims, as ``pytest --xai-models=...`` would with the same
    options (selectors as there), and return the report (a dict of the ``pytest-xai/1``
    schema); with ``report``, also write it there. Scores go through the score store at
    ``cache_dir``, so a notebook and a pytest run share what either computed.

    A bad setting raises ValueError naming it, before anything runs; a cell or claim that
    a pytest run would skip or fail is reported the same way here."""
    from pytest_xai.benchmarks.base import MissingFile
    from pytest_xai.claims.base import evaluate_claim
    from pytest_xai.evaluation.records import Evaluator, cell_failure
    from pytest_xai.report.schema import write_report
    from pytest_xai.report.writer import build_report, report_config
    from pytest_xai.selection import select_grid
    from pytest_xai.settings import check_baseline, check_output_paths, settings_from

    def keyword(setting: str) -> str:
        return setting.replace("-", "_")

    values = {"models": models, "methods": methods, "metrics": metrics, "claims": claims, "benchmark": benchmark,
              "images": images, "seed": seed, "profile": profile, "subset": subset, "device": device,
              "cache-dir": cache_dir, "baseline": baseline or "none", "baseline-alpha": baseline_alpha,
              "baseline-margin": baseline_margin,
              "report": report, "weights-dir": weights_dir, "imagenet-root": imagenet_root,
              "batch-memory": batch_memory}
    texts = {k: "" if v is None else str(v) for k, v in values.items()}
    cfg = settings_from(texts, root=Path.cwd(), name=keyword)
    check_output_paths(cfg, write_report=report is not None, name=keyword)
    cfg = check_baseline(cfg, named=True, name=keyword)
    registry = _registry(cfg.weights_dir, cfg.imagenet_root)
    grid = select_grid(registry, cfg)
    evaluator = Evaluator(registry, cfg)
    records = []
    for cell in grid.cells:
        try:
            record = evaluator.evaluate(cell)
        except MissingFile as exc:
            record = {"model": cell.model, "method": cell.method, "metric": cell.metric, "index": cell.index,
                      "skip_reason": f"missing file: {exc}"}
        if "skip_reason" in record:
            record.update(outcome="skipped", message=record["skip_reason"])
        else:
            failure = cell_failure(record)
            record.update(outcome="failed" if failure else "passed", **({"message": failure} if failure else {}))
        records.append(record)
    known = evaluator.benchmark.known_failures
    claim_records = [evaluate_claim(registry.claims[c], lambda c=c: evaluator.claim_table(registry.claims[c], grid),
                                    known.get(c, "")) for c in grid.claims]
    specs = registry.models_of(benchmark)
    result = build_report(report_config(cfg, registry, grid, Path.cwd()),
                          [specs[name].describe() for name in grid.models], records, claim_records)
    if report is not None:
        write_report(cfg.report, result)
    return result
