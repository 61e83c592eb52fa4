"""The benchmarks, models, methods and metrics that ship with pytest-xai."""

from __future__ import annotations

from pathlib import Path

from pytest_xai.benchmarks.imagenet.benchmark import register_imagenet
from pytest_xai.benchmarks.mini.benchmark import register_mini, register_mini_control
from pytest_xai.benchmarks.smoke.benchmark import register_smoke
from pytest_xai.registry import Registry


def register_builtins(registry: Registry, imagenet_root: Path | None = None, weights_dir: Path | None = None) -> None:
    """Fill ``registry`` with everything built in; the paths locate the local files of
    the ``imagenet`` benchmark (its images, boxes and checkpoints)."""
    from pytest_xai.claims.attack import ATTACK_CLAIMS
    from pytest_xai.claims.boundary import BOUNDARY_CLAIMS
    from pytest_xai.claims.paper import PAPER_CLAIMS
    from pytest_xai.claims.sanity import SANITY_CLAIMS
    from pytest_xai.claims.synthesis import SYNTHESIS_CLAIMS
    from pytest_xai.methods import BUILTIN_METHODS
    from pytest_xai.metrics import ALL_METRICS

    register_smoke(registry)
    register_mini(registry)
    register_mini_control(registry)
    register_imagenet(registry, imagenet_root, weights_dir)
    for method in BUILTIN_METHODS:
        registry.add_method(method())
    for metric in ALL_METRICS:
        registry.add_metric(metric())
    for claim in PAPER_CLAIMS + BOUNDARY_CLAIMS + ATTACK_CLAIMS + SANITY_CLAIMS + SYNTHESIS_CLAIMS:
        registry.add_claim(claim)
