"""Maps and per-image scores, computed once per store key and kept in the score store."""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator

from pytest_xai.evaluation.inputs import Inputs
from pytest_xai.methods.base import Method, checked_maps, configured
from pytest_xai.registry import Registry

if TYPE_CHECKING:
    import torch

    from pytest_xai.benchmarks.base import ImageSet, LoadedModel
    from pytest_xai.metrics.base import Metric
    from pytest_xai.metrics.synthesis import ClassImageAccuracy


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


class Engine:
    """Computes maps of (model, method) and scores of (model, method, metric) on a cell's
    first ``n`` images, each once per store key."""

    def __init__(self, registry: Registry, inputs: Inputs,
                 progress: Callable[[str, int, int], None] | None = None) -> None:
        """``progress(label, done, total)`` hears how far the computation of maps (and of
        the scores of metrics that report progress) got."""
        self.registry = registry
        self.inputs = inputs
        self.store = inputs.store
        self.profile = resolve_profile(inputs.cfg.profile, inputs.device)
        self.progress = progress
        self._inputs_per_pass: dict[str, int] = {}

    def method(self, model: str, name: str) -> Method:
        """The registered method with the model's own hyperparameters (its benchmark's
        Table A1), then the run's profile and memory budget applied."""
        method = configured(self.registry.methods[name], self.inputs.models[model], self.profile)
        inputs = self.inputs_per_pass(model)
        return method if inputs is None else method.with_inputs_per_pass(inputs)

    def metric(self, model: str, name: str) -> "Metric":
        """The registered metric with the run's profile applied, batched for ``model`` under
        the run's memory budget."""
        metric = self.registry.metrics[name].with_profile(self.profile)
        inputs = self.inputs_per_pass(model)
        return metric if inputs is None else metric.with_inputs_per_pass(inputs)

    def inputs_per_pass(self, model: str) -> int | None:
        """The inputs one forward of ``model`` may hold under ``--xai-batch-memory`` (None
        without a budget). What a pass holds per input is measured once per model and kept
        in the store, so that a cached rerun loads no model for it."""
        from pytest_xai.batching import inputs_per_pass, pass_bytes_per_input
        from pytest_xai.store import source_digest

        budget = self.inputs.cfg.batch_memory
        if budget is None:
            return None
        if model not in self._inputs_per_pass:
            shape = list(self.inputs.images(model)[0].images.shape[1:])

            def measure() -> bytes:
                loaded = self.inputs.model(model)[0]
                return json.dumps(pass_bytes_per_input(loaded.net, shape, self.inputs.device)).encode()

            key = {**self.inputs.model_key(model), "input": shape, "code": source_digest(pass_bytes_per_input)}
            per_input = json.loads(self.store.get_or_compute("pass_bytes", key, measure)[0])
            self._inputs_per_pass[model] = inputs_per_pass(budget, per_input)
        return self._inputs_per_pass[model]

    def images_key(self, model: str, n: int) -> dict[str, Any]:
        """What anything computed on ``model``'s first ``n`` images depends on."""
        return {**self.inputs.model_key(model), "data": self.inputs.cell_images(model, n)[1],
                "seed": self.inputs.cfg.seed}

    def maps_key(self, model: str, method: Method, n: int) -> dict[str, Any]:
        """What the maps of ``method`` on ``model``'s first ``n`` images depend on."""
        return {**self.images_key(model, n), "method": method.name, "params": method.params(),
                "code": method.code_digest()}

    def maps(self, model: str, method: Method, n: int) -> tuple["torch.Tensor", float, bool]:
        """Maps [N, H, W] of the first ``n`` images (CPU float32), seconds it took to compute
        them, cached?"""
        import torch

        def compute() -> bytes:
            loaded = self.inputs.model(model)[0]
            image_set = self.inputs.cell_images(model, n)[0]
            start = time.perf_counter()
            maps = self.explain(loaded, method, image_set, f"maps of {model} / {method.name}")
            buffer = io.BytesIO()
            torch.save({"maps": maps, "seconds": time.perf_counter() - start}, buffer)
            return buffer.getvalue()

        payload, cached = self.store.get_or_compute("maps", self.maps_key(model, method, n), compute)
        entry = torch.load(io.BytesIO(payload), weights_only=True)
        return entry["maps"], float(entry["seconds"]), cached

    def explain(self, loaded: "LoadedModel", method: Method, image_set: "ImageSet", label: str) -> "torch.Tensor":
        """``method``'s maps [N, H, W] (CPU float32) of ``loaded`` on ``image_set``, in the
        method's batches and threads, checked; progress under ``label``."""
        import torch

        device = self.inputs.device
        chunks = []
        if self.progress is not None:
            self.progress(label, 0, len(image_set))
        with torch_threads(method.threads), torch.enable_grad():
            for lo in range(0, len(image_set), method.batch_size):
                x = loaded.normalize(image_set.images[lo:lo + method.batch_size].to(device))
                t = image_set.labels[lo:lo + method.batch_size].to(device)
                try:
                    maps = method.explain(loaded, x, t, self.inputs.cfg.seed)
                except Exception as exc:    # name the method: a user's explainer fails its own cells
                    raise RuntimeError(f"method {method.name!r} raised {type(exc).__name__}: {exc}") from exc
                chunks.append(checked_maps(method.name, maps, (x.shape[0], x.shape[2], x.shape[3])))
                if self.progress is not None:
                    self.progress(label, lo + x.shape[0], len(image_set))
        return torch.cat(chunks)

    def drawings(self, model: str, metric: "ClassImageAccuracy") -> str:
        """Store ``model``'s drawings for the report's figures, made with ``metric``'s recipe:
        class images of its first SYNTHESIS_CLASSES classes (noise seeds ``metric.noise_seed`` +
        the class) and inversions of its figure images (none for a network whose classifier is
        not a linear layer); returns the entry's digest."""
        import torch

        from pytest_xai.report.figure_entries import FIGURE_IMAGES, SYNTHESIS_CLASSES, store_synthesis
        from pytest_xai.store import source_digest
        from pytest_xai.synthesis import class_images, inversions

        image_set = self.inputs.cell_images(model, FIGURE_IMAGES)[0]
        classes = torch.arange(min(SYNTHESIS_CLASSES, len(self.inputs.benchmark.class_names)))
        key = {**self.inputs.model_key(model), "data": image_set.sha256(), "classes": len(classes),
               "metric_params": metric.params(),
               "code": metric.code_digest() + source_digest(Engine.drawings) + source_digest(store_synthesis)}

        def draw() -> dict[str, "torch.Tensor"]:
            loaded = self.inputs.model(model)[0]
            size = tuple(image_set.images.shape[-2:])
            seeds = [metric.noise_seed + i for i in range(max(len(classes), len(image_set)))]
            drawn = class_images(loaded, classes, seeds[:len(classes)], size, metric.eps, metric.step_size,
                                 metric.steps)
            try:
                inverted = inversions(loaded, image_set.images, seeds[:len(image_set)])
            except ValueError:      # no linear classifier: no representation to invert
                inverted = drawn[:0]
            return {"classes": classes, "class_images": drawn, "inversions": inverted}

        return store_synthesis(self.store, key, draw)

    def scores(self, model: str, method: Method, metric: "Metric", n: int) -> Scores:
        """Per-image scores of ``metric`` on the maps of (model, method) for the first ``n`` images;
        a metric that does not read the method (``Metric.reads_method``) is computed once per
        model, without maps."""
        base = self.maps_key(model, method, n) if metric.reads_method else self.images_key(model, n)
        key = {**base, "metric": metric.name, "metric_params": metric.params(), "metric_code": metric.code_digest()}
        judges = self.inputs.judges(model) if metric.needs_judges else ()
        if judges:
            key["judges"] = {name: self.inputs.model_key(name) for name in judges}

        def compute() -> bytes:
            import torch

            loaded = self.inputs.model(model)[0]
            image_set = self.inputs.cell_images(model, n)[0]
            if metric.reads_method:
                maps, seconds, _ = self.maps(model, method, n)
            else:       # the metric ignores them: placeholders of the right shape
                maps, seconds = torch.zeros(image_set.images.shape[0], *image_set.images.shape[2:]), 0.0
            device = self.inputs.device
            extra: dict[str, Any] = {}
            if metric.reports_progress and self.progress is not None:
                label = f"{metric.name} of {model} / {method.name}"
                self.progress(label, 0, len(image_set))
                extra["progress"] = functools.partial(self.progress, label)
            if metric.needs_explainer:
                label = f"{metric.name}: maps of {model} / {method.name}"

                def explain(other: "LoadedModel", images01: "torch.Tensor | None" = None) -> "torch.Tensor":
                    images = image_set if images01 is None else \
                        dataclasses.replace(image_set, images=images01.detach().cpu())
                    return self.explain(other, method, images, label)

                extra["explain"] = explain
            if metric.needs_judges:
                extra["judges"] = [self.inputs.model(name)[0] for name in judges]
            with torch.no_grad():
                values = metric.score(loaded, loaded.normalize(image_set.images.to(device)),
                                      image_set.labels.to(device), maps.to(device),
                                      image_set.boxes.to(device), **extra).cpu()
            aggregate = metric.aggregate(values, image_set.labels)
            return json.dumps({"scores": values.tolist(), "aggregate": float(aggregate),
                               "map_seconds": seconds}).encode()

        payload, cached = self.store.get_or_compute("scores", key, compute)
        entry = json.loads(payload)
        return Scores(values=entry["scores"], aggregate=entry["aggregate"],
                      map_seconds=entry["map_seconds"], cached=cached)
