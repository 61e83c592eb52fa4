"""How a profile sets a method's or a metric's budgets: ``paper`` keeps the paper's,
``fast`` caps them for a CPU."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, TypeVar

T = TypeVar("T")


def with_fast_caps(obj: T, profile: str, caps: Mapping[str, int]) -> T:
    """``obj`` (a frozen dataclass) under ``profile``: ``paper`` leaves it as is, ``fast``
    sets each budget field named in ``caps`` to min(value, cap), and a field left at None
    (no limit) to the cap."""
    if profile == "paper" or not caps:
        return obj

    def capped(field: str, cap: int) -> Any:
        value = getattr(obj, field)
        return cap if value is None else min(value, cap)

    return dataclasses.replace(obj, **{f: capped(f, cap) for f, cap in caps.items()})  # type: ignore[type-var]
