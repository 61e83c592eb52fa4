"""The grid: which (model, method, metric) cells run, in a fixed order."""

from __future__ import annotations

from dataclasses import dataclass

from pytest_xai.options import XaiConfig
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

    @property
    def cells(self) -> tuple[Cell, ...]:
        """Model-major, then method, then metric, each in registration order."""
        combos = [(mo, me, mt) for mo in self.models for me in self.methods for mt in self.metrics]
        return tuple(Cell(i, *combo) for i, combo in enumerate(combos))


def select_grid(registry: Registry, cfg: XaiConfig) -> Grid:
    """Resolve the selectors of ``cfg``; raises SelectorError naming the bad token."""
    if cfg.benchmark not in registry.benchmarks:
        raise SelectorError(f"unknown benchmark {cfg.benchmark!r}; valid: "
                            f"{', '.join(registry.benchmarks.names())}")
    models = registry.models.select(cfg.models, among=registry.model_names(cfg.benchmark))
    grid = Grid(benchmark=cfg.benchmark, models=tuple(models),
                methods=tuple(registry.methods.select(cfg.methods)),
                metrics=tuple(registry.metrics.select(cfg.metrics)),
                claims=tuple(registry.claims.select(cfg.claims)))
    ids = [c.id for c in grid.cells]
    clashes = sorted({i for i in ids if ids.count(i) > 1})
    if clashes:
        raise SelectorError(f"these cells would share a test id: {', '.join(clashes)}; rename a model or method")
    return grid
