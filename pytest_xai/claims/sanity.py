"""Sanity checks of explainers as claims: Adebayo et al. 2018's model parameter
randomization test, for every method of the grid (a user's explainer included)."""

from __future__ import annotations

from statistics import fmean

from pytest_xai.claims.base import HOLDS, INCONCLUSIVE, NOT_HOLDS, Claim, NotApplicable, Outcome, ScoreTable
from pytest_xai.metrics.sanity import ModelRandomization
from pytest_xai.stats import below_p, detectable_shift

RANDOMIZATION = ModelRandomization.name
# The paper states no number; 0.5 is ours: halfway between an unchanged map's rank order (1)
# and an unrelated one (0). Its Fig. 2 and 4 show Gradient, IG and GradCAM far below it after
# full randomization, Guided Backprop (the failing case) far above.
S1_LEVEL = 0.5
S1_ALPHA = 0.01


def s1_randomization(table: ScoreTable) -> Outcome:
    """Per method, the per-image rank correlations of all its models pooled: holds when every
    method's are shown below the level (one-sided Wilcoxon at the claim's alpha), does not
    hold when some method's are shown above it, else inconclusive."""
    methods = [m for m in table.methods() if table.pooled(table.models, [m], RANDOMIZATION)]
    if not methods:
        raise NotApplicable(f"no {RANDOMIZATION} scores: select the metric (--xai-metrics={RANDOMIZATION} or all)")
    parts = {}
    for method in methods:
        scores = table.pooled(table.models, [method], RANDOMIZATION)
        parts[method] = {"mean": fmean(scores), "n": len(scores), "p_below": below_p(scores, S1_LEVEL),
                         "p_above": below_p([-s for s in scores], -S1_LEVEL),
                         "detectable_shift": detectable_shift(scores, S1_ALPHA)}
    failing = [m for m, p in parts.items() if p["p_above"] < S1_ALPHA]
    undecided = [m for m, p in parts.items() if p["p_below"] >= S1_ALPHA and m not in failing]
    if failing:
        verdict = NOT_HOLDS
        why = ""
    elif undecided:
        verdict = INCONCLUSIVE
        why = "; ".join(f"{m}: mean {parts[m]['mean']:.3f} on {parts[m]['n']} images neither shown below nor above "
                        f"{S1_LEVEL} (p {parts[m]['p_below']:.2g} / {parts[m]['p_above']:.2g}); the test detects a "
                        f"shift of {parts[m]['detectable_shift']:.3f}" for m in undecided)
    else:
        verdict, why = HOLDS, ""
    worst = max(parts, key=lambda m: parts[m]["mean"])
    return Outcome(verdict=verdict, value=parts[worst]["mean"], p_value=max(p["p_below"] for p in parts.values()),
                   details={"level": S1_LEVEL, "failing": failing, **parts},
                   detectable_effect=max(p["detectable_shift"] for p in parts.values()), why=why)


SANITY_CLAIMS: tuple[Claim, ...] = (
    Claim(
        id="S1",
        statement=(f"Every method's maps depend on the model's weights: after all layers are re-initialised, the rank "
                   f"correlation of |map| with the trained model's is below {S1_LEVEL}"),
        source="Adebayo et al. 2018, Sec. 3.1 (model parameter randomization test)",
        statistic="per method, one-sided Wilcoxon signed-rank test of per-image Spearman rho against the level, "
                  "every model's images pooled",
        threshold=(f"p < {S1_ALPHA} that rho < {S1_LEVEL} for every method (the level is ours: the paper gives "
                   "none); does not hold when a method's rho is shown above it"),
        methods=(),
        metrics=(RANDOMIZATION,),
        trainings=("vanilla", "robust", "advprop", "untrained"),
        check=s1_randomization,
    ),
)
