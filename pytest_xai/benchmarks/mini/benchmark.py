"""The `mini` benchmark as the registry sees it: its images (``world.py``), its 12 models
(``zoo.py``, trained by ``train.py`` into ``weights/``), the per-model method settings
that play the paper's Table A1 role, the claims known not to hold on it, and the
`mini-control` benchmark that pairs the vanilla ResNet with a placebo twin.

Importing it is light (no torch): the registry is built from it on every run.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from pytest_xai.benchmarks.base import Benchmark, ModelSpec
from pytest_xai.benchmarks.mini import world as mini_data
from pytest_xai.benchmarks.mini import zoo
from pytest_xai.benchmarks.mini.zoo import MEAN, MINI_INFO, PLACEBO, STD, WEIGHTS_DIR, MiniModelInfo, weights_state
from pytest_xai.registry import Registry

# The role of the paper's Table A1 for this zoo: per-model method settings that differ
# from the methods' defaults. We did not tune them per model as the paper's authors did;
# every model takes the setting the paper gave the models of its role (its robust models
# mostly: MP 10 iterations, RISE 4 x 4 cells and 7000 masks, LIME 20 superpixels; its
# vanilla and AdvProp models: the defaults). EP's areas stay the paper's default for all:
# the digits cover 3-20 % of the image, the range those areas span.
METHOD_PARAMS: dict[str, dict[str, dict[str, Any]]] = {
    "vanilla": {},
    "advprop": {},
    "robust": {"mp": {"max_iter": 10}, "rise": {"grid_size": 4, "n_masks": 7000}, "lime": {"n_superpixels": 20}},
}
# The claims that do not hold on this benchmark, each with the measured reason
# (``Benchmark.known_failures``: their tests are strict xfails). Measured on generator v3
# with the committed zoo and baseline (32 CL images per model, fast profile) and with
# `python -m studies.context_reliance --localization`, `studies/deletion_curves.py` and
# `studies/metric_correlations.py`; re-measure when the data or the zoo changes.
_CONTEXT = ("every robust model leans on the class photograph more than its vanilla twin and reads the "
            "small digit less (accuracy on images not on their class photograph: robust 0.06-0.19, "
            "vanilla 0.16-0.50; studies/context_reliance.py)")
KNOWN_FAILURES: dict[str, str] = {
    "F1a": (f"{_CONTEXT}, so robust gradients leave the digit's box more often: Gradient, IG, SHAP Pointing "
            "Game vanilla 0.56 vs robust 0.35, WSL 0.22 vs 0.12. Without class context (14 generator probes, "
            "docs/mini-benchmark.md) vanilla Gradient sits at the ceiling (PG ~0.95) and robust twins are not "
            "higher; a robust ResNet trained at eps 1.0 instead of 0.5 widens the gap (Gradient PG 0.39 vs vanilla 0.73)"),
    "F1b": (f"{_CONTEXT}; the CAM maps follow it (GradCAM, CAM Pointing Game vanilla 0.53 vs robust 0.27, "
            "WSL 0.24 vs 0.07), a shift the paper did not see"),
    "F2": ("the AdvProp ResNets do sit between their twins (Pointing Game vanilla 0.69 > AdvProp 0.61 > "
           "robust 0.48, WSL 0.34 > 0.27-0.29 > 0.19), but the twins are in reversed order (F1a); and AdvProp is "
           "less confident than vanilla here (0.65 vs 0.75), so Insertion, which follows confidence, puts it "
           "below vanilla (0.68-0.70 vs 0.85)"),
    "F3": ("GradCAM points at the class photograph, which fills most of the image while the digit is small: "
           "on the images each vanilla model classifies correctly its GradCAM Pointing Game is 0.33-0.77 on "
           "class-photo backgrounds and 0.66-0.97 on the others (Gradient: 0.46-0.82 and 0.71-0.95), so it "
           "ranks 7th of 8 on Pointing Game and WSL (3rd and 4th on Insertion and Deletion). RISE ranks "
           "5, 3, 2, 1 with the fast profile's 1000 masks and 3, 3, 2, 1 with the paper's 8000 "
           "(pytest-xai claims --cells-from). MP is last on mean rank, as in the paper"),
    "F4a": ("Insertion's half holds (vanilla 0.71 vs robust 0.46, p 5e-165); Deletion's does not, because "
            "the vanilla models' higher confidence is gone after the first 5-10 % of deleted pixels (resnet: "
            "target probability 0.77 -> 0.49 at 5 %, robust 0.53 -> 0.40; equal from 10 % on; "
            "studies/deletion_curves.py), and the rest of the curve, the same for both, makes the area: "
            "Deletion 0.205 vs 0.187, p 0.07 (0.211 vs 0.195, p 0.016, with 96 images per model and 200 "
            "RISE masks)"),
    "F4b": ("Deletion does not follow confidence here (F4a's reason: the confidence gap lasts only the first "
            "5-10 % of the curve): model level rho 0.41 (p 0.24, 10 models), image level 0.28"),
    "W1": ("the robust twins' gradient maps are less concentrated, not more: the Gini index of |map| "
           "(Gradient, IG, SHAP) is lower for every robust twin than for its vanilla one (pooled vanilla 0.559 vs "
           "robust 0.518, reversed p 1e-9; per model and method 0.43-0.68 vs 0.38-0.61; `pytest benchmarks "
           "--xai-models=all --xai-methods=gradient,integrated_gradients,shap --xai-metrics=concentration "
           "--xai-claims=W1`). Why is not measured yet; F1a's reason (robust twins read the class photograph, "
           "their gradients leave the digit) would spread their maps"),
    "W2": ("the robust twins' gradients do not align better with the direction to their boundary point: "
           "pooled cosine vanilla 0.767 vs robust 0.650 (reversed p 5e-4; `pytest benchmarks --xai-models=all "
           "--xai-methods=gradient --xai-metrics=boundary_alignment --xai-claims=W2 --xai-images 32`). The gap is "
           "the 23 of 160 robust images that no budget up to 8.0 at 224 px flips, which score 0; on the others "
           "0.759 vs 0.767 (p 0.88). The vanilla models' boundary is found at the smallest budget, along a path "
           "that starts on the gradient, so their cosines are high whatever the boundary's shape"),
    "F5": ("Pointing Game and WSL are 0/1 per image and WSL (IoU >= 0.5 with a small digit's box) hits 0.19 "
           "of the time against 0.44, which caps their correlation at 0.54 (measured 0.48); Pointing Game~"
           "Insertion is 0.36 pooled but 0.20 within models: vanilla models have both the higher Insertion "
           "(confidence, as in the paper) and, unlike the paper's, the higher Pointing Game (F1a), so the "
           "models' means correlate (0.85); Insertion~Deletion is 0.25 because Deletion does not follow "
           "confidence here (F4b). studies/metric_correlations.py"),
}
# Images per model in a default run: 32 CL images for most cells, where the maps of RISE,
# EP and LIME and the Insertion/Deletion games make most of a run's time (docs/running.md
# has the measurements). The localization cells of the gradient and CAM methods, whose
# maps cost a forward and up to a few dozen backward passes, take more, for the claims that
# compare them between models: F1a's effect is large, F1b must show a WSL difference within
# +-0.05 by TOST at alpha 0.003, which on 0/1 scores of three CAM pairs takes ~500 images
# per model.
DEFAULT_IMAGES = 32
LOCALIZATION_IMAGES = {"gradient": 128, "cam": 512}


def register_mini(registry: Registry, weights_dir: Path = WEIGHTS_DIR) -> None:
    """Register the `mini` benchmark and its 12 models (reads only the small model cards)."""
    registry.add_benchmark(Benchmark(
        name="mini", description="one handwritten digit on a cluttered photograph, 64 px, 10 classes; "
                                 "a 12-model zoo trained on it (the default benchmark)",
        load=mini_data.load, class_names=mini_data.CLASS_NAMES, default_images=DEFAULT_IMAGES,
        localization_images=LOCALIZATION_IMAGES, default_subset="cl", tags=("synthetic",),
        known_failures=KNOWN_FAILURES, generator_digest=mini_data.generator_digest))
    for name, info in MINI_INFO.items():
        registry.add_model(_spec(name, "mini", info, info.training, weights_dir))


def _spec(name: str, benchmark: str, info: MiniModelInfo, training: str, weights_dir: Path) -> ModelSpec:
    """The spec of zoo model ``info.name`` registered as ``name`` with role ``training``."""
    weights, model_card = weights_state(info.name, weights_dir)
    if training != info.training:
        weights += f"; a {info.training} model (seed {info.seed}) registered as {training}: a placebo"
    return ModelSpec(
        name=name, benchmark=benchmark, arch=info.arch, training=training,
        loader=partial(zoo.load, info.name, weights_dir), weights=weights,
        weights_digest=partial(zoo.weights_digest, info.name, weights_dir),
        mean=MEAN, std=STD, cam_layer=info.cam_layer, gap_head=info.gap_head,
        card=model_card, method_params=METHOD_PARAMS[info.training], channels_last=True)


def register_mini_control(registry: Registry, weights_dir: Path = WEIGHTS_DIR) -> None:
    """Register `mini-control`: mini's images, `resnet`, and as its "robust" twin `resnet-r` the
    placebo (a vanilla ResNet of another seed). Claims about robust models should not hold here."""
    registry.add_benchmark(Benchmark(
        name="mini-control", description="the mini images with a placebo pair: the vanilla resnet and, "
                                         "registered as its robust twin, a vanilla resnet of another seed",
        load=mini_data.load, class_names=mini_data.CLASS_NAMES, default_images=DEFAULT_IMAGES,
        localization_images=LOCALIZATION_IMAGES, default_subset="cl", tags=("synthetic", "control"),
        generator_digest=mini_data.generator_digest))
    registry.add_model(_spec("resnet", "mini-control", MINI_INFO["resnet"], "vanilla", weights_dir))
    registry.add_model(_spec("resnet-r", "mini-control", PLACEBO, "robust", weights_dir))
