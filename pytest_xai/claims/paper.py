"""The findings of Nourelahi et al. 2022 ("How explainable are adversarially-robust
CNNs?") as claims. Statistics from scipy.stats; thresholds are the paper's where it
gives one, otherwise the tolerance is stated (with its reason) in the claim."""

from __future__ import annotations

from statistics import fmean
from typing import Any

from pytest_xai.claims.base import Claim, NotApplicable, Outcome, ScoreTable

GRADIENT = ("gradient", "integrated_gradients", "shap")
CAM = ("gradcam", "cam")
PERTURBATION = ("rise", "lime", "mp", "ep")
ALL_METHODS = GRADIENT + CAM + PERTURBATION
LOCALIZATION = ("pointing_game", "wsl")
CAUSAL = ("insertion", "deletion")
ALL_METRICS = LOCALIZATION + CAUSAL
SOURCE = "Nourelahi et al. 2022"


def _mannwhitney(better: list[float], worse: list[float], alternative: str = "greater") -> tuple[float, float]:
    from scipy.stats import mannwhitneyu

    if not better or not worse:
        raise NotApplicable("no scores to compare")
    result = mannwhitneyu(better, worse, alternative=alternative)
    return float(result.statistic), float(result.pvalue)


def _spearman(x: list[float], y: list[float]) -> tuple[float, float]:
    from scipy.stats import spearmanr

    if len(x) < 3:
        raise NotApplicable(f"a correlation needs at least 3 points, got {len(x)}")
    if len(set(x)) < 2 or len(set(y)) < 2:
        raise NotApplicable("a correlation over constant scores is undefined")
    result = spearmanr(x, y)
    return float(result.statistic), float(result.pvalue)


def _pairs(table: ScoreTable) -> list[tuple[str, str]]:
    pairs = table.pairs()
    if not pairs:
        raise NotApplicable("needs at least one (vanilla, robust) pair of models of one architecture")
    return pairs


def _present(table: ScoreTable, methods: tuple[str, ...]) -> list[str]:
    present = [m for m in methods if m in table.methods()]
    if not present:
        raise NotApplicable(f"needs one of the methods {', '.join(methods)}")
    return present


def _robust_vs_vanilla(table: ScoreTable, methods: list[str], metric: str, alternative: str) -> dict[str, Any]:
    """Mann-Whitney U of the robust models' pooled scores against their vanilla twins'."""
    pairs = _pairs(table)
    vanilla = table.pooled([v for v, _ in pairs], methods, metric)
    robust = table.pooled([r for _, r in pairs], methods, metric)
    u, p = _mannwhitney(robust, vanilla, alternative)
    return {"vanilla_mean": fmean(vanilla), "robust_mean": fmean(robust),
            "effect": fmean(robust) - fmean(vanilla), "n_vanilla": len(vanilla), "n_robust": len(robust),
            "U": u, "p": p}


def f1_gradient(table: ScoreTable) -> Outcome:
    methods = _present(table, GRADIENT)
    parts = {metric: _robust_vs_vanilla(table, methods, metric, "greater") for metric in LOCALIZATION}
    return Outcome(passed=all(p["p"] < 0.003 for p in parts.values()),
                   value=min(p["effect"] for p in parts.values()),
                   p_value=max(p["p"] for p in parts.values()), details={"methods": methods, **parts})


CAM_TINY_EFFECT = 0.05


def f1_cam(table: ScoreTable) -> Outcome:
    methods = _present(table, CAM)
    parts = {metric: _robust_vs_vanilla(table, methods, metric, "two-sided") for metric in LOCALIZATION}
    return Outcome(passed=all(p["p"] >= 0.003 or abs(p["effect"]) < CAM_TINY_EFFECT for p in parts.values()),
                   value=max(abs(p["effect"]) for p in parts.values()),
                   p_value=min(p["p"] for p in parts.values()), details={"methods": methods, **parts})


def _method_mean(table: ScoreTable, model: str, methods: list[str], metric: str) -> float | None:
    means = [m for m in (table.mean(model, method, metric) for method in methods) if m is not None]
    return fmean(means) if means else None


def f2_advprop(table: ScoreTable) -> Outcome:
    methods = _present(table, ALL_METHODS)
    advprop = [r for r in table.models.values() if r.training == "advprop"]
    pairs = {table.models[v].arch: (v, r) for v, r in table.pairs()}
    checks = []
    for row in advprop:
        if row.arch not in pairs:
            continue
        vanilla, robust = pairs[row.arch]
        for metric in ALL_METRICS[:3]:  # PG, WSL: in between; Insertion: above vanilla
            v, a, r = (_method_mean(table, m, methods, metric) for m in (vanilla, row.name, robust))
            if None in (v, a, r):
                continue
            holds = v < a < r if metric in LOCALIZATION else a > v
            checks.append({"model": row.name, "metric": metric, "vanilla": v, "advprop": a, "robust": r,
                           "holds": holds})
    if not checks:
        raise NotApplicable("needs an advprop model whose architecture has a (vanilla, robust) pair")
    held = sum(c["holds"] for c in checks)
    return Outcome(passed=held == len(checks), value=held / len(checks), p_value=None,
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
    methods = [m for m in _present(table, ALL_METHODS) if m != "cam"]
    needed = {"gradcam", "rise", "mp"}
    if not needed <= set(methods):
        raise NotApplicable(f"needs the methods {', '.join(sorted(needed))}")
    models = [r.name for r in table.models.values() if r.training in ("vanilla", "robust")]
    if not models:
        raise NotApplicable("needs vanilla or robust models")
    ranks = {metric: _method_ranks(table, models, methods, metric) for metric in ALL_METRICS
             if table.higher_is_better.get(metric) is not None}
    mean_rank = {m: fmean(r[m] for r in ranks.values() if m in r) for m in methods}
    worst_top = max(r[m] for r in ranks.values() for m in ("gradcam", "rise"))
    mp_last = mean_rank["mp"] == max(mean_rank.values())
    return Outcome(passed=worst_top <= 3 and mp_last, value=worst_top, p_value=None,
                   details={"ranks": ranks, "mean_rank": mean_rank, "mp_last": mp_last, "models": models})


def f4_causal_by_training(table: ScoreTable) -> Outcome:
    methods = _present(table, ALL_METHODS)
    # Insertion (higher is better) favours vanilla and Deletion (lower is better) favours
    # robust: under both, robust models score lower than their vanilla twins.
    parts = {metric: _robust_vs_vanilla(table, methods, metric, "less") for metric in CAUSAL}
    return Outcome(passed=all(p["p"] < 0.002 for p in parts.values()), value=None,
                   p_value=max(p["p"] for p in parts.values()), details={"methods": methods, **parts})


MODEL_RHO, IMAGE_RHO = 0.6, 0.5


def f4_confidence(table: ScoreTable) -> Outcome:
    methods = _present(table, ALL_METHODS)
    models = [r for r in table.models.values() if r.training in ("vanilla", "robust")]
    conf, deletion, img_conf, img_del = [], [], [], []
    for row in models:
        model_del = [table.get(row.name, m, "deletion") for m in methods]
        model_del = [d for d in model_del if d]
        if not model_del or not row.confidence:
            continue
        conf.append(fmean(row.confidence))
        deletion.append(fmean(fmean(d) for d in model_del))
        for d in model_del:
            img_conf += row.confidence[:len(d)]
            img_del += d
    rho_model, p_model = _spearman(conf, deletion)
    rho_image, p_image = _spearman(img_conf, img_del)
    passed = rho_model >= MODEL_RHO and p_model < 0.05 and rho_image >= IMAGE_RHO and p_image < 0.05
    return Outcome(passed=passed, value=rho_model, p_value=p_model,
                   details={"model_level": {"rho": rho_model, "p": p_model, "n": len(conf), "paper": 0.88},
                            "image_level": {"rho": rho_image, "p": p_image, "n": len(img_conf), "paper": 0.78}})


LOC_RHO, CROSS_RHO, INS_DEL_RHO = 0.5, 0.3, 0.5


def f5_metric_correlations(table: ScoreTable) -> Outcome:
    keys = sorted({(model, method) for model, method, _ in table.scores})
    columns: dict[str, list[float]] = {m: [] for m in ALL_METRICS}
    for model, method in keys:
        rows = [table.get(model, method, metric) for metric in ALL_METRICS]
        if all(rows) and len({len(r) for r in rows}) == 1:
            for metric, values in zip(ALL_METRICS, rows):
                columns[metric] += values
    rho = {f"{a}~{b}": _spearman(columns[a], columns[b])[0]
           for i, a in enumerate(ALL_METRICS) for b in ALL_METRICS[i + 1:]}
    cross = [rho[f"{a}~{b}"] for a in LOCALIZATION for b in CAUSAL]
    passed = (rho["pointing_game~wsl"] >= LOC_RHO and max(abs(c) for c in cross) <= CROSS_RHO
              and rho["insertion~deletion"] >= INS_DEL_RHO)
    return Outcome(passed=passed, value=rho["pointing_game~wsl"], p_value=None,
                   details={"rho": rho, "n": len(columns["wsl"]),
                            "paper": {"pointing_game~wsl": 0.82, "localization~causal": "|rho| <= 0.18",
                                      "insertion~deletion": 0.86}})


def f6_no_model_best_everywhere(table: ScoreTable) -> Outcome:
    methods = _present(table, ALL_METHODS)
    rows = [r for r in table.models.values()
            if r.clean_accuracy is not None and r.adversarial_accuracy is not None]
    wsl = {r.name: _method_mean(table, r.name, methods, "wsl") for r in rows}
    rows = [r for r in rows if wsl[r.name] is not None]
    if len(rows) < 2:
        raise NotApplicable("needs two models with clean and adversarial accuracy on their cards and WSL scores")
    best = {"clean_accuracy": max(rows, key=lambda r: r.clean_accuracy).name,
            "adversarial_accuracy": max(rows, key=lambda r: r.adversarial_accuracy).name,
            "wsl": max(rows, key=lambda r: wsl[r.name]).name}
    return Outcome(passed=len(set(best.values())) > 1, value=float(len(set(best.values()))), p_value=None,
                   details={"best": best, "mean_wsl": wsl})


PAPER_CLAIMS: tuple[Claim, ...] = (
    Claim("F1a", "Robust models beat their vanilla twins on gradient-based methods under Pointing Game and WSL",
          f"{SOURCE}, Sec. 3.1", "one-sided Mann-Whitney U over pooled per-image scores, per metric",
          "p < 0.003 for both Pointing Game and WSL (the paper's threshold)",
          GRADIENT, LOCALIZATION, ("vanilla", "robust"), f1_gradient),
    Claim("F1b", "CAM-based methods explain vanilla and robust models equally well under Pointing Game and WSL",
          f"{SOURCE}, Sec. 3.1", "two-sided Mann-Whitney U over pooled per-image scores, per metric",
          f"p >= 0.003, or a difference of means below {CAM_TINY_EFFECT} (a tiny effect: 5 points of accuracy), "
          "for both metrics", CAM, LOCALIZATION, ("vanilla", "robust"), f1_cam),
    Claim("F2", "AdvProp models sit between vanilla and robust on localization and beat vanilla under Insertion",
          f"{SOURCE}, Sec. 3.2, Fig. 3", "ordering of method-averaged means",
          "vanilla < advprop < robust on Pointing Game and WSL, advprop > vanilla on Insertion, for every "
          "AdvProp model (the paper gives no test)", ALL_METHODS, ALL_METRICS[:3], ("vanilla", "robust", "advprop"),
          f2_advprop),
    Claim("F3", "GradCAM and RISE are in the top 3 of 8 methods on every metric; MP is last on average rank",
          f"{SOURCE}, Sec. 3.3, Fig. 4, Table A2", "rank of the method's score averaged over vanilla and "
          "robust models", "GradCAM and RISE ranked <= 3 on each of the 4 metrics, MP worst mean rank",
          tuple(m for m in ALL_METHODS if m != "cam"), ALL_METRICS, ("vanilla", "robust"), f3_best_methods),
    Claim("F4a", "Insertion favours vanilla models and Deletion favours robust models",
          f"{SOURCE}, Sec. 3.1, 3.5", "one-sided Mann-Whitney U over pooled per-image scores, per metric",
          "p < 0.002 for both (the paper's threshold)", ALL_METHODS, CAUSAL, ("vanilla", "robust"),
          f4_causal_by_training),
    Claim("F4b", "A model's confidence predicts its Deletion score, at model and at image level",
          f"{SOURCE}, Sec. 3.5, Fig. 6a", "Spearman rho (model means; per image)",
          f"model-level rho >= {MODEL_RHO} and image-level rho >= {IMAGE_RHO}, each with p < 0.05 (paper: 0.88 "
          "and 0.78 without a test; we keep the direction and ask for a strong correlation, 0.5-0.6 being the "
          "usual lower bound of 'strong', since 10 classes and fewer images cap how confident models get)",
          ALL_METHODS, ("deletion",), ("vanilla", "robust"), f4_confidence),
    Claim("F5", "Pointing Game and WSL agree, each only weakly correlates with Insertion/Deletion, and Insertion "
          "and Deletion correlate positively (they disagree on which map is better)",
          f"{SOURCE}, Sec. 3.6, Table 6b", "Spearman rho over per-image scores of every (model, method)",
          f"rho(PG, WSL) >= {LOC_RHO}; |rho| <= {CROSS_RHO} between each localization and each causal metric; "
          f"rho(Insertion, Deletion) >= {INS_DEL_RHO} (paper: 0.82, |rho| <= 0.18, 0.86; 0.5 is 'strong' and "
          "0.3 the usual upper bound of 'weak')", ALL_METHODS, ALL_METRICS, ("vanilla", "robust", "advprop"),
          f5_metric_correlations),
    Claim("F6", "No single model is best in clean accuracy, adversarial accuracy and explainability (mean WSL)",
          f"{SOURCE}, Sec. 3.4, Fig. 5", "argmax over models of each criterion",
          "the three criteria have more than one best model", ALL_METHODS, ("wsl",),
          ("vanilla", "robust", "advprop"), f6_no_model_best_everywhere),
)
