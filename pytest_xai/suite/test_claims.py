"""The paper's findings: one test per selected claim, over the grid's models."""

from __future__ import annotations

import json

import pytest

from pytest_xai.claims.base import Claim, evaluate_claim
from pytest_xai.evaluation.records import Evaluator
from pytest_xai.selection import Grid
from pytest_xai.suite import files_or_skip


@pytest.mark.xai_claim
def test_claim(xai_claim: Claim, xai_evaluator: Evaluator, xai_grid: Grid, record_property,
               request: pytest.FixtureRequest) -> None:
    """The claim holds on the selected grid (its cells come from the score store), or,
    where the benchmark names a reason it does not, fails as expected (strict xfail). A
    claim the selection has too few images or models to decide is skipped with the numbers."""
    known = xai_evaluator.benchmark.known_failures.get(xai_claim.id, "")
    if known:
        request.applymarker(pytest.mark.xfail(strict=True, reason=f"known not to hold on {xai_grid.benchmark}: {known}"))
    with files_or_skip(xai_evaluator.cfg.require_all):
        record = evaluate_claim(xai_claim, lambda: xai_evaluator.claim_table(xai_claim, xai_grid), known)
    record_property("xai_claim", json.dumps(record))
    if record["outcome"] in ("skipped", "inconclusive"):
        pytest.skip(record["message"])
    assert record["passed"], record["message"] + "\n" + json.dumps(record["details"], indent=1, default=str)
