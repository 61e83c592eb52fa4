"""The grid: which (model, method, metric) cells run, in a fixed order."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pytest_xai.settings import XaiConfig
from pytest_xai.registry import Registry, SelectorError


@dataclass(frozen=True)
class Cell:
    """One (model, method, metric) test; ``index`` is its place in the grid."""

    index: int
    model: str
    method: str
    metric: str

    @property
    def id(self) -> str:
        return f"{self.model}-{self.method}-{self.metric}"


@dataclass(frozen=True)
class Grid:
    benchmark: str
    models: tuple[str, ...]
    methods: tuple[str, ...]
    metrics: tuple[str, ...]
    claims: tuple[str, ...] = ()
    shard: tuple[int, int] | None = None

    @cached_property    # asked for by every test report of a run
    def cells(self) -> tuple[Cell, ...]:
        """Model-major, then method, then metric, each in registration order; with a shard
        K/N, the cells of the (model, method) groups dealt to the K-th of N shards (indices
        stay those of the whole grid).

        Groups are dealt round-robin in method-major order, so every method's groups
        spread evenly over the shards: one method can cost a thousand times another (EP
        against Gradient in the paper profile), and a model-major deal with N sharing a
        factor with the number of methods (N = 3 of 9) would give one shard every
        model's EP."""
        combos = [(mo, me, mt) for mo in self.models for me in self.methods for mt in self.metrics]
        cells = [Cell(i, *combo) for i, combo in enumerate(combos)]
        if self.shard is None:
            return tuple(cells)
        k, n = self.shard
        deal = {(mo, me): j * len(self.models) + i for j, me in enumerate(self.methods)
                for i, mo in enumerate(self.models)}
        return tuple(c for c in cells if deal[c.model, c.method] % n == k - 1)


def _select(option: str, catalog: Any, selector: str) -> tuple[str, ...]:
    try:
        return tuple(catalog.select(selector))
    except SelectorError as exc:
        raise SelectorError(f"--xai-{option}: {exc}") from None


def select_grid(registry: Registry, cfg: XaiConfig) -> Grid:
    """Resolve the selectors of ``cfg``; raises SelectorError naming the option and the bad token."""
    if cfg.benchmark not in registry.benchmarks:
        raise SelectorError(f"--xai-benchmark: unknown benchmark {cfg.benchmark!r}; valid: "
                            f"{', '.join(registry.benchmarks.names())}")
    grid = Grid(benchmark=cfg.benchmark, models=_select("models", registry.models_of(cfg.benchmark), cfg.models),
                methods=_select("methods", registry.methods, cfg.methods),
                metrics=_select("metrics", registry.metrics, cfg.metrics),
                claims=_select("claims", registry.claims, cfg.claims), shard=cfg.shard)
    ids = [c.id for c in grid.cells]
    clashes = sorted({i for i in ids if ids.count(i) > 1})
    if clashes:
        raise SelectorError(f"pytest-xai: these cells would share a test id: {', '.join(clashes)}; rename a model or method")
    return grid
