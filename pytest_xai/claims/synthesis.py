"""Claims of Boychev 2023, "Interpretable computer vision models through adversarial
training: unveiling the robustness-interpretability connection" (images a model draws)."""

from __future__ import annotations

from pytest_xai.claims.base import Claim, Outcome, ScoreTable
from pytest_xai.claims.twins import EFFECT_MARGIN, robust_higher
from pytest_xai.metrics.synthesis import ClassImageAccuracy

SOURCE = "Boychev 2023"
CLASS_IMAGES = ClassImageAccuracy.name
Y1_ALPHA = 0.003        # F1a's: the same kind of pooled comparison of twins
Y1_METHODS = ("gradient",)   # the metric ignores the method: one method's cells carry it


def y1_class_images(table: ScoreTable) -> Outcome:
    """Robust twins' class-image accuracy against their vanilla twins' (pooled per image). The
    metric ignores the method, so the cells of one method, Gradient, carry every model's
    scores; pooling several methods would count each class image again."""
    return robust_higher(table, Y1_METHODS, CLASS_IMAGES, Y1_ALPHA)


SYNTHESIS_CLAIMS: tuple[Claim, ...] = (
    Claim(
        id="Y1",
        statement="The class images robust models draw from noise are recognised as the intended class by models "
                  "of other architectures more often than those of their vanilla twins",
        source=(f"{SOURCE}, abstract and findings: robust models \"learn features closer to real, "
                "human-understandable ones\", shown by class specific image generation (the judges, the share "
                "they recognise and the pooled twin test are this project's measure of it)"),
        statistic="one-sided Mann-Whitney U over pooled per-image shares of judges (class_image_accuracy, on "
                  "Gradient's cells: the metric ignores the method)",
        threshold=(f"p < {Y1_ALPHA} (F1a's alpha); does not hold when the test is not significant and could have "
                   f"detected a difference of {EFFECT_MARGIN} with 80 % power, or when its reverse is significant; "
                   "otherwise inconclusive"),
        methods=Y1_METHODS,
        metrics=(CLASS_IMAGES,),
        trainings=("vanilla", "robust"),
        check=y1_class_images,
    ),
)
