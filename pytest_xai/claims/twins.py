"""Comparisons of robust models with their vanilla twins, shared by the claims of every paper."""

from __future__ import annotations

from statistics import fmean
from typing import Any

from pytest_xai.claims.base import HOLDS, INCONCLUSIVE, NOT_HOLDS, NotApplicable, Outcome, ScoreTable
from pytest_xai.stats import detectable_difference, equivalence_p


def mannwhitney(better: list[float], worse: list[float], alternative: str = "greater") -> tuple[float, float]:
    from scipy.stats import mannwhitneyu

    if not better or not worse:
        raise NotApplicable("no scores to compare")
    result = mannwhitneyu(better, worse, alternative=alternative)
    return float(result.statistic), float(result.pvalue)


def twin_pairs(table: ScoreTable) -> list[tuple[str, str]]:
    pairs = table.pairs()
    if not pairs:
        raise NotApplicable("needs at least one (vanilla, robust) pair of models of one architecture")
    return pairs


def present(table: ScoreTable, methods: tuple[str, ...]) -> list[str]:
    found = [m for m in methods if m in table.methods()]
    if not found:
        raise NotApplicable(f"needs one of the methods {', '.join(methods)}")
    return found


# The smallest difference of pooled means (Pointing Game, WSL, Insertion and Deletion are all
# on 0-1 scales; W1 borrows it for the Gini index, on 0-1 too) that the claims about robust
# vs vanilla models care about: the margin of
# F1b's "equally well", and the effect a test must be able to see (80 % power) before its
# failure to see one counts against a claim rather than leaving it inconclusive.
EFFECT_MARGIN = 0.05


def robust_vs_vanilla(table: ScoreTable, methods: list[str], metric: str, alternative: str,
                       alpha: float) -> dict[str, Any]:
    """Mann-Whitney U of the robust models' pooled scores against their vanilla twins', with
    the smallest difference the test detects at ``alpha`` with 80 % power; two-sided, also
    the equivalence (TOST) p-value against EFFECT_MARGIN, one-sided, the reversed test's p."""
    pairs = twin_pairs(table)
    vanilla = table.pooled([v for v, _ in pairs], methods, metric)
    robust = table.pooled([r for _, r in pairs], methods, metric)
    u, p = mannwhitney(robust, vanilla, alternative)
    sided = 2 if alternative == "two-sided" else 1
    part = {"vanilla_mean": fmean(vanilla), "robust_mean": fmean(robust),
            "effect": fmean(robust) - fmean(vanilla), "n_vanilla": len(vanilla), "n_robust": len(robust),
            "U": u, "p": p, "detectable_effect": detectable_difference(robust, vanilla, alpha, sided)}
    if alternative == "two-sided":
        part["equivalence_p"] = equivalence_p(robust, vanilla, EFFECT_MARGIN)
    else:
        part["p_reversed"] = mannwhitney(robust, vanilla, "less" if alternative == "greater" else "greater")[1]
    return part


def directional(parts: dict[str, dict[str, Any]], alpha: float) -> tuple[str, str]:
    """The verdict of "robust differs from vanilla in the stated direction under every metric".

    Holds when every metric's one-sided test is significant at ``alpha``. Does not hold when
    some metric's test is not, and either it could have seen an effect of EFFECT_MARGIN (80 %
    power) or its effect is significant the other way. Otherwise inconclusive.
    """
    if all(p["p"] < alpha for p in parts.values()):
        return HOLDS, ""
    failed = {m: p for m, p in parts.items() if p["p"] >= alpha}
    if any(p["detectable_effect"] <= EFFECT_MARGIN or p["p_reversed"] < alpha for p in failed.values()):
        return NOT_HOLDS, ""
    return INCONCLUSIVE, "; ".join(
        f"{metric}: effect {p['effect']:+.3f} not significant (p {p['p']:.2g}) on {p['n_vanilla']} vanilla and "
        f"{p['n_robust']} robust scores, which detect only effects >= {p['detectable_effect']:.3f} at alpha "
        f"{alpha} with 80 % power (more than the {EFFECT_MARGIN} that matters)" for metric, p in failed.items())


def robust_higher(table: ScoreTable, methods: tuple[str, ...], metric: str, alpha: float) -> Outcome:
    """The outcome of "robust twins score higher than vanilla ones under ``metric``", their
    per-image scores pooled over the present ``methods``: one-sided Mann-Whitney U, verdict
    by ``directional``."""
    present_methods = present(table, methods)
    parts = {metric: robust_vs_vanilla(table, present_methods, metric, "greater", alpha)}
    verdict, why = directional(parts, alpha)
    part = parts[metric]
    return Outcome(verdict=verdict, value=part["effect"], p_value=part["p"],
                   details={"methods": present_methods, **parts}, detectable_effect=part["detectable_effect"], why=why)
