"""Every method localizes better than chance on the default benchmark's vanilla ResNet.

Chance is the Pointing Game of a method-free map, a centred Gaussian (each cell's
``reference``); each method must beat it with a one-sided paired Wilcoxon p < 0.01 on
the mini ResNet's CL images. The paper shows no method near chance on Pointing Game
(Table A6: 64-93 % on ImageNet-CL), so none is exempt; MP fails here, for the reason
its mark gives. Needs the committed weights of ``resnet`` and ``resnet-r`` (the CL
subset is the images both classify correctly).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ALPHA = 0.01
IMAGES = 32
METHODS = ("gradient", "integrated_gradients", "shap", "gradcam", "cam", "rise", "lime", "mp", "ep")
MP_NEAR_CHANCE = (
    "MP is not better than chance on mini v3 (class photograph as context): PG 0.34 with the fast profile and "
    "0.28 with the paper's 500 iterations, vs 0.19 for the Gaussian (p 0.08 / 0.22); it was 0.59 on v2 "
    "(class-independent backgrounds), a 4x larger blur gives 0.41. MP's map is the region it must blur to remove "
    "the class; on images whose background is the class photograph (82 % of these CL images) that is a third "
    "of the image (16 % on the others), so its maximum often lies outside the digit's box")


@pytest.fixture(scope="module")
def cells(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """One fast-profile grid run of every method on ``resnet`` under Pointing Game."""
    where = tmp_path_factory.mktemp("localization")
    report = where / "report.json"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--xai-benchmark=mini", "--xai-models=resnet",
         "--xai-metrics=pointing_game", f"--xai-images={IMAGES}", "--xai-profile=fast", "--xai-device=cpu",
         "--xai-baseline=none", f"--xai-report={report}", "-k", "test_cell", "-p", "no:cacheprovider",
         "-q"], cwd=where, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    found = {c["method"]: c for c in json.loads(Path(report).read_text())["cells"]}
    assert tuple(found) == METHODS                    # all nine apply: the ResNet has a CAM head
    return found


@pytest.mark.parametrize("method", [
    pytest.param(m, marks=pytest.mark.xfail(strict=True, reason=MP_NEAR_CHANCE)) if m == "mp" else m
    for m in METHODS])
def test_method_beats_a_centred_gaussian_on_pointing_game(cells: dict[str, dict], method: str) -> None:
    cell = cells[method]
    assert cell["n"] == IMAGES, "fewer CL images than asked for"
    mean, chance, p = cell["mean"], cell["reference"]["mean"], cell["reference"]["p_value"]
    assert mean > chance and p < ALPHA, f"{method}: PG {mean:.3f} vs centred Gaussian {chance:.3f}, p {p:.3g}"
