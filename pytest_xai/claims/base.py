"""What a claim is: a finding over many cells, checked on a table of per-image scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence, cast

if TYPE_CHECKING:
    from pytest_xai.report.schema import ClaimEntry, Report


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


HOLDS, NOT_HOLDS, INCONCLUSIVE = "holds", "does not hold", "inconclusive"
VERDICTS = (HOLDS, NOT_HOLDS, INCONCLUSIVE)


def decided(holds: bool) -> str:
    """The verdict of a claim whose rule has no test that could lack power (an ordering)."""
    return HOLDS if holds else NOT_HOLDS


@dataclass(frozen=True)
class Outcome:
    """A claim's verdict with the numbers behind it.

    ``verdict`` is HOLDS, NOT_HOLDS or INCONCLUSIVE: the claim's test could not decide at
    its alpha on this many images or models. ``detectable_effect`` is the smallest effect
    the test detects with 80 % power here (None for rules without a test), ``why`` says in
    words why an inconclusive outcome is one (or which parts fail, for a claim of many parts).
    """

    verdict: str
    value: float | None
    p_value: float | None
    details: dict[str, Any] = field(default_factory=dict)
    detectable_effect: float | None = None
    why: str = ""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    @property
    def passed(self) -> bool:
        return self.verdict == HOLDS


@dataclass(frozen=True, kw_only=True)
class Claim:
    """A finding of a paper as a test.

    ``methods``/``metrics`` name the cells it needs (those registered are used; no
    ``methods``: every selected method, for claims about any explainer);
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

    def report(self, outcome: Outcome | None, cells: list[tuple[str, str, str]], reason: str = "",
               images: dict[str, int] | None = None) -> dict[str, Any]:
        """The claim's entry in the JSON report (``images``: per model, the images all its cells scored)."""
        return {"id": self.id, "statement": self.statement, "source": self.source, "statistic": self.statistic,
                "threshold": self.threshold, "value": outcome.value if outcome else None,
                "p_value": outcome.p_value if outcome else None,
                "passed": outcome.passed if outcome else None, "verdict": outcome.verdict if outcome else None,
                "detectable_effect": outcome.detectable_effect if outcome else None,
                "images": images or {}, "details": outcome.details if outcome else {},
                "skip_reason": reason or None, "cells": [list(c) for c in cells]}


def evaluate_claim(claim: Claim, build: Callable[[], tuple[ScoreTable, list[tuple[str, str, str]]]],
                   known_failure: str = "") -> ClaimEntry:
    """The claim's report entry, with ``outcome`` (passed / failed / inconclusive / skipped) and ``message``.

    ``build`` gathers the table (from the score store during a run, or from a report
    when merging shards), so both paths give the same entry for the same scores.
    ``known_failure`` is the benchmark's reason for expecting the claim to fail
    (``Benchmark.known_failures``); it is recorded as it is and changes no verdict.
    """
    cells: list[tuple[str, str, str]] = []
    try:
        table, cells = build()
        outcome = claim.check(table)
    except NotApplicable as exc:
        return cast("ClaimEntry", {**claim.report(None, cells, str(exc)), "outcome": "skipped",
                                   "known_failure": known_failure or None,
                                   "message": f"{claim.id} not testable here: {exc}"})
    images: dict[str, int] = {}     # per model, the images every one of its cells scored
    for (model, _, _), values in table.scores.items():
        images[model] = min(images.get(model, len(values)), len(values))
    if outcome.verdict == INCONCLUSIVE:
        message = f"{claim.id} inconclusive: {outcome.why}"
    elif outcome.verdict == NOT_HOLDS:
        message = (f"{claim.id} does not hold: {claim.statement}; statistic: {claim.statistic}; value "
                   f"{outcome.value}, p {outcome.p_value}; threshold: {claim.threshold}"
                   + (f"; {outcome.why}" if outcome.why else ""))
    else:
        message = ""
    result = {HOLDS: "passed", NOT_HOLDS: "failed", INCONCLUSIVE: "inconclusive"}[outcome.verdict]
    return cast("ClaimEntry", {**claim.report(outcome, cells, images=images), "outcome": result,
                               "known_failure": known_failure or None, "message": message})


def gather_table(claim: Claim, models: Sequence[str], methods: Sequence[str], metrics: Sequence[str], *,
                 training_of: Callable[[str], str], row_of: Callable[[str], ModelRow],
                 scores_of: Callable[[str, str, str], list[float] | None],
                 higher_of: Callable[[str, str, str], bool]) -> tuple[ScoreTable, list[tuple[str, str, str]]]:
    """The scores a claim needs: its methods x metrics among those selected, on the selected
    models of the trainings it compares; a cell without scores (one that does not apply)
    is left out. The one home of this rule, whether the scores come from a run
    (``Evaluator.claim_table``) or from a report (``table_from_report``). Raises NotApplicable
    when no selected model has such a training or none of its metrics is selected."""
    methods = [m for m in claim.methods if m in methods] if claim.methods else list(methods)
    metrics = [m for m in claim.metrics if m in metrics]
    chosen = [m for m in models if training_of(m) in claim.trainings]
    if not chosen:
        raise NotApplicable(f"no selected model is {' or '.join(claim.trainings)}")
    if not metrics:
        raise NotApplicable(f"needs the metric {' or '.join(claim.metrics)}, not selected (--xai-metrics)")
    rows, scores, used, higher = {}, {}, [], {}
    for name in chosen:
        rows[name] = row_of(name)
        for method in methods:
            for metric in metrics:
                values = scores_of(name, method, metric)
                if values is not None:
                    scores[(name, method, metric)] = values
                    used.append((name, method, metric))
                    higher.setdefault(metric, higher_of(name, method, metric))
    return ScoreTable(models=rows, scores=scores, higher_is_better=higher), used


def table_from_report(claim: Claim, report: Report) -> tuple[ScoreTable, list[tuple[str, str, str]]]:
    """``gather_table`` on a report's cells and models (``pytest-xai merge``, studies)."""
    config = report["config"]
    models = {m["name"]: m for m in report["models"]}
    cells = {(c["model"], c["method"], c["metric"]): c for c in report["cells"]}

    def row_of(name: str) -> ModelRow:
        model, card = models[name], models[name].get("card") or {}
        return ModelRow(name=name, arch=model["arch"], training=model["training"],
                        confidence=model.get("confidence") or [], clean_accuracy=card.get("clean_accuracy"),
                        adversarial_accuracy=card.get("pgd_accuracy"))

    def scores_of(model: str, method: str, metric: str) -> list[float] | None:
        return (cells.get((model, method, metric)) or {}).get("scores")

    return gather_table(claim, config["models"], config["methods"], config["metrics"],
                        training_of=lambda name: models[name]["training"], row_of=row_of, scores_of=scores_of,
                        higher_of=lambda *key: cells[key]["higher_is_better"])
