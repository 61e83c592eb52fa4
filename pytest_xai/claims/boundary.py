"""Claims of Wang, Fredrikson & Datta 2021, "Robust models are more interpretable because
attributions look normal" (boundary attributions)."""

from __future__ import annotations

from pytest_xai.claims.base import Claim, Outcome, ScoreTable
from pytest_xai.claims.paper import GRADIENT
from pytest_xai.claims.twins import EFFECT_MARGIN, directional, present, robust_vs_vanilla
from pytest_xai.metrics.concentration import Concentration

SOURCE = "Wang, Fredrikson & Datta 2021"
CONCENTRATION = Concentration.name
W1_ALPHA = 0.003     # F1a's: the same kind of pooled comparison of twins


def w1_concentration(table: ScoreTable) -> Outcome:
    methods = present(table, GRADIENT)
    parts = {CONCENTRATION: robust_vs_vanilla(table, methods, CONCENTRATION, "greater", W1_ALPHA)}
    verdict, why = directional(parts, W1_ALPHA)
    part = parts[CONCENTRATION]
    return Outcome(verdict=verdict, value=part["effect"], p_value=part["p"], details={"methods": methods, **parts},
                   detectable_effect=part["detectable_effect"], why=why)


BOUNDARY_CLAIMS: tuple[Claim, ...] = (
    Claim(
        id="W1",
        statement="Robust models' gradient attributions (Gradient, IG, SHAP) are more concentrated than their "
                  "vanilla twins' (Gini index of |map|)",
        source=(f"{SOURCE}, abstract: robust networks' \"feature attributions tend to be sharper, and are more "
                "concentrated\" (the finding the paper explains; the Gini index as the measure of sharpness and "
                "the three gradient methods are this project's choices)"),
        statistic="one-sided Mann-Whitney U over pooled per-image Gini indices of the twins",
        threshold=(f"p < {W1_ALPHA} (F1a's alpha); does not hold when the test is not significant and could have "
                   f"detected a difference of {EFFECT_MARGIN} with 80 % power (F1a's margin; the Gini index is on a "
                   "0-1 scale too), or when the reverse is significant; otherwise inconclusive"),
        methods=GRADIENT,
        metrics=(CONCENTRATION,),
        trainings=("vanilla", "robust"),
        check=w1_concentration,
    ),
)
