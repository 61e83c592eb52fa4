"""What cells are computed on: the loaded models, their evaluation images and answers."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from pytest_xai.registry import Registry
from pytest_xai.report.figure_entries import store_figure_images
from pytest_xai.settings import XaiConfig
from pytest_xai.store import ScoreStore

if TYPE_CHECKING:
    import torch

    from pytest_xai.benchmarks.base import ImageSet, LoadedModel
    from pytest_xai.methods.base import Method
    from pytest_xai.metrics.base import Metric

MAX_POOL_FACTOR = 4  # the pool is held in memory: 4 x 2000 ImageNet images at 224 px is 4.8 GB


class Inputs:
    """The run's models and images, loaded once per process; images and predictions are
    kept in the store (generating images is most of a cached rerun's time)."""

    def __init__(self, registry: Registry, cfg: XaiConfig, device: "torch.device", store: ScoreStore,
                 version: str) -> None:
        self.cfg = cfg
        self.device = device
        self.store = store
        self.version = version
        self.benchmark = registry.benchmarks[cfg.benchmark]
        self.models = registry.models_of(cfg.benchmark)
        self.subset = cfg.subset if cfg.subset != "auto" else self.benchmark.default_subset
        self._models: dict[str, tuple["LoadedModel", str]] = {}
        self._model_keys: dict[str, dict[str, Any]] = {}
        self._images: dict[tuple[str, ...], tuple["ImageSet", str]] = {}
        self._cell_images: dict[tuple[str, int], tuple["ImageSet", str]] = {}
        self._model_info: dict[str, dict[str, Any]] = {}

    def model(self, name: str) -> tuple["LoadedModel", str]:
        """The loaded model and the sha256 of its weights."""
        if name not in self._models:
            import torch

            from pytest_xai.benchmarks.base import LoadedModel, state_dict_sha256

            spec = self.models[name]
            layout = torch.channels_last if spec.channels_last else torch.contiguous_format
            net = spec.loader().eval().to(self.device, memory_format=layout)
            self._models[name] = (LoadedModel(spec=spec, net=net, device=self.device), state_dict_sha256(net))
        return self._models[name]

    def model_key(self, model: str) -> dict[str, Any]:
        """What a model's outputs depend on besides its inputs."""
        if model not in self._model_keys:
            spec = self.models[model]
            weights = spec.weights_digest() if spec.weights_digest is not None else self.model(model)[1]
            self._model_keys[model] = {"version": self.version, "weights": weights, "device": self.device.type,
                                       "memory_format": "channels_last" if spec.channels_last else "contiguous"}
        return self._model_keys[model]

    def image_count(self, method: "Method", metric: "Metric") -> int:
        """How many images per model a (method, metric) cell scores: ``--xai-images`` for
        every cell, else the benchmark's ``localization_images`` of the method's group for a
        localization metric, else its ``default_images``."""
        if self.cfg.images:
            return self.cfg.images
        if "localization" in metric.tags:
            return self.benchmark.localization_images.get(method.group, self.benchmark.default_images)
        return self.benchmark.default_images

    def images(self, model: str) -> tuple["ImageSet", str]:
        """The evaluation images of ``model`` and their content hash: as many as its cells
        take at most (``image_count``); a cell scores the first ``image_count`` of them.

        ``random``: the first N images the benchmark draws with the seed. ``cl`` (the
        paper's ImageNet-CL): the first N of those that every model of the model's CL
        group classifies correctly (see ``cl_group``), drawing more until N are found
        or ``MAX_POOL_FACTOR * N`` were tried; then fewer than N are used.
        """
        n = self.cfg.images or max([self.benchmark.default_images, *self.benchmark.localization_images.values()])
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
        from the store once made."""
        if self.benchmark.generator_digest is None:
            return self.benchmark.load(n, self.cfg.seed)
        import torch

        from pytest_xai.benchmarks.base import ImageSet

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

    def judges(self, model: str) -> tuple[str, ...]:
        """The models that judge ``model``'s class images: every model of the benchmark of
        another architecture, whatever the run selected (so a score does not depend on the
        selection), in registration order."""
        arch = self.models[model].arch
        return tuple(e.name for e in self.models if e.obj.arch != arch)

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

        key = {**self.model_key(model), "data": image_set.sha256()}
        payload, _ = self.store.get_or_compute("predictions", key, compute)
        entry = torch.load(io.BytesIO(payload), weights_only=True)
        return entry["predicted"], entry["confidence"]

    def model_info(self, model: str) -> dict[str, Any]:
        """What the report says of a model's evaluation images and its answers on them
        (computed once per model and process)."""
        if model not in self._model_info:
            image_set = self.images(model)[0]
            predicted, confidence = self.predictions(model, image_set)
            self._model_info[model] = {
                "subset": self.subset, "cl_group": list(self.cl_group(model)) if self.subset == "cl" else None,
                "image_ids": list(image_set.ids),
                "accuracy": float((predicted == image_set.labels).float().mean()) if len(image_set) else None,
                "confidence": confidence.tolist(),
                "figure_key": store_figure_images(self.store, self.version, image_set)}
        return self._model_info[model]
