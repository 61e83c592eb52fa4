"""Test-wide settings.

The heavy libraries are imported once here so that pytester's in-process runs reuse them:
pytester forgets modules first imported inside a run, and torch's C extension cannot be
imported twice. Tests that run pytest itself (the ``pytester`` fixture), train models or
run the grid on trained models are marked ``slow``: ``pytest -m "not slow"`` is the quick
inner loop, CI runs everything."""

import pytorch_grad_cam  # noqa: F401
import scipy.stats  # noqa: F401
import torch  # noqa: F401
import torchray.attribution.gradient  # noqa: F401

import pytest_xai.metrics  # noqa: F401

import pytest  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "pytester" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
