"""Evaluates cells: loads models and images, computes maps and scores through the store.

Maps are computed once per (model, method) for the whole image set, in batches,
and scores once per (model, method, metric); both are cached in the score store,
so cells and claims share them and a rerun computes nothing.
"""

from __future__ import annotations

import functools
import io
from contextlib import contextmanager
import json
import math
import statistics
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator

from pytest_xai.methods.base import Method, checked_maps, configured
from pytest_xai.methods.reference_maps import reference_for
from pytest_xai.settings import XaiConfig
from pytest_xai.registry import Registry
from pytest_xai.selection import Cell, Grid
from pytest_xai.report.baseline import compare_cell, load_baseline
from pytest_xai.report.figures import FIGURE_IMAGES
from pytest_xai.stats import paired_one_sided_p
from pytest_xai.store import ScoreStore, key_digest, source_digest

if TYPE_CHECKING:
    import torch

    from pytest_xai.claims.base import Claim, ScoreTable
    from pytest_xai.data.base import ImageSet
    from pytest_xai.metrics.base import Metric
    from pytest_xai.models.spec import LoadedModel


def cell_failure(record: dict[str, Any]) -> str | None:
    """Why an evaluated cell fails (None: it passes): one finite score per image within the
    metric's bounds, and not significantly worse than its baseline entry."""
    low, high = record["bounds"]
    scores = record["scores"]
    if not (len(scores) == record["n"] > 0):
        return f"expected one score per image ({record['n']} images), got {len(scores)}"
    bad = [(i, s) for i, s in enumerate(scores) if not (math.isfinite(s) and low <= s <= high)]
    if bad:
        return f"scores not finite or outside [{low}, {high}] (image index, score): {bad[:10]}"
    baseline = record["baseline"]
    if baseline is not None and baseline["worse"]:
        return (f"significantly worse than the baseline: mean {record['mean']:.4f} vs {baseline['mean']:.4f} "
                f"({baseline['test']} one-sided p = {baseline['p_value']:.2g} < alpha {baseline['alpha']})")
    return None


def thread_count(requested: int | None) -> int:
    """Torch threads for this process: ``requested``, else the cores shared out among the
    xdist workers (pytest-xdist sets PYTEST_XDIST_WORKER_COUNT in each worker). Two
    workers with a full thread pool each slowed a batch-1 forward 250-fold on 2 cores."""
    import os

    if requested:
        return requested
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    return max(1, (os.cpu_count() or 1) // workers)


@contextmanager
def torch_threads(count: int | None) -> Iterator[None]:
    """Torch's intra-op thread count set to ``count`` inside the block (None: unchanged)."""
    import torch

    before = torch.get_num_threads()
    if count is not None:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def resolve_device(name: str) -> "torch.device":
    """``auto`` -> cuda when available, else cpu; other names as they are (the options
    already refused a CUDA device this machine does not have)."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


MAX_POOL_FACTOR = 4  # the pool is held in memory: 4 x 2000 ImageNet images at 224 px is 4.8 GB


def resolve_profile(profile: str, device: "torch.device") -> str:
    """``auto`` -> ``paper`` on CUDA, ``fast`` elsewhere."""
    if profile != "auto":
        return profile
    return "paper" if device.type == "cuda" else "fast"


@dataclass(frozen=True)
class Scores:
    """Per-image scores of one (model, method, metric) and how they were obtained."""

    values: list[float]
    aggregate: float
    map_seconds: float
    cached: bool


class Runner:
    """One per pytest process; everything it computes goes through the store."""

    def __init__(self, registry: Registry, cfg: XaiConfig, device: "torch.device",
                 progress: Callable[[str, int, int], None] | None = None) -> None:
        """``progress(label, done, total)`` hears how far the computation of maps (and of
        the scores of metrics that report progress) got."""
        from pytest_xai import __version__

        self.registry = registry
        self.cfg = cfg
        self.device = device
        self.benchmark = registry.benchmarks[cfg.benchmark]
        self.models = registry.models_of(cfg.benchmark)
        self.store = ScoreStore(cfg.cache_dir)
        self.version = __version__
        self.profile = resolve_profile(cfg.profile, device)
        self.progress = progress
        self._models: dict[str, tuple["LoadedModel", str]] = {}
        self.subset = cfg.subset if cfg.subset != "auto" else self.benchmark.default_subset
        self._images: dict[tuple[str, ...], tuple["ImageSet", str]] = {}
        self._cell_images: dict[tuple[str, int], tuple["ImageSet", str]] = {}
        self._model_info: dict[str, dict[str, Any]] = {}
        compare = cfg.baseline is not None and not cfg.update_baseline
        self._baseline = load_baseline(cfg.baseline) if compare else None

    # -- inputs ---------------------------------------------------------------
    def model(self, name: str) -> tuple["LoadedModel", str]:
        """The loaded model and the sha256 of its weights."""
        if name not in self._models:
            import torch

            from pytest_xai.models.spec import LoadedModel, state_dict_sha256

            spec = self.models[name]
            layout = torch.channels_last if spec.channels_last else torch.contiguous_format
            net = spec.loader().eval().to(self.device, memory_format=layout)
            self._models[name] = (LoadedModel(spec=spec, net=net, device=self.device), state_dict_sha256(net))
        return self._models[name]

    def images(self, model: str) -> tuple["ImageSet", str]:
        """The evaluation images of ``model`` and their content hash: as many as its cells
        take at most (``image_count``); a cell scores the first ``image_count`` of them.

        ``random``: the first N images the benchmark draws with the seed. ``cl`` (the
        paper's ImageNet-CL): the first N of those that every model of the model's CL
        group classifies correctly (see ``cl_group``), drawing more until N are found
        or ``MAX_POOL_FACTOR * N`` were tried; then fewer than N are used.
        """
        n = self.cfg.images or max(self.benchmark.default_images, *self.benchmark.localization_images.values())
        group = self.cl_group(model) if self.subset == "cl" else ()
        if group not in self._images:
            image_set = self._load(n)
            pool = n
            while group:
                correct = [self.predictions(m, image_set)[0] == image_set.labels for m in group]
                keep = [i for i in range(len(image_set)) if all(c[i] for c in correct)]
                if len(keep) >= n or pool >= MAX_POOL_FACTOR * n:
                    image_set = image_set.subset(keep[:n])
                    break
                pool *= 2
                image_set = self._load(pool)
            self._images[group] = (image_set, image_set.sha256())
        return self._images[group]

    def image_count(self, method: Method, metric: "Metric") -> int:
        """How many images per model a (method, metric) cell scores: ``--xai-images`` for
        every cell, else the benchmark's ``localization_images`` of the method's group for a
        localization metric, else its ``default_images``."""
        if self.cfg.images:
            return self.cfg.images
        if "localization" in metric.tags:
            return self.benchmark.localization_images.get(method.group, self.benchmark.default_images)
        return self.benchmark.default_images

    def cell_images(self, model: str, n: int) -> tuple["ImageSet", str]:
        """The first ``n`` evaluation images of ``model`` (all of them when it has fewer) and
        their content hash; maps and scores are keyed on it."""
        key = (model, n)
        if key not in self._cell_images:
            image_set = self.images(model)[0]
            if len(image_set) > n:
                image_set = image_set.subset(list(range(n)))
            self._cell_images[key] = (image_set, image_set.sha256())
        return self._cell_images[key]

    def _load(self, n: int) -> "ImageSet":
        """The benchmark's first ``n`` images of the run's seed; a generated benchmark's come
        from the store once made (generating them is most of a cached rerun's time)."""
        if self.benchmark.generator_digest is None:
            return self.benchmark.load(n, self.cfg.seed)
        import torch

        from pytest_xai.data.base import ImageSet

        def compute() -> bytes:
            image_set = self.benchmark.load(n, self.cfg.seed)
            buffer = io.BytesIO()
            torch.save({"images": image_set.images, "labels": image_set.labels, "boxes": image_set.boxes,
                        "ids": list(image_set.ids)}, buffer)
            return buffer.getvalue()

        key = {"version": self.version, "benchmark": self.benchmark.name, "n": n, "seed": self.cfg.seed,
               "generator": self.benchmark.generator_digest()}
        entry = torch.load(io.BytesIO(self.store.get_or_compute("images", key, compute)[0]), weights_only=True)
        return ImageSet(images=entry["images"], labels=entry["labels"], boxes=entry["boxes"], ids=tuple(entry["ids"]))

    def cl_group(self, model: str) -> tuple[str, ...]:
        """The models whose correct answers define ``model``'s CL subset: the vanilla and
        robust models of its architecture in the benchmark (so AdvProp models share
        their architecture's pair), or the model alone when it has no such pair."""
        spec = self.models[model]
        pair = tuple(e.name for e in self.models if e.obj.arch == spec.arch and e.obj.training in ("vanilla", "robust"))
        has_pair = {self.models[m].training for m in pair} == {"vanilla", "robust"}
        return pair if has_pair else (model,)

    def predictions(self, model: str, image_set: "ImageSet") -> tuple["torch.Tensor", "torch.Tensor"]:
        """The model's predicted classes [N] and softmax probability of the true class [N]."""
        import torch

        def compute() -> bytes:
            loaded = self.model(model)[0]
            preds, probs = [torch.zeros(0, dtype=torch.long)], [torch.zeros(0)]
            with torch.no_grad():
                for lo in range(0, len(image_set), 256):
                    x = loaded.normalize(image_set.images[lo:lo + 256].to(self.device))
                    p = loaded(x).float().softmax(dim=1).cpu()
                    preds.append(p.argmax(dim=1))
                    probs.append(p.gather(1, image_set.labels[lo:lo + 256, None])[:, 0])
            buffer = io.BytesIO()
            torch.save({"predicted": torch.cat(preds), "confidence": torch.cat(probs)}, buffer)
            return buffer.getvalue()

        key = {**self._model_key(model), "data": image_set.sha256()}
        payload, _ = self.store.get_or_compute("predictions", key, compute)
        entry = torch.load(io.BytesIO(payload), weights_only=True)
        return entry["predicted"], entry["confidence"]

    def method(self, model: str, name: str) -> Method:
        """The registered method with the model's own hyperparameters (its benchmark's
        Table A1), then the run's profile applied."""
        return configured(self.registry.methods[name], self.models[model], self.profile)

    # -- computation ----------------------------------------------------------
    def _model_key(self, model: str) -> dict[str, Any]:
        """What a model's outputs depend on besides its inputs."""
        return {"version": self.version, "weights": self.model(model)[1], "device": self.device.type,
                "memory_format": "channels_last" if self.models[model].channels_last else "contiguous"}

    def _maps_key(self, model: str, method: Method, n: int) -> dict[str, Any]:
        return {**self._model_key(model), "data": self.cell_images(model, n)[1], "method": method.name,
                "params": method.params(), "code": source_digest(method.implementation), "seed": self.cfg.seed}

    def maps(self, model: str, method: Method, n: int) -> tuple["torch.Tensor", float, bool]:
        """Maps [N, H, W] of the first ``n`` images (CPU float32), seconds it took to compute
        them, cached?"""
        import torch

        def compute() -> bytes:
            loaded = self.model(model)[0]
            image_set = self.cell_images(model, n)[0]
            start = time.perf_counter()
            chunks = []
            label = f"maps of {model} / {method.name}"
            if self.progress is not None:
                self.progress(label, 0, len(image_set))
            with torch_threads(method.threads):
                for lo in range(0, len(image_set), method.batch_size):
                    x = loaded.normalize(image_set.images[lo:lo + method.batch_size].to(self.device))
                    t = image_set.labels[lo:lo + method.batch_size].to(self.device)
                    try:
                        maps = method.explain(loaded, x, t, self.cfg.seed)
                    except Exception as exc:    # name the method: a user's explainer fails its own cells
                        raise RuntimeError(f"method {method.name!r} raised {type(exc).__name__}: {exc}") from exc
                    chunks.append(checked_maps(method.name, maps, (x.shape[0], x.shape[2], x.shape[3])))
                    if self.progress is not None:
                        self.progress(label, lo + x.shape[0], len(image_set))
            buffer = io.BytesIO()
            torch.save({"maps": torch.cat(chunks), "seconds": time.perf_counter() - start}, buffer)
            return buffer.getvalue()

        payload, cached = self.store.get_or_compute("maps", self._maps_key(model, method, n), compute)
        entry = torch.load(io.BytesIO(payload), weights_only=True)
        return entry["maps"], float(entry["seconds"]), cached

    def scores(self, model: str, method: Method, metric: "Metric", n: int) -> Scores:
        """Per-image scores of ``metric`` on the maps of (model, method) for the first ``n`` images."""
        key = {**self._maps_key(model, method, n), "metric": metric.name, "metric_params": metric.params(),
               "metric_code": source_digest(type(metric))}

        def compute() -> bytes:
            import torch

            maps, seconds, _ = self.maps(model, method, n)
            loaded = self.model(model)[0]
            image_set = self.cell_images(model, n)[0]
            extra: dict[str, Any] = {}
            if metric.reports_progress and self.progress is not None:
                label = f"{metric.name} of {model} / {method.name}"
                self.progress(label, 0, len(image_set))
                extra["progress"] = functools.partial(self.progress, label)
            with torch.no_grad():
                values = metric.score(loaded, loaded.normalize(image_set.images.to(self.device)),
                                      image_set.labels.to(self.device), maps.to(self.device),
                                      image_set.boxes.to(self.device), **extra).cpu()
            aggregate = metric.aggregate(values, image_set.labels)
            return json.dumps({"scores": values.tolist(), "aggregate": float(aggregate),
                               "map_seconds": seconds}).encode()

        payload, cached = self.store.get_or_compute("scores", key, compute)
        entry = json.loads(payload)
        return Scores(values=entry["scores"], aggregate=entry["aggregate"],
                      map_seconds=entry["map_seconds"], cached=cached)

    # -- cells ----------------------------------------------------------------
    def evaluate(self, cell: Cell) -> dict[str, Any]:
        """The cell's report record (``outcome`` is filled in by the test's result)."""
        import torch

        spec = self.models[cell.model]
        method = self.method(cell.model, cell.method)
        metric = self.registry.metrics[cell.metric]
        record: dict[str, Any] = {"model": cell.model, "method": cell.method, "metric": cell.metric,
                                  "index": cell.index, "higher_is_better": metric.higher_is_better,
                                  "bounds": list(metric.bounds), "method_params": method.params(),
                                  "metric_params": metric.params(),
                                  "device": str(self.device), "profile": self.profile,
                                  "threads": torch.get_num_threads()}
        reason = method.applies_to(spec)
        if reason is not None:
            return {**record, "skip_reason": f"{cell.method} does not apply: {reason}"}
        n = self.image_count(method, metric)
        scores = self.scores(cell.model, method, metric, n)
        reference = reference_for(metric.tags)
        ref_scores = self.scores(cell.model, reference, metric, n)
        image_set = self.cell_images(cell.model, n)[0]
        values = scores.values
        record.update({
            "n": len(image_set), "mean": _mean(values), "std": _std(values), "median": _median(values),
            "aggregate": scores.aggregate, "scores": values, "model_info": self.model_info(cell.model),
            "seconds_per_image": scores.map_seconds / max(len(values), 1), "cached": scores.cached,
            "maps_key": key_digest(self._maps_key(cell.model, method, n)),
            "figure_maps_key": self._figure_maps(cell.model, method, n), "method_group": method.group,
            "reference": {"map": reference.name, "mean": _mean(ref_scores.values),
                          "p_value": paired_one_sided_p(values, ref_scores.values, metric.higher_is_better)},
            "baseline": None if self._baseline is None else compare_cell(
                self._baseline.get((cell.model, cell.method, cell.metric)), values, list(image_set.ids),
                metric.higher_is_better, self.cfg.baseline_alpha,
                params=(record["method_params"], record["metric_params"])),
        })
        return record

    def model_info(self, model: str) -> dict[str, Any]:
        """What the report says of a model's evaluation images and its answers on them
        (computed once per model and process)."""
        if model not in self._model_info:
            self._model_info[model] = self._describe_images(model)
        return self._model_info[model]

    def _describe_images(self, model: str) -> dict[str, Any]:
        image_set = self.images(model)[0]
        predicted, confidence = self.predictions(model, image_set)
        return {"subset": self.subset, "cl_group": list(self.cl_group(model)) if self.subset == "cl" else None,
                "image_ids": list(image_set.ids),
                "accuracy": float((predicted == image_set.labels).float().mean()) if len(image_set) else None,
                "confidence": confidence.tolist(), "figure_key": self._figure_images(image_set)}

    def _figure_maps(self, model: str, method: Method, n: int) -> str:
        """Store the maps of the first FIGURE_IMAGES images (a small entry for figures, so a
        report's page never reads whole maps entries); returns the entry's digest."""
        import torch

        key = {**self._maps_key(model, method, n), "figure": FIGURE_IMAGES}

        def compute() -> bytes:
            buffer = io.BytesIO()
            torch.save({"maps": self.maps(model, method, n)[0][:FIGURE_IMAGES].clone()}, buffer)
            return buffer.getvalue()

        self.store.get_or_compute("figure_maps", key, compute)
        return key_digest(key)

    def _figure_images(self, image_set: "ImageSet") -> str:
        """Store the first FIGURE_IMAGES images (uint8), labels, boxes and ids for the report's
        figures (their maps are the first rows of the maps entries); returns the entry's digest."""
        import torch

        key = {"version": self.version, "data": image_set.sha256(), "n": FIGURE_IMAGES}

        def compute() -> bytes:
            head = image_set.subset(list(range(min(FIGURE_IMAGES, len(image_set)))))
            buffer = io.BytesIO()
            torch.save({"images": (head.images * 255).round().to(torch.uint8), "labels": head.labels,
                        "boxes": head.boxes, "ids": list(head.ids)}, buffer)
            return buffer.getvalue()

        self.store.get_or_compute("figure", key, compute)
        return key_digest(key)

    @contextmanager
    def files_or_skip(self) -> Iterator[None]:
        """Turn a missing local file into a skip naming it (an error with --xai-require-all)."""
        import pytest

        from pytest_xai.data.base import MissingFile

        try:
            yield
        except MissingFile as exc:
            if self.cfg.require_all:
                raise
            pytest.skip(f"missing file: {exc}")

    def claim_table(self, claim: "Claim", grid: "Grid") -> tuple["ScoreTable", list[tuple[str, str, str]]]:
        """``gather_table`` on this run's scores (computed through the store when missing)."""
        from pytest_xai.claims.base import ModelRow, gather_table

        def row_of(name: str) -> ModelRow:
            spec = self.models[name]
            return ModelRow(name=name, arch=spec.arch, training=spec.training,
                            confidence=self.model_info(name)["confidence"],
                            clean_accuracy=spec.card.get("clean_accuracy"),
                            adversarial_accuracy=spec.card.get("pgd_accuracy"))

        def scores_of(model: str, method_name: str, metric_name: str) -> list[float] | None:
            method, metric = self.method(model, method_name), self.registry.metrics[metric_name]
            if method.applies_to(self.models[model]) is not None:
                return None
            return self.scores(model, method, metric, self.image_count(method, metric)).values

        return gather_table(claim, grid.models, grid.methods, grid.metrics,
                            training_of=lambda name: self.models[name].training, row_of=row_of,
                            scores_of=scores_of, higher_of=lambda model, method, metric:
                            self.registry.metrics[metric].higher_is_better)


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else math.nan


def _std(values: list[float]) -> float:
    return statistics.pstdev(values) if values else math.nan


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan
