"""The benchmarks, models, methods and metrics that ship with pytest-xai."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from pytest_xai.data import smoke as smoke_data
from pytest_xai.data.base import Benchmark
from pytest_xai.models import smoke as smoke_models
from pytest_xai.models.spec import ModelSpec
from pytest_xai.registry import Registry


def register_builtins(registry: Registry, imagenet_root: Path | None = None, weights_dir: Path | None = None) -> None:
    """Fill ``registry`` with everything built in; the paths locate the local files of
    the ``imagenet`` benchmark (its images, boxes and checkpoints)."""
    from pytest_xai.claims.paper import PAPER_CLAIMS
    from pytest_xai.methods import BUILTIN_METHODS
    from pytest_xai.metrics import ALL_METRICS

    registry.add_benchmark(Benchmark(
        name="smoke", description="coloured squares on noise, untrained tiny CNNs: for tests only",
        load=smoke_data.load, class_names=smoke_data.CLASS_NAMES, default_images=16, default_subset="random",
        tags=("synthetic",)))
    for name, gap in (("smoke-gap", True), ("smoke-flat", False)):
        registry.add_model(ModelSpec(
            name=name, benchmark="smoke", arch=name, training="untrained",
            loader=partial(smoke_models.build, name), weights="random init, seed 0",
            cam_layer="features", gap_head=gap))
    for method in BUILTIN_METHODS:
        registry.add_method(method())
    for metric in ALL_METRICS:
        registry.add_metric(metric())
    for claim in PAPER_CLAIMS:
        registry.add_claim(claim)
    from pytest_xai.models.mini_zoo import register_mini, register_mini_control

    register_mini(registry)
    register_mini_control(registry)
    from pytest_xai.models.imagenet_zoo import register_imagenet

    register_imagenet(registry, imagenet_root, weights_dir)
