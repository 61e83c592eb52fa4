"""Claims of Wang, Fredrikson & Datta 2021, "Robust models are more interpretable because
attributions look normal" (boundary attributions)."""

from __future__ import annotations

from statistics import fmean
from typing import Any

from pytest_xai.claims.base import HOLDS, INCONCLUSIVE, NOT_HOLDS, Claim, NotApplicable, Outcome, ScoreTable
from pytest_xai.claims.paper import GRADIENT
from pytest_xai.claims.twins import EFFECT_MARGIN, robust_higher
from pytest_xai.metrics.boundary import BoundaryAlignment
from pytest_xai.metrics.concentration import Concentration
from pytest_xai.metrics.localization import WSL, PointingGame
from pytest_xai.stats import below_p, detectable_shift, mean_above_p

SOURCE = "Wang, Fredrikson & Datta 2021"
CONCENTRATION, ALIGNMENT = Concentration.name, BoundaryAlignment.name
LOCALIZATION = (PointingGame.name, WSL.name)
BIG, IG = "big", "integrated_gradients"
W1_ALPHA = W2_ALPHA = 0.003     # F1a's: the same kind of pooled comparison of twins
W3_ALPHA = 0.003                # the same level for the paired comparison of two methods
W2_METHODS = ("gradient",)      # the alignment ignores the method: one method's cells carry it


def w1_concentration(table: ScoreTable) -> Outcome:
    return robust_higher(table, GRADIENT, CONCENTRATION, W1_ALPHA)


def w2_alignment(table: ScoreTable) -> Outcome:
    """Robust twins' boundary alignment against their vanilla twins' (pooled per image). The
    metric ignores the method, so the cells of one method, Gradient (the cheapest maps),
    carry every model's scores; pooling several methods would count each image again."""
    return robust_higher(table, W2_METHODS, ALIGNMENT, W2_ALPHA)


def big_minus_ig(table: ScoreTable, metric: str) -> list[float]:
    """Per image of every vanilla model, BIG's score minus IG's under ``metric`` (the two
    methods' cells of a model score the same first images; the shorter one sets the count)."""
    differences: list[float] = []
    for name, row in table.models.items():
        big, ig = table.get(name, BIG, metric), table.get(name, IG, metric)
        if row.training == "vanilla" and big and ig:
            differences += [b - i for b, i in zip(big, ig)]
    if not differences:
        raise NotApplicable(f"needs {BIG} and {IG} scores of a vanilla model under {metric}")
    return differences


def w3_big_vs_ig(table: ScoreTable) -> Outcome:
    """Paired per image on the vanilla models: BIG more concentrated than IG (one-sided
    Wilcoxon signed-rank), and not worse at localization by EFFECT_MARGIN or more under PG
    and WSL (non-inferiority: a one-sided t-test of the mean difference against
    -EFFECT_MARGIN, a bound on the mean that a rank test would not give)."""
    if not {BIG, IG} <= set(table.methods()):
        raise NotApplicable(f"needs the methods {BIG} and {IG} (--xai-methods={BIG},{IG})")
    parts: dict[str, dict[str, Any]] = {}
    differences = big_minus_ig(table, CONCENTRATION)
    parts[CONCENTRATION] = {"mean_difference": fmean(differences), "n": len(differences),
                            "p": below_p([-d for d in differences], 0.0), "p_reversed": below_p(differences, 0.0),
                            "detectable_effect": detectable_shift(differences, W3_ALPHA)}
    for metric in LOCALIZATION:
        differences = big_minus_ig(table, metric)
        parts[metric] = {"mean_difference": fmean(differences), "n": len(differences),
                         "p": mean_above_p(differences, -EFFECT_MARGIN, (-1.0, 1.0)),
                         "p_reversed": mean_above_p([-d for d in differences], EFFECT_MARGIN, (-1.0, 1.0)),
                         "detectable_effect": detectable_shift(differences, W3_ALPHA)}
    concentrated = parts[CONCENTRATION]
    failed = [name for name, part in parts.items() if part["p"] >= W3_ALPHA]
    if not failed:
        verdict, why = HOLDS, ""
    elif any(parts[name]["p_reversed"] < W3_ALPHA for name in failed) or (
            CONCENTRATION in failed and concentrated["detectable_effect"] <= EFFECT_MARGIN):
        verdict, why = NOT_HOLDS, ""
    else:
        verdict = INCONCLUSIVE
        why = "; ".join(f"{name}: BIG - IG {parts[name]['mean_difference']:+.3f} on {parts[name]['n']} images "
                        f"(p {parts[name]['p']:.2g}), which detect only shifts >= {parts[name]['detectable_effect']:.3f} "
                        f"at alpha {W3_ALPHA} with 80 % power" for name in failed)
    return Outcome(verdict=verdict, value=concentrated["mean_difference"], p_value=max(p["p"] for p in parts.values()),
                   details=parts, detectable_effect=concentrated["detectable_effect"], why=why)


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
    Claim(
        id="W2",
        statement="Robust models' input gradients align better with the direction to their nearest decision "
                  "boundary than their vanilla twins'",
        source=(f"{SOURCE}, abstract: \"the model's input gradients around data points will more closely align "
                "with boundaries' normal vectors when they are smooth\", and robust models have smoother "
                "boundaries (the cosine with the direction to BIG's boundary point is this project's measure)"),
        statistic="one-sided Mann-Whitney U over pooled per-image cosines (boundary_alignment, on Gradient's cells: "
                  "the metric ignores the method) of the twins",
        threshold=(f"p < {W2_ALPHA} (F1a's alpha); inconclusive and not-holding as W1, with a margin of "
                   f"{EFFECT_MARGIN} on the cosine"),
        methods=W2_METHODS,
        metrics=(ALIGNMENT,),
        trainings=("vanilla", "robust"),
        check=w2_alignment,
    ),
    Claim(
        id="W3",
        statement="On vanilla models, BIG's maps are more concentrated than IG's (Gini index of |map|) and localize "
                  "at least as well (Pointing Game, WSL)",
        source=(f"{SOURCE}, findings: \"boundary attributions improve explanation sharpness even in "
                "non-robust models\" (the Gini index as sharpness, the paired test and \"localize at least as "
                "well\" are this project's reading)"),
        statistic="paired per image over the vanilla models' images: one-sided Wilcoxon signed-rank of BIG - IG "
                  "(concentration); one-sided one-sample t-test of the mean of BIG - IG against -0.05 (Pointing Game, "
                  "WSL: non-inferiority)",
        threshold=(f"every p < {W3_ALPHA}; does not hold when a difference is significant the other way (BIG less "
                   f"concentrated, or worse at localization by {EFFECT_MARGIN} or more) or the concentration test "
                   f"could have detected {EFFECT_MARGIN} with 80 % power; otherwise inconclusive"),
        methods=(BIG, IG),
        metrics=(CONCENTRATION, *LOCALIZATION),
        trainings=("vanilla",),
        check=w3_big_vs_ig,
    ),
)
