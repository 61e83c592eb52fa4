"""The paper's findings: one test per selected claim, over the grid's models."""

from __future__ import annotations

import json

import pytest

from pytest_xai.claims.base import Claim, NotApplicable
from pytest_xai.runner import Runner
from pytest_xai.selection import Grid


@pytest.mark.xai_claim
def test_claim(xai_claim: Claim, xai_runner: Runner, xai_grid: Grid, record_property) -> None:
    """The claim holds on the selected grid (its cells come from the score store)."""
    cells: list[tuple[str, str, str]] = []
    try:
        with xai_runner.files_or_skip():
            table, cells = xai_runner.claim_table(xai_claim, xai_grid)
        outcome = xai_claim.check(table)
    except NotApplicable as exc:
        record_property("xai_claim", json.dumps(xai_claim.report(None, cells, str(exc))))
        pytest.skip(f"{xai_claim.id} not testable here: {exc}")
    record_property("xai_claim", json.dumps(xai_claim.report(outcome, cells)))
    assert outcome.passed, (
        f"{xai_claim.id} does not hold: {xai_claim.statement}\n"
        f"statistic: {xai_claim.statistic}; value {outcome.value}, p {outcome.p_value}; "
        f"threshold: {xai_claim.threshold}\n" + json.dumps(outcome.details, indent=1, default=str))
