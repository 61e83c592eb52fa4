"""Each paper claim on constructed score tables where it must hold and where it must not."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from pytest_xai.claims.base import HOLDS, INCONCLUSIVE, NOT_HOLDS, ModelRow, NotApplicable, ScoreTable
from pytest_xai.claims.paper import ALL_METHODS, PAPER_CLAIMS, PAPER_METRICS
from pytest_xai.claims.attack import b1_discrepancy
from pytest_xai.claims.boundary import w1_concentration, w2_alignment, w3_big_vs_ig
from pytest_xai.claims.synthesis import y1_class_images
from pytest_xai.claims.sanity import holm, s1_randomization

CLAIMS = {c.id: c for c in PAPER_CLAIMS}
N = 120  # images per cell
HIGHER = {"pointing_game": True, "wsl": True, "insertion": True, "deletion": False}
FAMILY = {"a": "vanilla", "a-r": "robust", "b": "vanilla", "b-r": "robust", "a-pgd1": "advprop"}


def stable_seed(*parts: str) -> int:
    return zlib.crc32("|".join(parts).encode())


def binary(rng: np.random.Generator, rate: float) -> list[float]:
    return (rng.random(N) < rate).astype(float).tolist()


def table(score, confidence=lambda model, rng: rng.uniform(0.5, 1.0, N).tolist(), accuracy=None) -> ScoreTable:
    """``score(model, method, metric, rng) -> list`` fills every cell of the family above."""
    rng = np.random.default_rng(0)
    models = {}
    for name, training in FAMILY.items():
        clean, adv = (accuracy or {}).get(name, (None, None))
        models[name] = ModelRow(name=name, arch=name.split("-")[0], training=training,
                                confidence=confidence(name, rng), clean_accuracy=clean, adversarial_accuracy=adv)
    scores = {(m, me, mt): score(m, me, mt, rng) for m in FAMILY for me in ALL_METHODS for mt in PAPER_METRICS}
    return ScoreTable(models=models, scores=scores, higher_is_better=HIGHER)


def same_everywhere(model, method, metric, rng) -> list[float]:
    return binary(rng, 0.5) if metric in ("pointing_game", "wsl") else rng.uniform(0, 1, N).tolist()


def check(claim_id: str, t: ScoreTable) -> bool:
    return CLAIMS[claim_id].check(t).passed


def localization_table(vanilla: float, robust: float, n: int, methods: tuple[str, ...]) -> ScoreTable:
    """One (vanilla, robust) pair whose ``methods`` hit the box at exactly these rates on ``n``
    images each, under both localization metrics (hits spread evenly, so the rates are exact)."""
    def hits(rate: float, shift: int) -> list[float]:
        return [float((i * 7919 + shift) % n < round(rate * n)) for i in range(n)]

    models = {name: ModelRow(name=name, arch="a", training=training, confidence=[0.9] * n)
              for name, training in (("a", "vanilla"), ("a-r", "robust"))}
    scores = {(model, method, metric): hits(rate, k)
              for model, rate in (("a", vanilla), ("a-r", robust))
              for k, method in enumerate(methods) for metric in ("pointing_game", "wsl")}
    return ScoreTable(models=models, scores=scores, higher_is_better=HIGHER)


GRADIENT_METHODS = ("gradient", "integrated_gradients", "shap")


def test_f1a_holds_when_robust_gradients_localize_better() -> None:
    outcome = CLAIMS["F1a"].check(localization_table(0.6, 0.75, 300, GRADIENT_METHODS))
    assert outcome.verdict == HOLDS and outcome.p_value < 0.003
    assert outcome.details["wsl"]["robust_mean"] == pytest.approx(0.75, abs=0.01)


def test_f1a_without_a_difference_is_inconclusive_on_few_images_and_fails_on_many() -> None:
    few = CLAIMS["F1a"].check(localization_table(0.7, 0.7, 16, GRADIENT_METHODS))
    assert few.verdict == INCONCLUSIVE and few.detectable_effect > 0.05
    assert "16 robust" not in few.why and "48 robust scores" in few.why and "80 % power" in few.why
    many = CLAIMS["F1a"].check(localization_table(0.7, 0.7, 1000, GRADIENT_METHODS))
    assert many.verdict == NOT_HOLDS and many.detectable_effect <= 0.05


def test_f1a_reversed_fails_even_on_few_images() -> None:
    outcome = CLAIMS["F1a"].check(localization_table(0.9, 0.3, 16, GRADIENT_METHODS))
    assert outcome.detectable_effect > 0.05 and outcome.verdict == NOT_HOLDS


def test_f1b_holds_only_when_equivalence_is_shown() -> None:
    cam = ("gradcam", "cam")
    assert CLAIMS["F1b"].check(localization_table(0.7, 0.7, 1200, cam)).verdict == HOLDS
    # The same zero difference on 16 images: the paper's "no significant difference" is met,
    # but nothing shows the difference is small.
    few = CLAIMS["F1b"].check(localization_table(0.7, 0.7, 16, cam))
    assert few.verdict == INCONCLUSIVE and few.details["pointing_game"]["p"] >= 0.003
    assert "TOST" in few.why
    # A 4-point difference lies inside the margin but is not shown to on 300 images.
    assert CLAIMS["F1b"].check(localization_table(0.70, 0.74, 300, cam)).verdict == INCONCLUSIVE
    assert CLAIMS["F1b"].check(localization_table(0.9, 0.3, 120, cam)).verdict == NOT_HOLDS


def test_f2_advprop_sits_in_between() -> None:
    level = {"a": 0.3, "a-pgd1": 0.5, "a-r": 0.7, "b": 0.3, "b-r": 0.7}

    def ordered(model, method, metric, rng):
        if metric == "insertion":
            return rng.uniform(0, 0.2 if model == "a" else 0.6, N).tolist()
        return binary(rng, level[model])

    def advprop_worst(model, method, metric, rng):
        return binary(rng, 0.1 if model == "a-pgd1" else level[model])

    assert check("F2", table(ordered))
    assert not check("F2", table(advprop_worst))


def test_f3_gradcam_and_rise_on_top_mp_last() -> None:
    quality = {"gradcam": 0.9, "rise": 0.85, "ep": 0.8, "gradient": 0.6, "lime": 0.5, "integrated_gradients": 0.45,
               "shap": 0.4, "mp": 0.1, "cam": 0.9}

    def by_quality(model, method, metric, rng, q=quality):
        value = q[method] if HIGHER[metric] else 1 - q[method]
        return np.clip(rng.normal(value, 0.05, N), 0, 1).tolist()

    assert check("F3", table(by_quality))
    upside_down = {m: 1 - q for m, q in quality.items()}
    assert not check("F3", table(lambda *a: by_quality(*a, q=upside_down)))


def test_f4a_insertion_favours_vanilla_deletion_favours_robust() -> None:
    def confidence_driven(model, method, metric, rng):
        if metric in ("insertion", "deletion"):
            return rng.uniform(0.0, 0.4 if model.endswith("-r") else 0.8, N).tolist()
        return same_everywhere(model, method, metric, rng)

    assert check("F4a", table(confidence_driven))
    assert not check("F4a", table(same_everywhere))


def test_f4b_confidence_predicts_deletion() -> None:
    level = {"a": 0.9, "a-r": 0.5, "b": 0.8, "b-r": 0.4, "a-pgd1": 0.85}

    def conf(model: str) -> np.ndarray:
        return np.clip(np.random.default_rng(stable_seed(model)).normal(level[model], 0.1, N), 0.01, 1)

    def deletion(model, method, metric, rng, sign=1.0):
        return np.clip(0.5 + sign * (conf(model) - 0.5) * 0.8 + rng.normal(0, 0.02, N), 0, 1).tolist()

    def confidence(model, rng):
        return conf(model).tolist()

    assert check("F4b", table(deletion, confidence=confidence))
    assert not check("F4b", table(lambda *a: deletion(*a, sign=-1.0), confidence=confidence))
    assert not check("F4b", table(same_everywhere, confidence=confidence))


def test_f5_metric_correlations() -> None:
    def as_paper(model, method, metric, rng):
        # Per image: one latent localization quality and one latent confidence, independent.
        loc, conf = np.random.default_rng(stable_seed(model, method)).random((2, N))
        noise = rng.normal(0, 0.05, N)
        return {"pointing_game": (loc + noise > 0.5).astype(float), "wsl": (loc - noise > 0.55).astype(float),
                "insertion": np.clip(conf + noise, 0, 1), "deletion": np.clip(conf * 0.6 - noise, 0, 1)}[metric].tolist()

    assert check("F5", table(as_paper))
    assert not check("F5", table(same_everywhere))


def test_f6_no_model_best_everywhere() -> None:
    def wsl(model, method, metric, rng):
        return binary(rng, {"a": 0.3, "a-r": 0.8, "b": 0.4, "b-r": 0.6, "a-pgd1": 0.5}[model])

    trade_off = {"a": (0.9, 0.1), "a-r": (0.7, 0.6), "b": (0.85, 0.1), "b-r": (0.7, 0.5), "a-pgd1": (0.92, 0.4)}
    assert check("F6", table(wsl, accuracy=trade_off))
    one_winner = {**trade_off, "a-r": (0.95, 0.9)}
    assert not check("F6", table(wsl, accuracy=one_winner))
    with pytest.raises(NotApplicable, match="clean and adversarial accuracy"):
        CLAIMS["F6"].check(table(wsl))


@pytest.mark.parametrize("claim_id", [c.id for c in PAPER_CLAIMS])
def test_claims_need_the_right_models(claim_id: str) -> None:
    empty = ScoreTable(models={}, scores={}, higher_is_better=HIGHER)
    with pytest.raises(NotApplicable):
        CLAIMS[claim_id].check(empty)


def test_every_claim_states_source_statistic_and_threshold() -> None:
    for claim in PAPER_CLAIMS:
        assert claim.source.startswith("Nourelahi et al. 2022, Sec.")
        assert claim.statistic and claim.threshold and claim.statement


def test_merging_the_committed_baseline_keeps_its_claims_and_their_known_failures() -> None:
    """`pytest-xai merge` re-evaluates the claims from the cells and takes the benchmark's
    known failures, so the committed mini baseline merged alone gives back its claims."""
    import json
    from pathlib import Path

    from pytest_xai.benchmarks.mini.benchmark import KNOWN_FAILURES
    from pytest_xai.report.merge import merge_reports
    from pytest_xai.session import base_registry

    baseline = json.loads((Path(__file__).parents[1] / "reports" / "baseline-mini.json").read_text())
    merged = merge_reports([baseline], base_registry())
    assert merged["claims"] == baseline["claims"], "stale: rewrite reports/baseline-mini.json (reports/README.md)"
    assert {c["id"]: c["known_failure"] for c in merged["claims"]} == {
        c: KNOWN_FAILURES.get(c) for c in baseline["config"]["claims"]}


# ---------------------------------------------------------------- S1: model randomization (Adebayo et al.)

def randomization_table(rho: dict[str, float], n: int = 60) -> ScoreTable:
    """Per method, per-image rank correlations spread +-0.1 around ``rho[method]`` on two models."""
    rng = np.random.default_rng(1)
    models = {name: ModelRow(name=name, arch="a", training=training, confidence=[])
              for name, training in (("a", "vanilla"), ("a-r", "robust"))}
    scores = {(model, method, "randomization"): (center + rng.uniform(-0.1, 0.1, n)).tolist()
              for model in models for method, center in rho.items()}
    return ScoreTable(models=models, scores=scores, higher_is_better={"randomization": False})


def test_s1_holds_when_every_method_forgets_the_trained_weights() -> None:
    outcome = s1_randomization(randomization_table({"gradient": 0.1, "gradcam": 0.0, "integrated_gradients": 0.35}))
    assert outcome.verdict == HOLDS and outcome.value == pytest.approx(0.35, abs=0.03)
    assert outcome.details["worst"].endswith("/ integrated_gradients")


def test_s1_does_not_hold_when_one_method_ignores_the_model() -> None:
    outcome = s1_randomization(randomization_table({"gradient": 0.1, "edges": 0.95}))
    assert outcome.verdict == NOT_HOLDS and outcome.details["failing"] == ["a / edges", "a-r / edges"]
    assert "a / edges" in outcome.why and outcome.p_value < 0.01


def test_s1_is_inconclusive_near_its_level_or_on_few_images() -> None:
    assert s1_randomization(randomization_table({"gradient": 0.5})).verdict == INCONCLUSIVE
    few = s1_randomization(randomization_table({"gradient": 0.3}, n=4))
    assert few.verdict == INCONCLUSIVE and "a / gradient" in few.why


def test_s1_corrects_for_many_methods_at_its_level() -> None:
    """Eighteen (model, method) cells whose scores sit around the level: each would pass a
    one-sided test above it now and then; Holm's correction keeps the claim from failing."""
    rng = np.random.default_rng(3)
    failures = 0
    for _ in range(40):
        models = {name: ModelRow(name=name, arch="a", training="vanilla", confidence=[]) for name in ("a", "b")}
        scores = {(m, f"method{i}", "randomization"): (0.5 + rng.normal(0, 0.1, 30)).tolist()
                  for m in models for i in range(9)}
        outcome = s1_randomization(ScoreTable(models=models, scores=scores, higher_is_better={"randomization": False}))
        failures += outcome.verdict == NOT_HOLDS
    assert failures <= 2


def test_holm_adjusts_step_down() -> None:
    assert holm({"a": 0.01, "b": 0.04, "c": 0.03}) == pytest.approx({"a": 0.03, "b": 0.06, "c": 0.06})


def test_s1_needs_the_randomization_metric() -> None:
    with pytest.raises(NotApplicable, match="--xai-metrics=randomization"):
        s1_randomization(ScoreTable(models={}, scores={}, higher_is_better={}))


# ---------------------------------------------------------------- W1: concentration (Wang et al.)

def concentration_table(vanilla: float, robust: float, n: int = 200) -> ScoreTable:
    """Gini indices around the given means for two (vanilla, robust) pairs and the three gradient methods."""
    rng = np.random.default_rng(2)
    models = {name: ModelRow(name=name, arch=name.split("-")[0], training=training, confidence=[])
              for name, training in (("a", "vanilla"), ("a-r", "robust"), ("b", "vanilla"), ("b-r", "robust"))}
    scores = {(m, method, "concentration"): np.clip(rng.normal(robust if row.training == "robust" else vanilla,
                                                               0.1, n), 0, 1).tolist()
              for m, row in models.items() for method in ("gradient", "integrated_gradients", "shap")}
    return ScoreTable(models=models, scores=scores, higher_is_better={"concentration": True})


def test_w1_holds_when_robust_maps_are_more_concentrated() -> None:
    outcome = w1_concentration(concentration_table(0.40, 0.55))
    assert outcome.verdict == HOLDS and outcome.value == pytest.approx(0.15, abs=0.02)


def test_w1_does_not_hold_when_vanilla_maps_are_as_concentrated_or_more() -> None:
    assert w1_concentration(concentration_table(0.50, 0.50)).verdict == NOT_HOLDS
    assert w1_concentration(concentration_table(0.60, 0.45)).verdict == NOT_HOLDS


def test_w1_is_inconclusive_on_few_images() -> None:
    assert w1_concentration(concentration_table(0.50, 0.52, n=3)).verdict == INCONCLUSIVE


# ---------------------------------------------------------------- W2: boundary alignment (Wang et al.)

def alignment_table(vanilla: float, robust: float, n: int = 200) -> ScoreTable:
    """Cosines around the given means for two pairs, on Gradient's cells and (the same scores,
    as the metric ignores the method) GradCAM's."""
    rng = np.random.default_rng(5)
    models = {name: ModelRow(name=name, arch=name.split("-")[0], training=training, confidence=[])
              for name, training in (("a", "vanilla"), ("a-r", "robust"), ("b", "vanilla"), ("b-r", "robust"))}
    scores = {}
    for m, row in models.items():
        cosines = np.clip(rng.normal(robust if row.training == "robust" else vanilla, 0.1, n), -1, 1).tolist()
        scores[m, "gradient", "boundary_alignment"] = scores[m, "gradcam", "boundary_alignment"] = cosines
    return ScoreTable(models=models, scores=scores, higher_is_better={"boundary_alignment": True})


def test_w2_compares_one_methods_cells_of_the_twins() -> None:
    outcome = w2_alignment(alignment_table(0.5, 0.7))
    assert outcome.verdict == HOLDS and outcome.details["boundary_alignment"]["n_robust"] == 400   # not 800
    assert w2_alignment(alignment_table(0.6, 0.6)).verdict == NOT_HOLDS
    assert w2_alignment(alignment_table(0.6, 0.62, n=3)).verdict == INCONCLUSIVE


# ---------------------------------------------------------------- Y1: class images (Boychev)

def class_image_table(vanilla: float, robust: float, n: int = 200, judges: int = 8) -> ScoreTable:
    """Per-image shares of ``judges`` judges around the given means for two pairs, on Gradient's
    cells and (the same scores: the metric ignores the method) GradCAM's."""
    rng = np.random.default_rng(7)
    models = {name: ModelRow(name=name, arch=name.split("-")[0], training=training, confidence=[])
              for name, training in (("a", "vanilla"), ("a-r", "robust"), ("b", "vanilla"), ("b-r", "robust"))}
    scores = {}
    for m, row in models.items():
        shares = (rng.binomial(judges, robust if row.training == "robust" else vanilla, n) / judges).tolist()
        scores[m, "gradient", "class_image_accuracy"] = scores[m, "gradcam", "class_image_accuracy"] = shares
    return ScoreTable(models=models, scores=scores, higher_is_better={"class_image_accuracy": True})


def test_y1_compares_one_methods_cells_of_the_twins() -> None:
    outcome = y1_class_images(class_image_table(0.2, 0.6))
    assert outcome.verdict == HOLDS and outcome.details["class_image_accuracy"]["n_robust"] == 400   # not 800
    assert outcome.value == pytest.approx(0.4, abs=0.03)
    assert y1_class_images(class_image_table(0.4, 0.4)).verdict == NOT_HOLDS
    assert y1_class_images(class_image_table(0.6, 0.2)).verdict == NOT_HOLDS
    assert y1_class_images(class_image_table(0.3, 0.35, n=3)).verdict == INCONCLUSIVE


# ---------------------------------------------------------------- W3: BIG vs IG on vanilla models (Wang et al.)

def big_ig_table(gini_gain: float, hits: tuple[float, float], n: int = 300) -> ScoreTable:
    """Two vanilla models (and a robust one, which W3 leaves out): IG's Gini indices around
    0.5 and BIG's ``gini_gain`` higher, image by image; Pointing Game and WSL hits at the
    rates ``hits`` = (IG's, BIG's)."""
    rng = np.random.default_rng(4)
    models = {name: ModelRow(name=name, arch=name.split("-")[0], training=training, confidence=[])
              for name, training in (("a", "vanilla"), ("b", "vanilla"), ("a-r", "robust"))}
    scores = {}
    for m in models:
        ig = np.clip(rng.normal(0.5, 0.1, n), 0, 1)
        scores[m, "integrated_gradients", "concentration"] = ig.tolist()
        scores[m, "big", "concentration"] = np.clip(ig + gini_gain + rng.normal(0, 0.05, n), 0, 1).tolist()
        for metric in ("pointing_game", "wsl"):
            for method, rate in zip(("integrated_gradients", "big"), hits):
                scores[m, method, metric] = (rng.random(n) < rate).astype(float).tolist()
    return ScoreTable(models=models, scores=scores,
                      higher_is_better={"concentration": True, "pointing_game": True, "wsl": True})


def test_w3_holds_when_big_is_sharper_and_localizes_as_well() -> None:
    outcome = w3_big_vs_ig(big_ig_table(0.2, (0.8, 0.8)))
    assert outcome.verdict == HOLDS and outcome.value == pytest.approx(0.2, abs=0.01)
    assert outcome.details["concentration"]["n"] == 600          # the vanilla models' images only


def test_w3_does_not_hold_when_big_localizes_worse_or_is_not_sharper() -> None:
    assert w3_big_vs_ig(big_ig_table(0.2, (0.8, 0.6))).verdict == NOT_HOLDS
    assert w3_big_vs_ig(big_ig_table(0.0, (0.8, 0.8))).verdict == NOT_HOLDS


def test_w3_bounds_the_mean_localization_difference_not_the_median() -> None:
    """Hit-or-miss differences of -1, 0, 1 have median 0 however many misses BIG adds: a
    rank test would call a 15-point loss non-inferior."""
    rows = {"a": ModelRow(name="a", arch="a", training="vanilla", confidence=[])}
    ig = [1.0] * 200
    big = [1.0] * 170 + [0.0] * 30
    gini = np.linspace(0.3, 0.6, 200)
    scores = {("a", "integrated_gradients", "concentration"): gini.tolist(),
              ("a", "big", "concentration"): (gini + 0.2).tolist()}
    for metric in ("pointing_game", "wsl"):
        scores["a", "integrated_gradients", metric], scores["a", "big", metric] = ig, big
    outcome = w3_big_vs_ig(ScoreTable(models=rows, scores=scores, higher_is_better={}))
    assert outcome.verdict == NOT_HOLDS and outcome.details["pointing_game"]["mean_difference"] == -0.15


def test_w3_does_not_hold_on_a_few_identical_hits() -> None:
    """Six images per model where both methods always hit: no spread, but far too few images to
    bound the mean difference at 0.05."""
    rows = {m: ModelRow(name=m, arch=m, training="vanilla", confidence=[]) for m in ("a", "b")}
    scores = {}
    for m in rows:
        scores[m, "integrated_gradients", "concentration"] = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55]
        scores[m, "big", "concentration"] = [0.6, 0.65, 0.7, 0.75, 0.8, 0.85]
        for metric in ("pointing_game", "wsl"):
            scores[m, "integrated_gradients", metric] = scores[m, "big", metric] = [1.0] * 6
    outcome = w3_big_vs_ig(ScoreTable(models=rows, scores=scores, higher_is_better={}))
    assert outcome.verdict == INCONCLUSIVE and outcome.details["pointing_game"]["p"] > 0.003


def test_w3_is_inconclusive_on_few_images_and_needs_its_methods() -> None:
    assert w3_big_vs_ig(big_ig_table(0.02, (0.8, 0.8), n=4)).verdict == INCONCLUSIVE
    table = big_ig_table(0.2, (0.8, 0.8))
    without_big = ScoreTable(models=table.models, higher_is_better=table.higher_is_better,
                             scores={k: v for k, v in table.scores.items() if k[1] != "big"})
    with pytest.raises(NotApplicable, match="needs the methods big and integrated_gradients"):
        w3_big_vs_ig(without_big)


# ---------------------------------------------------------------- B1: discrepancy under attack (Boopathy et al.)

def attack_table(vanilla: float, robust: float, n: int = 200) -> ScoreTable:
    """Per-image l1 discrepancies around the given means and top-k intersections around 1 - mean / 2,
    for two (vanilla, robust) pairs under Gradient and GradCAM."""
    rng = np.random.default_rng(3)
    models = {name: ModelRow(name=name, arch=name.split("-")[0], training=training, confidence=[])
              for name, training in (("a", "vanilla"), ("a-r", "robust"), ("b", "vanilla"), ("b-r", "robust"))}
    scores = {}
    for m, row in models.items():
        for method in ("gradient", "gradcam"):
            l1 = np.clip(rng.normal(robust if row.training == "robust" else vanilla, 0.2, n), 0, 2)
            scores[m, method, "discrepancy_l1"] = l1.tolist()
            scores[m, method, "discrepancy_topk"] = np.clip(1 - l1 / 2 + rng.normal(0, 0.05, n), 0, 1).tolist()
    return ScoreTable(models=models, scores=scores,
                      higher_is_better={"discrepancy_l1": False, "discrepancy_topk": True})


def test_b1_holds_when_robust_maps_change_less_under_attack() -> None:
    outcome = b1_discrepancy(attack_table(0.9, 0.5))
    assert outcome.verdict == HOLDS
    assert set(outcome.details) == {"methods", "weakest", "gradient discrepancy_l1", "gradient discrepancy_topk",
                                    "gradcam discrepancy_l1", "gradcam discrepancy_topk"}
    assert outcome.details["gradient discrepancy_l1"]["effect"] == pytest.approx(-0.4, abs=0.03)


def test_b1_does_not_hold_when_robust_maps_change_as_much_or_more() -> None:
    assert b1_discrepancy(attack_table(0.7, 0.7)).verdict == NOT_HOLDS
    assert b1_discrepancy(attack_table(0.5, 0.9)).verdict == NOT_HOLDS


def test_b1_is_inconclusive_on_few_images() -> None:
    assert b1_discrepancy(attack_table(0.70, 0.65, n=3)).verdict == INCONCLUSIVE


def test_b1_needs_its_methods() -> None:
    table = attack_table(0.9, 0.5)
    only_ig = ScoreTable(models=table.models, higher_is_better=table.higher_is_better,
                         scores={(m, "integrated_gradients", k): v for (m, _, k), v in table.scores.items()})
    with pytest.raises(NotApplicable, match="gradient, gradcam"):
        b1_discrepancy(only_ig)
