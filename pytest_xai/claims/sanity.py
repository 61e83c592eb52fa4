"""Sanity checks of explainers as claims: Adebayo et al. 2018's model parameter
randomization test, for every method of the grid (a user's explainer included)."""

from __future__ import annotations

from statistics import fmean

from pytest_xai.benchmarks.base import TRAININGS
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
    """Per (model, method), one test on that model's images (a model's images are distinct;
    the same image under two models is not a second observation): holds when every one is
    shown below the level at the claim's alpha; does not hold when one is shown above it
    (Holm's correction over all of them, so that many methods at the level do not fail it by
    chance); else inconclusive."""
    cells = {(model, method): scores for (model, method, metric), scores in table.scores.items()
             if metric == RANDOMIZATION and scores}
    if not cells:
        raise NotApplicable(f"no {RANDOMIZATION} scores: select the metric (--xai-metrics={RANDOMIZATION} or all)")
    parts = {f"{model} / {method}": {"mean": fmean(scores), "n": len(scores), "p_below": below_p(scores, S1_LEVEL),
                                     "p_above": below_p([-s for s in scores], -S1_LEVEL),
                                     "detectable_shift": detectable_shift(scores, S1_ALPHA)}
             for (model, method), scores in cells.items()}
    adjusted = holm({name: part["p_above"] for name, part in parts.items()})
    for name, part in parts.items():
        part["p_above_holm"] = adjusted[name]
    failing = [name for name, part in parts.items() if part["p_above_holm"] < S1_ALPHA]
    undecided = [name for name, part in parts.items() if part["p_below"] >= S1_ALPHA and name not in failing]
    worst = max(parts, key=lambda name: parts[name]["mean"])
    if failing:
        verdict, p_value = NOT_HOLDS, min(parts[name]["p_above_holm"] for name in failing)
        why = "shown above the level: " + ", ".join(f"{name} (mean {parts[name]['mean']:.3f}, Holm p "
                                                    f"{parts[name]['p_above_holm']:.2g})" for name in failing)
    elif undecided:
        verdict, p_value = INCONCLUSIVE, max(parts[name]["p_below"] for name in undecided)
        why = "; ".join(f"{name}: mean {parts[name]['mean']:.3f} on {parts[name]['n']} images neither shown below "
                        f"nor above {S1_LEVEL} (p {parts[name]['p_below']:.2g} / Holm {parts[name]['p_above_holm']:.2g})"
                        f"; the test detects a shift of {parts[name]['detectable_shift']:.3f}" for name in undecided)
    else:
        verdict, p_value, why = HOLDS, max(part["p_below"] for part in parts.values()), ""
    return Outcome(verdict=verdict, value=parts[worst]["mean"], p_value=p_value,
                   details={"level": S1_LEVEL, "worst": worst, "failing": failing, **parts},
                   detectable_effect=max(part["detectable_shift"] for part in parts.values()), why=why)


def holm(p_values: dict[str, float]) -> dict[str, float]:
    """Holm's step-down adjusted p-values (family-wise error at most alpha for any alpha)."""
    ordered = sorted(p_values, key=p_values.__getitem__)
    adjusted, running = {}, 0.0
    for rank, name in enumerate(ordered):
        running = max(running, min(1.0, (len(ordered) - rank) * p_values[name]))
        adjusted[name] = running
    return adjusted


SANITY_CLAIMS: tuple[Claim, ...] = (
    Claim(
        id="S1",
        statement=(f"Every method's maps depend on the model's weights: after all layers are re-initialised, the rank "
                   f"correlation of |map| with the trained model's is below {S1_LEVEL} on every model"),
        source="Adebayo et al. 2018, Sec. 3.1 (model parameter randomization test)",
        statistic="per model and method, one-sided Wilcoxon signed-rank test of the per-image Spearman rho "
                  "against the level",
        threshold=(f"p < {S1_ALPHA} that rho < {S1_LEVEL} for every model and method (the level is ours: the paper "
                   f"gives none); does not hold when one is shown above it (Holm-adjusted p < {S1_ALPHA})"),
        methods=(),
        metrics=(RANDOMIZATION,),
        trainings=TRAININGS,
        check=s1_randomization,
    ),
)
