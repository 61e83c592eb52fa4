"""Test modules the plugin ships: collected when a selection turns the grid on."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import pytest

from pytest_xai.benchmarks.base import MissingFile


@contextmanager
def files_or_skip(require_all: bool) -> Iterator[None]:
    """Turn a missing local file (images, boxes, weights) into a skip naming it; with
    ``--xai-require-all`` it stays an error."""
    try:
        yield
    except MissingFile as exc:
        if require_all:
            raise
        pytest.skip(f"missing file: {exc}")
