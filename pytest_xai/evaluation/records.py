"""A cell's report record (scores, reference and baseline verdicts) and a claim's table."""

from __future__ import annotations

import math
import statistics
from typing import TYPE_CHECKING, Any, Callable

from pytest_xai.evaluation.engine import Engine, resolve_device
from pytest_xai.evaluation.inputs import Inputs
from pytest_xai.methods.reference_maps import reference_for
from pytest_xai.registry import Registry
from pytest_xai.report.baseline import compare_cell, load_baseline
from pytest_xai.report.figure_entries import store_figure_maps
from pytest_xai.selection import Cell, Grid
from pytest_xai.settings import XaiConfig
from pytest_xai.stats import paired_one_sided_p
from pytest_xai.store import ScoreStore, key_digest

if TYPE_CHECKING:
    import torch

    from pytest_xai.claims.base import Claim, ScoreTable
    from pytest_xai.metrics.base import Metric


def cell_failure(record: dict[str, Any]) -> str | None:
    """Why an evaluated cell fails (None: it passes): one finite score per image within the
    metric's bounds, and not worse than its baseline entry (significantly, and by more than
    the margin)."""
    low, high = record["bounds"]
    scores = record["scores"]
    if not (len(scores) == record["n"] > 0):
        return f"expected one score per image ({record['n']} images), got {len(scores)}"
    bad = [(i, s) for i, s in enumerate(scores) if not (math.isfinite(s) and low <= s <= high)]
    if bad:
        return f"scores not finite or outside [{low}, {high}] (image index, score): {bad[:10]}"
    baseline = record["baseline"]
    if baseline is not None and baseline["worse"]:
        return (f"worse than the baseline: mean {record['mean']:.4f} vs {baseline['mean']:.4f}, a drop of more "
                f"than {baseline['margin']} ({baseline['test']} one-sided p = {baseline['p_value']:.2g} "
                f"< alpha {baseline['alpha']})")
    return None


def reference_record(name: str, values: list[float], reference: list[float], higher_is_better: bool
                     ) -> dict[str, Any]:
    """The cell's comparison with the method-free reference map's scores on the same images."""
    return {"map": name, "mean": _mean(reference), "p_value": paired_one_sided_p(values, reference, higher_is_better)}


class Evaluator:
    """One per process: evaluates cells and gathers claim tables, through the score store."""

    def __init__(self, registry: Registry, cfg: XaiConfig, device: "torch.device | None" = None,
                 progress: Callable[[str, int, int], None] | None = None) -> None:
        """``device``: default ``cfg.device`` resolved; ``progress(label, done, total)``
        hears how far long computations got (see ``Engine``)."""
        from pytest_xai.version import __version__

        self.registry = registry
        self.cfg = cfg
        self.inputs = Inputs(registry, cfg, device or resolve_device(cfg.device), ScoreStore(cfg.cache_dir),
                             __version__)
        self.engine = Engine(registry, self.inputs, progress)
        self.benchmark = self.inputs.benchmark
        compare = cfg.baseline is not None and not cfg.update_baseline
        self._baseline = load_baseline(cfg.baseline) if compare else None

    def evaluate(self, cell: Cell) -> dict[str, Any]:
        """The cell's report record (``outcome`` is filled in by the test's result)."""
        import torch

        inputs, engine = self.inputs, self.engine
        spec = inputs.models[cell.model]
        method = engine.method(cell.model, cell.method)
        metric = engine.metric(cell.model, cell.metric)
        record: dict[str, Any] = {"model": cell.model, "method": cell.method, "metric": cell.metric,
                                  "index": cell.index, "higher_is_better": metric.higher_is_better,
                                  "bounds": list(metric.bounds), "method_params": method.params(),
                                  "metric_params": metric.params(),
                                  "device": str(inputs.device), "profile": engine.profile,
                                  "threads": torch.get_num_threads()}
        reason = method.applies_to(spec)
        if reason is not None:
            return {**record, "skip_reason": f"{cell.method} does not apply: {reason}"}
        if metric.needs_judges and not inputs.judges(cell.model):
            return {**record, "skip_reason": f"{cell.metric} needs judges: the benchmark has no model of another "
                                             f"architecture than {spec.arch}"}
        n = inputs.image_count(method, metric)
        scores = engine.scores(cell.model, method, metric, n)
        reference = reference_for(metric.tags) if metric.reads_maps else None
        image_set = inputs.cell_images(cell.model, n)[0]
        values = scores.values
        maps_key = engine.maps_key(cell.model, method, n)
        record.update({
            "n": len(image_set), "mean": _mean(values), "std": _std(values), "median": _median(values),
            "aggregate": scores.aggregate, "scores": values, "model_info": self._model_info(cell.model, metric),
            "seconds_per_image": scores.map_seconds / max(len(values), 1), "cached": scores.cached,
            **({} if not metric.reads_method else {   # a cell that computed no maps points at none
                "maps_key": key_digest(maps_key),
                "figure_maps_key": store_figure_maps(engine.store, maps_key,
                                                     lambda: engine.maps(cell.model, method, n)[0])}),
            "method_group": method.group,
            **({} if reference is None else {"reference": reference_record(
                reference.name, values, engine.scores(cell.model, reference, metric, n).values,
                metric.higher_is_better)}),
            "baseline": None if self._baseline is None else compare_cell(
                self._baseline.get((cell.model, cell.method, cell.metric)), values, list(image_set.ids),
                metric.higher_is_better, self.cfg.baseline_alpha, self.cfg.baseline_margin,
                params=(record["method_params"], record["metric_params"])),
        })
        return record

    def _model_info(self, model: str, metric: "Metric") -> dict[str, Any]:
        """What the report says of the model; a class-image cell adds the model's drawings."""
        from pytest_xai.metrics.synthesis import ClassImageAccuracy

        info = self.inputs.model_info(model)
        if isinstance(metric, ClassImageAccuracy):
            info = {**info, "synthesis_key": self.engine.drawings(model, metric)}
        return info

    def claim_table(self, claim: "Claim", grid: Grid) -> tuple["ScoreTable", list[tuple[str, str, str]]]:
        """``gather_table`` on this run's scores (computed through the store when missing)."""
        from pytest_xai.claims.base import ModelRow, gather_table

        inputs, engine = self.inputs, self.engine

        def row_of(name: str) -> ModelRow:
            spec = inputs.models[name]
            return ModelRow(name=name, arch=spec.arch, training=spec.training,
                            confidence=inputs.model_info(name)["confidence"],
                            clean_accuracy=spec.card.get("clean_accuracy"),
                            adversarial_accuracy=spec.card.get("pgd_accuracy"))

        def scores_of(model: str, method_name: str, metric_name: str) -> list[float] | None:
            method, metric = engine.method(model, method_name), engine.metric(model, metric_name)
            if method.applies_to(inputs.models[model]) is not None:
                return None
            return engine.scores(model, method, metric, inputs.image_count(method, metric)).values

        return gather_table(claim, grid.models, grid.methods, grid.metrics,
                            training_of=lambda name: inputs.models[name].training, row_of=row_of,
                            scores_of=scores_of, higher_of=lambda model, method, metric:
                            self.registry.metrics[metric].higher_is_better)


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else math.nan


def _std(values: list[float]) -> float:
    return statistics.pstdev(values) if values else math.nan


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan
