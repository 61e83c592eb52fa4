"""Claims of Boopathy et al. 2020, "Proper network interpretability helps adversarial
robustness in classification" (interpretation discrepancy under attack)."""

from __future__ import annotations

from pytest_xai.claims.base import Claim, Outcome, ScoreTable
from pytest_xai.claims.twins import EFFECT_MARGIN, directional, present, robust_vs_vanilla
from pytest_xai.metrics.attack import AttackDiscrepancyL1, AttackTopK

SOURCE = "Boopathy et al. 2020"
L1, TOP_K = AttackDiscrepancyL1.name, AttackTopK.name
B1_METHODS = ("gradient", "gradcam")
B1_ALPHA = 0.003     # F1a's: the same kind of pooled comparison of twins


def b1_discrepancy(table: ScoreTable) -> Outcome:
    """Per method, the robust twins' pooled per-image scores against the vanilla twins': a
    lower l1 discrepancy and a higher top-k intersection, each one-sided; holds when all are
    significant."""
    methods = present(table, B1_METHODS)
    parts = {}
    for method in methods:
        parts[f"{method} {L1}"] = robust_vs_vanilla(table, [method], L1, "less", B1_ALPHA)
        parts[f"{method} {TOP_K}"] = robust_vs_vanilla(table, [method], TOP_K, "greater", B1_ALPHA)
    verdict, why = directional(parts, B1_ALPHA)
    weakest = max(parts, key=lambda name: parts[name]["p"])
    return Outcome(verdict=verdict, value=parts[weakest]["effect"], p_value=parts[weakest]["p"],
                   details={"methods": methods, "weakest": weakest, **parts},
                   detectable_effect=max(part["detectable_effect"] for part in parts.values()), why=why)


ATTACK_CLAIMS: tuple[Claim, ...] = (
    Claim(
        id="B1",
        statement="Under the same attack (the paper's evaluation budget), robust models' maps (Gradient, GradCAM) "
                  "change less than their vanilla twins': lower l1 discrepancy, higher top-k intersection",
        source=(f"{SOURCE}, abstract: a prediction-evasion attack is hard to keep from changing the "
                "interpretation, and adversarial training is the defence their interpretability-aware one is "
                "compared with for \"robust interpretation\"; that an adversarially trained model's maps change "
                "less than a normally trained one's is the comparison this claim tests (the two methods, the "
                "paper's evaluation attack of Nourelahi et al. and the pooled twin test are this project's choices)"),
        statistic="per method, one-sided Mann-Whitney U over the twins' pooled per-image discrepancies "
                  "(discrepancy_l1: robust lower; discrepancy_topk: robust higher)",
        threshold=(f"p < {B1_ALPHA} for each method and measure (F1a's alpha); does not hold when one test is not "
                   f"significant and could have detected a difference of {EFFECT_MARGIN} with 80 % power, or when "
                   "its reverse is significant; otherwise inconclusive"),
        methods=B1_METHODS,
        metrics=(L1, TOP_K),
        trainings=("vanilla", "robust"),
        check=b1_discrepancy,
    ),
)
