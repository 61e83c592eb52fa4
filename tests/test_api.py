"""The notebook API gives what the pytest run gives, and the example in docs/extending.md runs."""

from __future__ import annotations

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


def test_the_documented_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = (Path(__file__).parents[1] / "docs" / "extending.md").read_text()
    example = re.search(r"```python\n(import pytest_xai as px\n.*?)```", docs, re.S)
    assert example, "docs/extending.md has no Python API example"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(example.group(1), "docs/extending.md", "exec"), namespace)
    assert namespace["report"]["cells"] and all(c["outcome"] == "passed" for c in namespace["report"]["cells"])
