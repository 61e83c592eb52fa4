"""Every method localizes better than chance on the default benchmark's vanilla ResNet.

Chance is the Pointing Game of a method-free map, a centred Gaussian (each cell's
``reference``); each method must beat it with a one-sided paired Wilcoxon p < 0.01 on
the mini ResNet's CL images. The paper shows no method near chance on Pointing Game
(Table A6: 64-93 % on ImageNet-CL), so none is exempt. Needs the committed weights of
``resnet`` and ``resnet-r`` (the CL subset is the images both classify correctly).
"""

from __future__ import annotations

import json

import pytest

ALPHA = 0.01
IMAGES = 32


def test_every_method_beats_a_centred_gaussian_on_pointing_game(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(
        "--xai-benchmark=mini", "--xai-models=resnet", "--xai-metrics=pointing_game", f"--xai-images={IMAGES}",
        "--xai-profile=fast", "--xai-device=cpu", "--xai-baseline=none", "--xai-report=report.json",
        "-k", "test_cell", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=9)                  # all nine apply: the ResNet has a CAM head
    cells = json.loads((pytester.path / "report.json").read_text())["cells"]
    assert {c["method"] for c in cells} == {"gradient", "integrated_gradients", "shap", "gradcam", "cam", "rise",
                                            "lime", "mp", "ep"}
    chance = {c["method"]: (c["mean"], c["reference"]["mean"], c["reference"]["p_value"]) for c in cells}
    assert all(c["n"] == IMAGES for c in cells), "fewer CL images than asked for"
    losers = {m: v for m, v in chance.items() if not (v[0] > v[1] and v[2] < ALPHA)}
    assert not losers, f"(method mean, centred-Gaussian mean, p) not better than chance: {losers}"
