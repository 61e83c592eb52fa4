"""The findings of Nourelahi et al. 2022 ("How explainable are adversarially-robust
CNNs?") as claims. Statistics from scipy.stats; thresholds are the paper's where it
gives one, otherwise the tolerance is stated (with its reason) in the claim."""

from __future__ import annotations

from statistics import fmean

from pytest_xai.claims.base import (HOLDS, INCONCLUSIVE, NOT_HOLDS, Claim, NotApplicable, Outcome, ScoreTable,
                                    decided)
from pytest_xai.claims.twins import EFFECT_MARGIN, directional, present, robust_vs_vanilla
from pytest_xai.stats import detectable_correlation

GRADIENT = ("gradient", "integrated_gradients", "shap")
CAM = ("gradcam", "cam")
PERTURBATION = ("rise", "lime", "mp", "ep")
ALL_METHODS = GRADIENT + CAM + PERTURBATION
LOCALIZATION = ("pointing_game", "wsl")
CAUSAL = ("insertion", "deletion")
PAPER_METRICS = LOCALIZATION + CAUSAL
SOURCE = "Nourelahi et al. 2022"


def _spearman(x: list[float], y: list[float]) -> tuple[float, float]:
    from scipy.stats import spearmanr

    if len(x) < 3:
        raise NotApplicable(f"a correlation needs at least 3 points, got {len(x)}")
    if len(set(x)) < 2 or len(set(y)) < 2:
        raise NotApplicable("a correlation over constant scores is undefined")
    result = spearmanr(x, y)
    return float(result.statistic), float(result.pvalue)


F1_ALPHA = 0.003


def f1_gradient(table: ScoreTable) -> Outcome:
    methods = present(table, GRADIENT)
    parts = {metric: robust_vs_vanilla(table, methods, metric, "greater", F1_ALPHA) for metric in LOCALIZATION}
    verdict, why = directional(parts, F1_ALPHA)
    return Outcome(verdict=verdict, value=min(p["effect"] for p in parts.values()),
                   p_value=max(p["p"] for p in parts.values()), details={"methods": methods, **parts},
                   detectable_effect=max(p["detectable_effect"] for p in parts.values()), why=why)


CAM_TINY_EFFECT = EFFECT_MARGIN


def f1_cam(table: ScoreTable) -> Outcome:
    """Holds when the difference is shown to be small (equivalence within the margin at the
    claim's alpha, TOST); does not hold when the paper's criterion fails (a significant
    difference of at least the margin); otherwise inconclusive."""
    methods = present(table, CAM)
    parts = {metric: robust_vs_vanilla(table, methods, metric, "two-sided", F1_ALPHA) for metric in LOCALIZATION}
    if all(p["equivalence_p"] < F1_ALPHA for p in parts.values()):
        verdict, why = HOLDS, ""
    elif any(p["p"] < F1_ALPHA and abs(p["effect"]) >= CAM_TINY_EFFECT for p in parts.values()):
        verdict, why = NOT_HOLDS, ""
    else:
        verdict, why = INCONCLUSIVE, "; ".join(
            f"{metric}: difference {p['effect']:+.3f} neither shown within +-{CAM_TINY_EFFECT} (TOST p "
            f"{p['equivalence_p']:.2g}) nor shown larger (p {p['p']:.2g}) on {p['n_vanilla']} vanilla and "
            f"{p['n_robust']} robust scores at alpha {F1_ALPHA}" for metric, p in parts.items()
            if p["equivalence_p"] >= F1_ALPHA)
    return Outcome(verdict=verdict, value=max(abs(p["effect"]) for p in parts.values()),
                   p_value=max(p["equivalence_p"] for p in parts.values()), details={"methods": methods, **parts},
                   detectable_effect=max(p["detectable_effect"] for p in parts.values()), why=why)


def _method_mean(table: ScoreTable, model: str, methods: list[str], metric: str) -> float | None:
    means = [m for m in (table.mean(model, method, metric) for method in methods) if m is not None]
    return fmean(means) if means else None


def f2_advprop(table: ScoreTable) -> Outcome:
    methods = present(table, ALL_METHODS)
    advprop = [r for r in table.models.values() if r.training == "advprop"]
    pairs = {table.models[v].arch: (v, r) for v, r in table.pairs()}
    checks = []
    for row in advprop:
        if row.arch not in pairs:
            continue
        vanilla, robust = pairs[row.arch]
        for metric in PAPER_METRICS[:3]:  # PG, WSL: in between; Insertion: above vanilla
            v, a, r = (_method_mean(table, m, methods, metric) for m in (vanilla, row.name, robust))
            if None in (v, a, r):
                continue
            holds = v < a < r if metric in LOCALIZATION else a > v
            checks.append({"model": row.name, "metric": metric, "vanilla": v, "advprop": a, "robust": r,
                           "holds": holds})
    if not checks:
        raise NotApplicable("needs an advprop model whose architecture has a (vanilla, robust) pair")
    held = sum(c["holds"] for c in checks)
    return Outcome(verdict=decided(held == len(checks)), value=held / len(checks), p_value=None,
                   details={"methods": methods, "checks": checks})


def _method_ranks(table: ScoreTable, models: list[str], methods: list[str], metric: str) -> dict[str, float]:
    """Rank (1 = best) of each method by its score averaged over ``models``."""
    averages = {}
    for method in methods:
        means = [m for m in (table.mean(model, method, metric) for model in models) if m is not None]
        if means:
            averages[method] = fmean(means)
    better_first = sorted(averages, key=averages.get, reverse=table.higher_is_better[metric])
    return {method: float(i + 1) for i, method in enumerate(better_first)}


def f3_best_methods(table: ScoreTable) -> Outcome:
    methods = [m for m in present(table, ALL_METHODS) if m != "cam"]
    needed = {"gradcam", "rise", "mp"}
    if not needed <= set(methods):
        raise NotApplicable(f"needs the methods {', '.join(sorted(needed))}")
    models = [r.name for r in table.models.values() if r.training in ("vanilla", "robust")]
    if not models:
        raise NotApplicable("needs vanilla or robust models")
    ranks = {metric: _method_ranks(table, models, methods, metric) for metric in PAPER_METRICS
             if table.higher_is_better.get(metric) is not None}
    mean_rank = {m: fmean(r[m] for r in ranks.values() if m in r) for m in methods}
    worst_top = max(r[m] for r in ranks.values() for m in ("gradcam", "rise"))
    mp_last = mean_rank["mp"] == max(mean_rank.values())
    return Outcome(verdict=decided(worst_top <= 3 and mp_last), value=worst_top, p_value=None,
                   details={"ranks": ranks, "mean_rank": mean_rank, "mp_last": mp_last, "models": models})


F4_ALPHA = 0.002


def f4_causal_by_training(table: ScoreTable) -> Outcome:
    methods = present(table, ALL_METHODS)
    # Insertion (higher is better) favours vanilla and Deletion (lower is better) favours
    # robust: under both, robust models score lower than their vanilla twins.
    parts = {metric: robust_vs_vanilla(table, methods, metric, "less", F4_ALPHA) for metric in CAUSAL}
    verdict, why = directional(parts, F4_ALPHA)
    return Outcome(verdict=verdict, value=None, p_value=max(p["p"] for p in parts.values()),
                   details={"methods": methods, **parts},
                   detectable_effect=max(p["detectable_effect"] for p in parts.values()), why=why)


MODEL_RHO, IMAGE_RHO = 0.6, 0.5


def f4_confidence(table: ScoreTable) -> Outcome:
    methods = present(table, ALL_METHODS)
    models = [r for r in table.models.values() if r.training in ("vanilla", "robust")]
    conf, deletion, img_conf, img_del = [], [], [], []
    for row in models:
        model_del = [table.get(row.name, m, "deletion") for m in methods]
        model_del = [d for d in model_del if d]
        if not model_del or not row.confidence:
            continue
        # the confidence of the images the Deletion cells scored (a model may have more)
        conf.append(fmean(row.confidence[:max(map(len, model_del))]))
        deletion.append(fmean(fmean(d) for d in model_del))
        for d in model_del:
            img_conf += row.confidence[:len(d)]
            img_del += d
    rho_model, p_model = _spearman(conf, deletion)
    rho_image, p_image = _spearman(img_conf, img_del)
    levels = {"model_level": (rho_model, p_model, len(conf), MODEL_RHO),
              "image_level": (rho_image, p_image, len(img_conf), IMAGE_RHO)}
    verdict, why = _correlations_verdict(levels)
    paper = {"model_level": 0.88, "image_level": 0.78}
    return Outcome(verdict=verdict, value=rho_model, p_value=p_model,
                   details={k: {"rho": r, "p": p, "n": n, "threshold": t, "paper": paper[k],
                                "detectable_rho": detectable_correlation(n, 0.05)}
                            for k, (r, p, n, t) in levels.items()},
                   detectable_effect=detectable_correlation(len(conf), 0.05), why=why)


def _correlations_verdict(levels: dict[str, tuple[float, float, int, float]]) -> tuple[str, str]:
    """Verdict of "each correlation (rho, p, n, threshold) is >= its threshold with p < 0.05":
    a level that fails counts against the claim when its n detects a correlation of its
    threshold (80 % power at alpha 0.05); a failing level whose n cannot leaves it inconclusive."""
    failed = {k: v for k, v in levels.items() if not (v[0] >= v[3] and v[1] < 0.05)}
    if not failed:
        return HOLDS, ""
    if any(detectable_correlation(n, 0.05) <= threshold for _, _, n, threshold in failed.values()):
        return NOT_HOLDS, ""
    return INCONCLUSIVE, "; ".join(
        f"{k}: rho {r:.2f} (p {p:.2g}) on {n} points, which detect only rho >= "
        f"{detectable_correlation(n, 0.05):.2f} at alpha 0.05 with 80 % power (threshold {t})"
        for k, (r, p, n, t) in failed.items())


LOC_RHO, CROSS_RHO, INS_DEL_RHO = 0.5, 0.3, 0.5


def f5_metric_correlations(table: ScoreTable) -> Outcome:
    keys = sorted({(model, method) for model, method, _ in table.scores})
    columns: dict[str, list[float]] = {m: [] for m in PAPER_METRICS}
    for model, method in keys:
        rows = [table.get(model, method, metric) for metric in PAPER_METRICS]
        if all(rows):
            common = min(map(len, rows))    # cells of n images scored the model's first n
            for metric, values in zip(PAPER_METRICS, rows):
                columns[metric] += values[:common]
    rho = {f"{a}~{b}": _spearman(columns[a], columns[b])[0]
           for i, a in enumerate(PAPER_METRICS) for b in PAPER_METRICS[i + 1:]}
    cross = [rho[f"{a}~{b}"] for a in LOCALIZATION for b in CAUSAL]
    passed = (rho["pointing_game~wsl"] >= LOC_RHO and max(abs(c) for c in cross) <= CROSS_RHO
              and rho["insertion~deletion"] >= INS_DEL_RHO)
    n = len(columns["wsl"])
    # Point estimates against thresholds: too few images to see a correlation of 0.5 (80 %
    # power at alpha 0.05) cannot count against the claim.
    verdict, why = decided(passed), ""
    if not passed and detectable_correlation(n, 0.05) > LOC_RHO:
        verdict, why = INCONCLUSIVE, (f"{n} images scored under all four metrics detect only rho >= "
                                      f"{detectable_correlation(n, 0.05):.2f} at alpha 0.05 with 80 % power")
    return Outcome(verdict=verdict, value=rho["pointing_game~wsl"], p_value=None,
                   detectable_effect=detectable_correlation(n, 0.05), why=why,
                   details={"rho": rho, "n": n,
                            "paper": {"pointing_game~wsl": 0.82, "localization~causal": "|rho| <= 0.18",
                                      "insertion~deletion": 0.86}})


def f6_no_model_best_everywhere(table: ScoreTable) -> Outcome:
    methods = present(table, ALL_METHODS)
    rows = [r for r in table.models.values()
            if r.clean_accuracy is not None and r.adversarial_accuracy is not None]
    wsl = {r.name: _method_mean(table, r.name, methods, "wsl") for r in rows}
    rows = [r for r in rows if wsl[r.name] is not None]
    if len(rows) < 2:
        raise NotApplicable("needs two models with clean and adversarial accuracy on their cards and WSL scores")
    best = {"clean_accuracy": max(rows, key=lambda r: r.clean_accuracy).name,
            "adversarial_accuracy": max(rows, key=lambda r: r.adversarial_accuracy).name,
            "wsl": max(rows, key=lambda r: wsl[r.name]).name}
    return Outcome(verdict=decided(len(set(best.values())) > 1), value=float(len(set(best.values()))), p_value=None,
                   details={"best": best, "mean_wsl": wsl})


PAPER_CLAIMS: tuple[Claim, ...] = (
    Claim(
        id="F1a",
        statement="Robust models beat their vanilla twins on gradient-based methods under Pointing Game and WSL",
        source=f"{SOURCE}, Sec. 3.1",
        statistic="one-sided Mann-Whitney U over pooled per-image scores, per metric",
        threshold=(
            "p < 0.003 for both Pointing Game and WSL (the paper's threshold); inconclusive when a metric's "
            f"test is not significant but could not have detected a difference of {EFFECT_MARGIN} with 80 % power"
        ),
        methods=GRADIENT,
        metrics=LOCALIZATION,
        trainings=("vanilla", "robust"),
        check=f1_gradient,
    ),
    Claim(
        id="F1b",
        statement="CAM-based methods explain vanilla and robust models equally well under Pointing Game and WSL",
        source=f"{SOURCE}, Sec. 3.1",
        statistic="two-sided Mann-Whitney U over pooled per-image scores, per metric",
        threshold=(
            f"the difference of means is shown to lie within +-{CAM_TINY_EFFECT} (a tiny effect: 5 points of "
            "accuracy) by two one-sided Welch t-tests (TOST) at alpha 0.003, for both metrics; does not hold when the "
            f"paper's criterion fails (p < 0.003 and a difference of at least {CAM_TINY_EFFECT}); otherwise "
            "inconclusive"
        ),
        methods=CAM,
        metrics=LOCALIZATION,
        trainings=("vanilla", "robust"),
        check=f1_cam,
    ),
    Claim(
        id="F2",
        statement="AdvProp models sit between vanilla and robust on localization and beat vanilla under Insertion",
        source=f"{SOURCE}, Sec. 3.2, Fig. 3",
        statistic="ordering of method-averaged means",
        threshold=(
            "vanilla < advprop < robust on Pointing Game and WSL, advprop > vanilla on Insertion, for every "
            "AdvProp model (the paper gives no test)"
        ),
        methods=ALL_METHODS,
        metrics=PAPER_METRICS[:3],
        trainings=("vanilla", "robust", "advprop"),
        check=f2_advprop,
    ),
    Claim(
        id="F3",
        statement="GradCAM and RISE are in the top 3 of 8 methods on every metric; MP is last on average rank",
        source=f"{SOURCE}, Sec. 3.3, Fig. 4, Table A2",
        statistic=(
            "rank of the method's score averaged over vanilla and "
            "robust models"
        ),
        threshold="GradCAM and RISE ranked <= 3 on each of the 4 metrics, MP worst mean rank",
        methods=tuple(m for m in ALL_METHODS if m != "cam"),
        metrics=PAPER_METRICS,
        trainings=("vanilla", "robust"),
        check=f3_best_methods,
    ),
    Claim(
        id="F4a",
        statement="Insertion favours vanilla models and Deletion favours robust models",
        source=f"{SOURCE}, Sec. 3.1, 3.5",
        statistic="one-sided Mann-Whitney U over pooled per-image scores, per metric",
        threshold=(
            "p < 0.002 for both (the paper's threshold); inconclusive when a metric's test is not significant but "
            f"could not have detected a difference of {EFFECT_MARGIN} with 80 % power"
        ),
        methods=ALL_METHODS,
        metrics=CAUSAL,
        trainings=("vanilla", "robust"),
        check=f4_causal_by_training,
    ),
    Claim(
        id="F4b",
        statement="A model's confidence predicts its Deletion score, at model and at image level",
        source=f"{SOURCE}, Sec. 3.5, Fig. 6a",
        statistic="Spearman rho (model means; per image)",
        threshold=(
            f"model-level rho >= {MODEL_RHO} and image-level rho >= {IMAGE_RHO}, each with p < 0.05 (paper: 0.88 "
            "and 0.78 without a test; we keep the direction and ask for a strong correlation, 0.5-0.6 being the "
            "usual lower bound of 'strong', since 10 classes and fewer images cap how confident models get)"
        ),
        methods=ALL_METHODS,
        metrics=("deletion",),
        trainings=("vanilla", "robust"),
        check=f4_confidence,
    ),
    Claim(
        id="F5",
        statement=(
            "Pointing Game and WSL agree, each only weakly correlates with Insertion/Deletion, and Insertion "
            "and Deletion correlate positively (they disagree on which map is better)"
        ),
        source=f"{SOURCE}, Sec. 3.6, Table 6b",
        statistic="Spearman rho over per-image scores of every (model, method)",
        threshold=(
            f"rho(PG, WSL) >= {LOC_RHO}; |rho| <= {CROSS_RHO} between each localization and each causal metric; "
            f"rho(Insertion, Deletion) >= {INS_DEL_RHO} (paper: 0.82, |rho| <= 0.18, 0.86; 0.5 is 'strong' and "
            "0.3 the usual upper bound of 'weak')"
        ),
        methods=ALL_METHODS,
        metrics=PAPER_METRICS,
        trainings=("vanilla", "robust", "advprop"),
        check=f5_metric_correlations,
    ),
    Claim(
        id="F6",
        statement="No single model is best in clean accuracy, adversarial accuracy and explainability (mean WSL)",
        source=f"{SOURCE}, Sec. 3.4, Fig. 5",
        statistic="argmax over models of each criterion",
        threshold="the three criteria have more than one best model",
        methods=ALL_METHODS,
        metrics=("wsl",),
        trainings=("vanilla", "robust", "advprop"),
        check=f6_no_model_best_everywhere,
    ),
)
