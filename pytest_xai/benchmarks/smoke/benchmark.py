"""The `smoke` benchmark as the registry sees it: coloured squares (``images.py``) and two
untrained tiny CNNs (``models.py``), for the plugin's own tests."""

from __future__ import annotations

from functools import partial

from pytest_xai.benchmarks.base import Benchmark, ModelSpec
from pytest_xai.benchmarks.smoke import images as smoke_data
from pytest_xai.benchmarks.smoke import models as smoke_models
from pytest_xai.registry import Registry


def register_smoke(registry: Registry) -> None:
    """Register the `smoke` benchmark and its two models."""
    registry.add_benchmark(Benchmark(
        name="smoke", description="coloured squares on noise, untrained tiny CNNs: for tests only",
        load=smoke_data.load, class_names=smoke_data.CLASS_NAMES, default_images=16, default_subset="random",
        tags=("synthetic",)))
    for name, gap in (("smoke-gap", True), ("smoke-flat", False)):
        registry.add_model(ModelSpec(
            name=name, benchmark="smoke", arch=name, training="untrained",
            loader=partial(smoke_models.build, name), weights="random init, seed 0",
            cam_layer="features", gap_head=gap))
