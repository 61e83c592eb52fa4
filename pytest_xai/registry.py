"""Registries of benchmarks, models, methods and metrics, and the selector syntax.

A selector is a comma list of tokens, each of which is ``all``, a tag, an fnmatch
pattern or an exact name; a leading ``-`` excludes what the token matches. Tokens
are applied left to right; a selector made only of exclusions starts from ``all``.
The result keeps registration order, so the grid is the same on every run and worker.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Iterator, TypeVar

T = TypeVar("T")


class SelectorError(ValueError):
    """A selector token that names nothing, with the valid choices in its message."""


@dataclass(frozen=True)
class Entry(Generic[T]):
    """A registered object with its name and tags."""

    name: str
    obj: T
    tags: tuple[str, ...] = ()


@dataclass
class Catalog(Generic[T]):
    """Name -> entry for one kind of thing (model, method, metric, benchmark)."""

    kind: str
    _entries: dict[str, Entry[T]] = field(default_factory=dict)

    def add(self, name: str, obj: T, tags: tuple[str, ...] = ()) -> T:
        if not name or "," in name or name.startswith("-") or any(c in name for c in "*?[]"):
            raise ValueError(f"invalid {self.kind} name {name!r}: no commas, wildcards or leading '-'")
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._entries[name] = Entry(name, obj, tuple(tags))
        return obj

    def __getitem__(self, name: str) -> T:
        return self._entries[name].obj

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[Entry[T]]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> list[str]:
        return list(self._entries)

    def tags(self) -> list[str]:
        seen: dict[str, None] = {}
        for entry in self._entries.values():
            seen.update(dict.fromkeys(entry.tags))
        return list(seen)

    def select(self, selector: str, among: list[str] | None = None) -> list[str]:
        """Names matched by ``selector`` (see module docstring), in registration order.

        ``among`` restricts the candidates (e.g. the models of one benchmark).
        Raises SelectorError naming the first token that matches nothing.
        """
        candidates = self.names() if among is None else [n for n in self.names() if n in among]
        tokens = [t.strip() for t in selector.split(",")]
        if not selector.strip() or any(not t or t == "-" for t in tokens):
            raise SelectorError(f"empty token in {self.kind} selector {selector!r}")
        chosen: set[str] = set() if any(not t.startswith("-") for t in tokens) else set(candidates)
        for token in tokens:
            exclude = token.startswith("-")
            matched = self._match(token.lstrip("-"), candidates)
            if not matched:
                tags = self._tags_of(candidates)
                raise SelectorError(
                    f"unknown {self.kind} {token!r}; valid names: {', '.join(candidates)}; "
                    + (f"tags: {', '.join(tags)}; " if tags else "")
                    + "or 'all', an fnmatch pattern, a leading '-' to exclude"
                )
            chosen = chosen - matched if exclude else chosen | matched
        return [n for n in candidates if n in chosen]

    def _tags_of(self, names: list[str]) -> list[str]:
        return [t for t in self.tags() if any(t in self._entries[n].tags for n in names)]

    def _match(self, token: str, candidates: list[str]) -> set[str]:
        if token == "all":
            return set(candidates)
        if token in candidates:
            return {token}
        by_tag = {n for n in candidates if token in self._entries[n].tags}
        if by_tag:
            return by_tag
        if any(c in token for c in "*?["):
            return set(fnmatch.filter(candidates, token))
        return set()


@dataclass
class Registry:
    """Everything pytest-xai can run, built fresh for each pytest session.

    Filled by the built-ins, by installed packages (entry-point group ``pytest_xai``,
    each entry a function taking the registry) and by ``pytest_xai_register`` hooks
    in conftest.py files. The decorators below are the one way to register.
    """

    benchmarks: Catalog[Any] = field(default_factory=lambda: Catalog("benchmark"))
    models: dict[str, Catalog[Any]] = field(default_factory=dict)  # per benchmark
    methods: Catalog[Any] = field(default_factory=lambda: Catalog("method"))
    metrics: Catalog[Any] = field(default_factory=lambda: Catalog("metric"))
    claims: Catalog[Any] = field(default_factory=lambda: Catalog("claim"))

    def add_benchmark(self, benchmark: Any) -> Any:
        return self.benchmarks.add(benchmark.name, benchmark, tuple(benchmark.tags))

    def add_model(self, spec: Any) -> Any:
        """Register a model under its benchmark (names are unique within a benchmark)."""
        if spec.benchmark not in self.benchmarks:
            raise ValueError(f"model {spec.name!r}: unknown benchmark {spec.benchmark!r}")
        return self.models.setdefault(spec.benchmark, Catalog("model")).add(spec.name, spec, spec.all_tags)

    def models_of(self, benchmark: str) -> Catalog[Any]:
        """The models registered under ``benchmark``."""
        return self.models.get(benchmark, Catalog("model"))

    def add_method(self, method: Any) -> Any:
        return self.methods.add(method.name, method, (method.group, *method.tags))

    def add_metric(self, metric: Any) -> Any:
        return self.metrics.add(metric.name, metric, tuple(metric.tags))

    def add_claim(self, claim: Any) -> Any:
        return self.claims.add(claim.id, claim, tuple(claim.tags))

    def method(self, name: str, group: str, tags: tuple[str, ...] = (), batch_size: int = 32
               ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator registering a plain function ``fn(model, images, targets) -> maps``."""
        from pytest_xai.methods.base import FunctionMethod

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.add_method(FunctionMethod(fn=fn, name=name, group=group, tags=tags,
                                           batch_size=batch_size))
            return fn

        return decorate
