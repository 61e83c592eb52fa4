"""Hooks that conftest.py files and plugins implement to extend pytest-xai."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_xai.registry import Registry


@pytest.hookspec(historic=True)
def pytest_xai_register(registry: "Registry") -> None:
    """Register benchmarks, models, methods or metrics, e.g.::

        def pytest_xai_register(registry):
            @registry.method("my_saliency", group="gradient")
            def my_saliency(model, images, targets):
                ...  # -> maps [B, H, W]

    Historic: implementations in conftest.py files loaded at start-up (the
    rootdir's and those of the paths given on the command line) take part.
    """
