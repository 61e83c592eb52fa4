"""Collects the grid shipped in the package (the plugin parametrizes it)."""

from pytest_xai.suite.test_grid import test_cell  # noqa: F401
