"""Collects the paper's claims shipped in the package (the plugin parametrizes them)."""

from pytest_xai.suite.test_claims import test_claim  # noqa: F401
