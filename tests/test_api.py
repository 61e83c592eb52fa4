"""The notebook API gives what the pytest run gives, and the example in docs/extending.md runs."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

import pytest

import pytest_xai as px

ARGS = {"models": "smoke-gap,smoke-flat", "methods": "gradient,cam", "metrics": "pointing_game,wsl",
        "claims": "F1a,F3", "benchmark": "smoke", "images": 6}


def test_evaluate_equals_the_pytest_run(pytester: pytest.Pytester, tmp_path: Path) -> None:
    options = [f"--xai-{k}={v}" for k, v in ARGS.items()]
    pytester.runpytest(*options, "-p", "no:cacheprovider", "--xai-cache-dir=store-a")
    ran = json.loads((pytester.path / "reports" / "xai-report.json").read_text())
    report = px.evaluate(**ARGS, cache_dir=tmp_path / "store-b", report=tmp_path / "api.json")
    assert px.read_report(tmp_path / "api.json") == report
    fields = ("model", "method", "metric", "outcome", "scores", "aggregate", "reference", "method_params")
    assert [{k: c.get(k) for k in fields} for c in report["cells"]] == [{k: c.get(k) for k in fields} for c in ran["cells"]]
    assert [c["outcome"] for c in report["cells"]].count("skipped") == 2  # CAM on smoke-flat: no GAP head
    assert report["claims"] == ran["claims"]
    assert report["models"] == ran["models"]


def test_models_and_images() -> None:
    assert px.list_models("mini-control") == ["resnet", "resnet-r"]
    with pytest.raises(ValueError, match="unknown benchmark 'imagenette'"):
        px.list_models("imagenette")
    images = px.load_images("smoke", n=3, seed=1)
    assert images.images.shape[0] == 3 and len(images.ids) == 3
    model = px.load_model("smoke-gap", benchmark="smoke")
    assert model(model.normalize(images.images)).shape == (3, 3)
    with pytest.raises(ValueError, match="unknown model 'resnet50'"):
        px.load_model("resnet50")


@pytest.mark.parametrize(("setting", "why"), [
    ({"seed": -5}, "seed: invalid value '-5'; expected a non-negative integer"),
    ({"images": 0}, "images: invalid value '0'; expected a positive integer"),
    ({"profile": "quick"}, "profile: invalid value 'quick'; expected auto, fast, paper"),
    ({"subset": "bogus"}, "subset: invalid value 'bogus'; expected auto, cl, random"),
    ({"baseline_alpha": 2}, "baseline_alpha: invalid value '2'; expected a number in (0, 1)"),
    ({"baseline_margin": -0.1}, "baseline_margin: invalid value '-0.1'; expected a finite number >= 0"),
    ({"device": "gpu"}, "device: invalid value 'gpu'"),
    ({"baseline": "missing.json"}, "baseline: *missing.json: cannot read it"),
    ({"report": "a-file/report.json"}, "report: *a-file cannot be a folder: *a-file is a file"),
    ({"models": "resnet50"}, "unknown model 'resnet50'"),
])
def test_evaluate_refuses_a_bad_setting_before_it_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       setting: dict, why: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("")
    with pytest.raises(ValueError) as info:
        px.evaluate(**{**ARGS, **setting}, cache_dir=tmp_path / "store")
    assert fnmatch.fnmatch(str(info.value), f"*{why}*"), str(info.value)
    assert not (tmp_path / "store").exists()


def test_load_images_refuses_an_unknown_benchmark_and_bad_counts() -> None:
    with pytest.raises(ValueError, match="unknown benchmark 'imagenette'"):
        px.load_images("imagenette")
    with pytest.raises(ValueError, match="n must be a positive integer"):
        px.load_images("smoke", n=0)


def test_load_model_reads_weights_from_weights_dir(tmp_path: Path) -> None:
    import torch
    import torchvision

    from pytest_xai.benchmarks.base import MissingFile

    with pytest.raises(MissingFile, match=re.escape(f"--xai-weights-dir {tmp_path}")):
        px.load_model("mobilenet_v2", benchmark="imagenet", weights_dir=tmp_path)
    torch.manual_seed(0)
    state = torchvision.models.mobilenet_v2().state_dict()
    torch.save(state, tmp_path / "mobilenet_v2-b0353104.pth")
    model = px.load_model("mobilenet_v2", benchmark="imagenet", weights_dir=tmp_path)
    assert torch.equal(model.net.state_dict()["classifier.1.weight"], state["classifier.1.weight"])


@pytest.mark.slow      # the grid on the trained mini models
def test_the_documented_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = (Path(__file__).parents[1] / "docs" / "extending.md").read_text()
    example = re.search(r"```python\n(import pytest_xai as px\n.*?)```", docs, re.S)
    assert example, "docs/extending.md has no Python API example"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(example.group(1), "docs/extending.md", "exec"), namespace)
    assert namespace["report"]["cells"] and all(c["outcome"] == "passed" for c in namespace["report"]["cells"])
