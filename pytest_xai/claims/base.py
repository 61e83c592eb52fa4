"""What a claim is: a finding over many cells, checked on a table of per-image scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable


class NotApplicable(Exception):
    """The models or methods at hand cannot test this claim (the test is skipped with why)."""


@dataclass(frozen=True)
class ModelRow:
    """A model as claims see it. ``confidence`` is per evaluation image (softmax
    probability of the true class); accuracies come from the model card, if any."""

    name: str
    arch: str
    training: str
    confidence: list[float]
    clean_accuracy: float | None = None
    adversarial_accuracy: float | None = None


@dataclass
class ScoreTable:
    """Per-image scores by (model, method, metric), and the models they belong to."""

    models: dict[str, ModelRow]
    scores: dict[tuple[str, str, str], list[float]]
    higher_is_better: dict[str, bool]

    def get(self, model: str, method: str, metric: str) -> list[float] | None:
        return self.scores.get((model, method, metric))

    def methods(self) -> list[str]:
        return list(dict.fromkeys(method for _, method, _ in self.scores))

    def pairs(self) -> list[tuple[str, str]]:
        """(vanilla, robust) model names sharing an architecture."""
        by_arch: dict[str, dict[str, str]] = {}
        for row in self.models.values():
            by_arch.setdefault(row.arch, {}).setdefault(row.training, row.name)
        return [(t["vanilla"], t["robust"]) for t in by_arch.values() if "vanilla" in t and "robust" in t]

    def pooled(self, models: Iterable[str], methods: Iterable[str], metric: str) -> list[float]:
        """All per-image scores of these models and methods under ``metric``, concatenated."""
        out: list[float] = []
        for model in models:
            for method in methods:
                out += self.get(model, method, metric) or []
        return out

    def mean(self, model: str, method: str, metric: str) -> float | None:
        values = self.get(model, method, metric)
        return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class Outcome:
    """A claim's verdict with the numbers behind it."""

    passed: bool
    value: float | None
    p_value: float | None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Claim:
    """A finding of a paper as a test.

    ``methods``/``metrics`` name the cells it needs (those registered are used);
    ``trainings`` the kinds of model it compares; ``check`` computes the verdict
    (raising NotApplicable when the table cannot test it). ``threshold`` states the
    pass rule in words, with the reason for any tolerance the paper does not give.
    """

    id: str
    statement: str
    source: str
    statistic: str
    threshold: str
    methods: tuple[str, ...]
    metrics: tuple[str, ...]
    trainings: tuple[str, ...]
    check: Callable[[ScoreTable], Outcome]
    tags: tuple[str, ...] = ()

    def report(self, outcome: Outcome | None, cells: list[tuple[str, str, str]], reason: str = "") -> dict[str, Any]:
        """The claim's entry in the JSON report."""
        return {"id": self.id, "statement": self.statement, "source": self.source, "statistic": self.statistic,
                "threshold": self.threshold, "value": outcome.value if outcome else None,
                "p_value": outcome.p_value if outcome else None,
                "passed": outcome.passed if outcome else None, "details": outcome.details if outcome else {},
                "skip_reason": reason or None, "cells": [list(c) for c in cells]}
