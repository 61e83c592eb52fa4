"""The plugin end to end, through pytester, on the `smoke` benchmark (untrained tiny CNNs)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from pytest_xai.report.schema import without_run_dependent
from pytest_xai.store import _umask

# The smoke models are untrained: the paper's claims would only be skipped, so run the cells.
SMALL = ["--xai-benchmark=smoke", "--xai-images=6", "-p", "no:cacheprovider", "-k", "test_cell"]
FAST_METHODS = "--xai-methods=gradient,gradcam"
N_CELLS = 2 * 2 * 5  # smoke models x FAST_METHODS x metrics


TWINS_CONFTEST = '''
import torch
from functools import partial
from pytest_xai.benchmarks.base import ModelSpec

def colour_reader(red_weight):
    conv = torch.nn.Conv2d(3, 3, 1, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.diag(torch.tensor([red_weight, 1.0, 1.0]))[:, :, None, None])
    return torch.nn.Sequential(conv, torch.nn.AdaptiveMaxPool2d(1), torch.nn.Flatten()).eval()

def pytest_xai_register(registry):
    for name, training, red in (("tiny", "vanilla", 1.0), ("tiny-r", "robust", 0.5)):
        registry.add_model(ModelSpec(name=name, benchmark="smoke", arch="tiny", training=training,
                                     loader=partial(colour_reader, red), weights=name, cam_layer="0"))
'''


def report_of(pytester: pytest.Pytester, name: str = "reports/xai-report.json") -> dict[str, Any]:
    return json.loads((pytester.path / name).read_text())


def test_list_prints_everything_and_exits_0(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--xai-list")
    assert result.ret == 0
    # ("[" starts a character class in fnmatch patterns, hence "[[]".)
    result.stdout.fnmatch_lines(["benchmarks:", "  smoke * [[]synthetic]", "methods:", "  gradient * [[]gradient]",
                                 "  gradcam * [[]cam]", "metrics:", "  pointing_game *", "  deletion *",
                                 "claims:", "  F1a * Robust models beat their vanilla twins*(Nourelahi et al. 2022*",
                                 "  F6 *", "models of benchmark 'smoke':", "  smoke-gap * [[]untrained, smoke-gap]*"])


@pytest.mark.parametrize(("option", "bad", "listed"), [
    ("--xai-models", "smoke-gap,resnet50", "smoke-flat"),
    ("--xai-methods", "gradcam,-gradeint", "gradient"),
    ("--xai-metrics", "wls", "pointing_game"),
    ("--xai-benchmark", "imagenette", "smoke"),
    ("--xai-claims", "F1a,F9", "F1b"),
])
def test_unknown_names_are_usage_errors(pytester: pytest.Pytester, option: str, bad: str, listed: str) -> None:
    args = ([f"{option}={bad}", "--xai-benchmark=smoke"] if option == "--xai-models"
            else ["--xai-models=all", f"{option}={bad}"])
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    token = bad.split(",")[-1]
    result.stderr.fnmatch_lines([f"ERROR: {option}: *{token!r}*{listed}*"])
    assert "tags: ;" not in result.stderr.str()
    assert not (pytester.path / "reports").exists()


@pytest.mark.parametrize(("option", "value"), [("--xai-images", "0"), ("--xai-images", "ten"), ("--xai-subset", "most"),
                                               ("--xai-seed", "1.5"), ("--xai-seed", "-5"),
                                               ("--xai-device", "gpu"),
                                               ("--xai-profile", "quick"), ("--xai-shard", "3/2"),
                                               ("--xai-shard", "1of2"), ("--xai-threads", "0"),
                                               ("--xai-baseline-alpha", "1.5"), ("--xai-baseline-margin", "inf")])
def test_malformed_values_are_usage_errors(pytester: pytest.Pytester, option: str, value: str) -> None:
    result = pytester.runpytest("--xai-models=all", f"{option}={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{option}*{value!r}*"])


@pytest.mark.parametrize("device", ["cuda", "cuda:0"])
def test_asking_for_cuda_where_there_is_none_is_a_usage_error(pytester: pytest.Pytester, device: str) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = pytester.runpytest("--xai-models=all", "--xai-benchmark=smoke", f"--xai-device={device}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--xai-device: {device!r} asked for CUDA, which this machine does not have*"])
    assert not (pytester.path / "reports").exists()


def test_grid_is_off_without_a_selection(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_mine="def test_ok():\n    assert True\n")
    result = pytester.runpytest("--xai-images=6")
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "reports").exists()


def test_explicit_path_holding_the_grid_without_selection_skips_with_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_grid="from pytest_xai.suite.test_grid import test_cell\n")
    result = pytester.runpytest("test_grid.py", "-rs", *SMALL)
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*the grid is off: select models with --xai-models*"])


def test_grid_runs_in_a_repo_without_our_test_files(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--xai-models=all", FAST_METHODS, "-v", *SMALL)
    result.assert_outcomes(passed=N_CELLS)
    result.stdout.fnmatch_lines(["*test_cell?smoke-gap-gradient-pointing_game? PASSED*",
                                 "*test_cell?smoke-flat-gradcam-deletion? PASSED*"])
    report = report_of(pytester)
    assert report["schema"] == "pytest-xai/1"
    assert report["config"]["models"] == ["smoke-gap", "smoke-flat"]
    assert [m["name"] for m in report["models"]] == ["smoke-gap", "smoke-flat"]
    assert all(len(m["image_ids"]) == 6 for m in report["models"])
    cells = report["cells"]
    assert [(c["model"], c["method"], c["metric"]) for c in cells][:3] == [
        ("smoke-gap", "gradient", "pointing_game"), ("smoke-gap", "gradient", "wsl"),
        ("smoke-gap", "gradient", "insertion")]
    for cell in cells:
        assert cell["outcome"] == "passed" and cell["n"] == 6 and len(cell["scores"]) == 6
        assert cell["reference"]["map"] in ("centred_gaussian", "uniform_random")
        assert 0.0 <= cell["reference"]["p_value"] <= 1.0
        assert cell["cached"] is False


def test_report_html_option_writes_the_page(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--xai-models=smoke-gap", "--xai-methods=gradient,gradcam",
                                "--xai-metrics=pointing_game", "--xai-report-html=page", *SMALL)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["pytest-xai: page written to *page/index.html"])
    page = (pytester.path / "page" / "index.html").read_text()
    assert "smoke-gap" in page and (pytester.path / "page" / "maps-0.png").is_file()


def test_ini_selection_turns_the_grid_on(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nxai_benchmark = smoke\nxai_models = smoke-gap\nxai_methods = gradient\n"
                     "xai_metrics = localization\nxai_images = 4\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "test_cell")
    result.assert_outcomes(passed=2)
    assert [c["metric"] for c in report_of(pytester)["cells"]] == ["pointing_game", "wsl"]


def test_second_identical_run_computes_nothing(pytester: pytest.Pytester) -> None:
    args = ["--xai-models=smoke-gap", FAST_METHODS, "--xai-metrics=pointing_game,deletion", *SMALL]
    pytester.runpytest(*args).assert_outcomes(passed=4)
    first = report_of(pytester)
    pytester.runpytest(*args).assert_outcomes(passed=4)
    second = report_of(pytester)
    assert all(c["cached"] for c in second["cells"])
    assert without_run_dependent(first) == without_run_dependent(second)
    # A new seed is new content: nothing may come from the cache.
    pytester.runpytest(*args, "--xai-seed=1").assert_outcomes(passed=4)
    assert not any(c["cached"] for c in report_of(pytester)["cells"])


def test_corrupt_store_entries_are_recomputed_to_the_same_scores(pytester: pytest.Pytester) -> None:
    args = ["--xai-models=smoke-gap", "--xai-methods=gradient", "--xai-metrics=pointing_game,deletion", *SMALL]
    pytester.runpytest(*args).assert_outcomes(passed=2)
    first = report_of(pytester)
    entries = sorted(p for kind in ("maps", "scores") for p in (pytester.path / ".xai-cache" / kind).rglob("*")
                     if p.is_file() and not p.name.endswith(".lock"))
    assert entries
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[: len(entry.read_bytes()) // 2])   # a write cut short
    pytester.runpytest(*args).assert_outcomes(passed=2)
    second = report_of(pytester)
    assert not any(c["cached"] for c in second["cells"])
    assert without_run_dependent(first) == without_run_dependent(second)


def test_editing_an_explainer_invalidates_its_cached_maps(pytester: pytest.Pytester) -> None:
    source = ("def pytest_xai_register(registry):\n"
              "    @registry.method('flat', group='other')\n"
              "    def flat(model, images, targets):\n"
              "        return images.new_zeros(images.shape[0], *images.shape[2:]) + {value}\n")
    args = ["--xai-models=smoke-gap", "--xai-methods=flat", "--xai-metrics=wsl", *SMALL]
    pytester.makeconftest(source.format(value=1.0))
    pytester.runpytest(*args).assert_outcomes(passed=1)
    pytester.runpytest(*args).assert_outcomes(passed=1)
    assert report_of(pytester)["cells"][0]["cached"] is True
    pytester.makeconftest(source.format(value=2.0))
    pytester.runpytest(*args).assert_outcomes(passed=1)
    assert report_of(pytester)["cells"][0]["cached"] is False


def test_report_is_the_same_with_and_without_xdist(pytester: pytest.Pytester) -> None:
    args = ["--xai-models=all", FAST_METHODS, "--xai-metrics=pointing_game,insertion", *SMALL]
    pytester.runpytest_subprocess(*args, "-n", "0", "--xai-report=serial.json", "--xai-cache-dir=c0"
                                  ).assert_outcomes(passed=8)
    result = pytester.runpytest_subprocess(*args, "-n", "2", "--dist", "loadgroup",
                                           "--xai-report=xdist.json", "--xai-cache-dir=c2")
    result.assert_outcomes(passed=8)
    serial, parallel = report_of(pytester, "serial.json"), report_of(pytester, "xdist.json")
    cores = os.cpu_count() or 1
    # Each of the two workers takes half the cores as torch threads; one process takes them all.
    assert {c["threads"] for c in serial["cells"]} == {cores}
    assert {c["threads"] for c in parallel["cells"]} == {max(1, cores // 2)}
    assert without_run_dependent(serial) == without_run_dependent(parallel)
    assert (json.dumps(without_run_dependent(serial), indent=1) == json.dumps(without_run_dependent(parallel), indent=1))


WORKER_LOG = """
import os
import pytest

@pytest.fixture(autouse=True)
def _record_worker(request):
    yield
    if "xai_cell" in request.fixturenames:
        (request.config.rootpath / "workers" / request.node.callspec.id).write_text(os.environ["PYTEST_XDIST_WORKER"])
"""


def test_loadgroup_keeps_each_models_cells_on_one_worker(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(WORKER_LOG)
    pytester.mkdir("workers")
    pytester.runpytest_subprocess("--xai-models=all", FAST_METHODS, "--xai-metrics=pointing_game,insertion", *SMALL,
                                  "-n", "2", "--dist", "loadgroup").assert_outcomes(passed=8)
    workers: dict[str, set[str]] = {}
    for cell in (pytester.path / "workers").iterdir():
        model = next(m for m in ("smoke-gap", "smoke-flat") if cell.name.startswith(f"{m}-"))
        workers.setdefault(model, set()).add(cell.read_text())
    assert len(workers) == 2 and sum(1 for _ in (pytester.path / "workers").iterdir()) == 8
    assert all(len(w) == 1 for w in workers.values()), workers


def test_xai_threads_sets_the_torch_threads_of_the_run(pytester: pytest.Pytester) -> None:
    pytester.runpytest("--xai-models=smoke-gap", "--xai-methods=gradient", "--xai-metrics=wsl", "--xai-threads=3",
                       *SMALL).assert_outcomes(passed=1)
    assert report_of(pytester)["cells"][0]["threads"] == 3


def test_regression_against_a_baseline_fails_the_cell(pytester: pytest.Pytester) -> None:
    args = ["--xai-benchmark=smoke", "--xai-models=smoke-gap", "--xai-methods=gradcam",
            "--xai-metrics=wsl,deletion", "--xai-images=24", "-p", "no:cacheprovider", "-k", "test_cell"]
    pytester.runpytest(*args, "--xai-report=base.json").assert_outcomes(passed=2)
    # Same run against itself: nothing is worse.
    pytester.runpytest(*args, "--xai-baseline=base.json").assert_outcomes(passed=2)
    baseline = report_of(pytester, "base.json")
    for cell in baseline["cells"]:  # a baseline that was perfect on every image
        cell["scores"] = [1.0 if cell["higher_is_better"] else 0.0] * len(cell["scores"])
    Path(pytester.path / "perfect.json").write_text(json.dumps(baseline))
    result = pytester.runpytest(*args, "--xai-baseline=perfect.json")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*worse than the baseline*a drop of more than 0.01 (wilcoxon one-sided p*"])
    # Where the report went is said after the failure section, with the command that reads it.
    out = result.stdout.str()
    assert out.index("pytest-xai: report written to") > out.index("= FAILURES =")
    result.stdout.fnmatch_lines(["pytest-xai: report written to *xai-report.json (read it: pytest-xai show *)"])
    report = report_of(pytester)
    assert [c["outcome"] for c in report["cells"]] == ["failed", "failed"]
    assert all(c["baseline"]["worse"] for c in report["cells"])


def readme_conftest_example() -> str:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme.split("Register it in your `conftest.py`:", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_explainer_example_runs_through_the_grid(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(readme_conftest_example())
    result = pytester.runpytest("--xai-models=smoke-gap", "--xai-methods=grad_x_input,gradient",
                                "--xai-metrics=pointing_game", *SMALL)
    result.assert_outcomes(passed=2)
    cells = report_of(pytester)["cells"]
    # Grid order is registration order: built-ins first.
    assert [c["method"] for c in cells] == ["gradient", "grad_x_input"]
    assert cells[1]["method_params"]["function"].endswith("grad_x_input")


def test_pyargs_runs_the_shipped_grid(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--pyargs", "pytest_xai.suite", "--xai-models=smoke-flat",
                                "--xai-methods=gradient", "--xai-metrics=wsl", *SMALL)
    result.assert_outcomes(passed=1)


def test_a_method_that_pins_its_threads_computes_its_maps_with_them(pytester: pytest.Pytester) -> None:
    """EP's maps depend on the thread count, so it pins one thread; the run's count is back after."""
    pytester.makeconftest('''
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import torch

from pytest_xai.methods import Gradient

@dataclass(frozen=True)
class Pinned(Gradient):
    name: ClassVar[str] = "pinned"
    threads: ClassVar[int | None] = 1

    def explain(self, model, images, targets, seed):
        Path("threads-seen").write_text(str(torch.get_num_threads()))
        return super().explain(model, images, targets, seed)

def pytest_xai_register(registry):
    registry.add_method(Pinned())
''')
    pytester.runpytest("--xai-models=smoke-gap", "--xai-methods=pinned,gradient", "--xai-metrics=wsl",
                       "--xai-threads=2", *SMALL).assert_outcomes(passed=2)
    assert (pytester.path / "threads-seen").read_text() == "1"
    assert [c["threads"] for c in report_of(pytester)["cells"]] == [2, 2]


def test_cells_that_do_not_apply_are_skipped_with_the_reason(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('''
from dataclasses import dataclass
from typing import ClassVar

from pytest_xai.methods import Gradient

@dataclass(frozen=True)
class GapOnly(Gradient):
    name: ClassVar[str] = "gap_only"

    def applies_to(self, spec):
        return None if spec.gap_head else f"{spec.name} has no global-average-pooling head"

def pytest_xai_register(registry):
    registry.add_method(GapOnly())
''')
    result = pytester.runpytest("--xai-models=all", "--xai-methods=gap_only", "--xai-metrics=wsl", "-rs", *SMALL)
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*gap_only does not apply: smoke-flat has no global-average-pooling head*"])
    cells = report_of(pytester)["cells"]
    assert [(c["model"], c["outcome"]) for c in cells] == [("smoke-gap", "passed"), ("smoke-flat", "skipped")]
    assert "no global-average-pooling head" in cells[1]["message"]


def test_a_users_explainer_is_checked_at_its_boundary(pytester: pytest.Pytester) -> None:
    """numpy maps are taken as they are; None and NaN maps fail that explainer's own cells
    with a message naming it, what it returned and what was expected."""
    pytester.makeconftest('''
import math, torch

def pytest_xai_register(registry):
    @registry.method("as_numpy", group="other")
    def as_numpy(model, images, targets):
        return images.mean(1).cpu().numpy()

    @registry.method("nothing", group="other")
    def nothing(model, images, targets):
        return None

    @registry.method("nan_maps", group="other")
    def nan_maps(model, images, targets):
        return torch.full(images.shape[:1] + images.shape[2:], math.nan)

    @registry.method("inf_maps", group="other")
    def inf_maps(model, images, targets):
        return torch.full(images.shape[:1] + images.shape[2:], math.inf)

    @registry.method("as_list", group="other")
    def as_list(model, images, targets):
        return images.mean(1).tolist()

    @registry.method("raises", group="other")
    def raises(model, images, targets):
        return images.mean(1) + "oops"
''')
    result = pytester.runpytest("--xai-models=smoke-gap", "--xai-methods=as_numpy,nothing,nan_maps,inf_maps,as_list,"
                                "raises", "--xai-metrics=pointing_game", *SMALL)
    result.assert_outcomes(passed=1, failed=5)
    cells = {c["method"]: c for c in report_of(pytester)["cells"]}
    assert cells["as_numpy"]["outcome"] == "passed"
    assert "method 'nothing' returned NoneType; expected a torch.Tensor or numpy array of maps of shape (6, " \
        in cells["nothing"]["message"]
    assert "method 'nan_maps' returned maps with" in cells["nan_maps"]["message"]
    assert "non-finite values (NaN or inf)" in cells["nan_maps"]["message"]
    assert "method 'inf_maps' returned maps with" in cells["inf_maps"]["message"]
    assert "method 'as_list' returned list; expected a torch.Tensor or numpy array" in cells["as_list"]["message"]
    assert "method 'raises' raised TypeError: " in cells["raises"]["message"]


def test_broken_method_fails_its_cells_and_the_report_is_still_written(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('''
def pytest_xai_register(registry):
    @registry.method("wrong_shape", group="other")
    def wrong_shape(model, images, targets):
        return images  # [B, 3, H, W] instead of [B, H, W]
''')
    result = pytester.runpytest("--xai-models=smoke-gap", "--xai-methods=wrong_shape,gradient",
                                "--xai-metrics=wsl", *SMALL)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*method 'wrong_shape' returned maps of shape*expected*"])
    cells = report_of(pytester)["cells"]
    assert [c["outcome"] for c in cells] == ["passed", "failed"]
    assert "returned maps of shape" in cells[1]["message"]


def test_installed_package_registers_through_the_entry_point_group(pytester: pytest.Pytester,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    site = pytester.mkdir("site")
    (site / "my_explainers.py").write_text(
        "def register(registry):\n"
        "    @registry.method('ones', group='other')\n"
        "    def ones(model, images, targets):\n"
        "        return images.new_ones(images.shape[0], *images.shape[2:])\n")
    dist = site / "my_explainers-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-explainers\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[pytest_xai]\nmine = my_explainers:register\n")
    monkeypatch.setenv("PYTHONPATH", str(site))
    result = pytester.runpytest_subprocess("--xai-list")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["  ones * [[]other]"])


def test_console_script_help() -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "pytest_xai.cli", "--help"], capture_output=True, text=True,
                         check=True)
    assert "pytest-xai" in out.stdout and "pytest benchmarks --xai-models=all" in out.stdout


def test_claims_run_alone_and_land_in_the_report(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(TWINS_CONFTEST)
    result = pytester.runpytest("--xai-models=tiny,tiny-r", FAST_METHODS, "-rs", *SMALL, "-k", "claims")
    result.stdout.fnmatch_lines(["*F2 not testable here: needs an advprop model*",
                                 "*F3 not testable here: needs the methods gradcam, mp, rise*",
                                 "*F6 not testable here: needs two models with clean and adversarial accuracy*"])
    report = report_of(pytester)
    assert report["cells"] == []  # -k claims ran no cell test, yet the claims got their scores
    claims = {c["id"]: c for c in report["claims"]}
    assert list(claims) == ["F1a", "F1b", "F2", "F3", "F4a", "F4b", "F5", "F6", "W1", "W2", "W3", "B1", "S1", "Y1"]
    assert {"F2", "F3", "F6", "W2", "W3", "B1", "S1", "Y1"} <= {i for i, c in claims.items() if c["outcome"] == "skipped"}
    assert all(claims[i]["outcome"] in ("passed", "failed", "inconclusive") for i in ("F1a", "F1b", "F4a", "W1"))
    for claim in claims.values():
        paper = {"S1": "Adebayo", "B1": "Boopathy", "Y1": "Boychev"}.get(claim["id"], "Wang" if claim["id"][0] == "W" else "Nourelahi")
        assert claim["source"].startswith(paper) and claim["threshold"]
        if claim["outcome"] == "skipped":
            assert claim["skip_reason"] and claim["passed"] is None and claim["verdict"] is None
        else:
            outcome = {"holds": "passed", "does not hold": "failed", "inconclusive": "inconclusive"}
            assert claim["outcome"] == outcome[claim["verdict"]] and claim["passed"] == (claim["verdict"] == "holds")
            assert claim["cells"] and claim["details"] and claim["images"] == {"tiny": 6, "tiny-r": 6}
    assert claims["F1a"]["details"]["methods"] == ["gradient"]
    assert ["tiny-r", "gradient", "wsl"] in claims["F1a"]["cells"]


FIXED_VERDICT_CLAIMS = """
import dataclasses
from pytest_xai.claims.base import Claim, Outcome

def fixed(verdict):
    return lambda table: Outcome(verdict=verdict, value=1.0, p_value=None, why="fixed for the test")

_twins = pytest_xai_register

def pytest_xai_register(registry):
    registry.add_benchmark(dataclasses.replace(registry.benchmarks["smoke"], name="smoke-known",
                                               known_failures={c: "measured reason " + c for c in ("K1", "K2", "K3")}))
    _twins(registry)
    for claim_id, verdict in (("K1", "holds"), ("K2", "does not hold"), ("K3", "inconclusive")):
        registry.add_claim(Claim(id=claim_id, statement="a claim whose verdict is fixed", source="test",
                                 statistic="none", threshold="fixed", methods=("gradient",),
                                 metrics=("pointing_game",), trainings=("vanilla", "robust"), check=fixed(verdict)))
"""


def test_known_failures_of_a_benchmark_are_strict_xfails(pytester: pytest.Pytester) -> None:
    """Holds -> pass, XPASS(strict) when listed; does not hold -> fail, xfail when listed;
    inconclusive -> skip either way (a narrow selection never turns a test red)."""
    conftest = TWINS_CONFTEST + FIXED_VERDICT_CLAIMS
    pytester.makeconftest(conftest)
    args = ["--xai-models=tiny,tiny-r", "--xai-methods=gradient", "--xai-metrics=pointing_game",
            "--xai-claims=K1,K2,K3", *SMALL[:-1], "claims", "-rxXfs"]
    pytester.runpytest(*args).assert_outcomes(passed=1, failed=1, skipped=1)
    plain = {c["id"]: c for c in report_of(pytester)["claims"]}
    assert {i: c["outcome"] for i, c in plain.items()} == {"K1": "passed", "K2": "failed", "K3": "inconclusive"}
    assert all(c["known_failure"] is None for c in plain.values())
    pytester.makeconftest(conftest.replace('benchmark="smoke"', 'benchmark="smoke-known"'))
    result = pytester.runpytest(*args, "--xai-benchmark=smoke-known")
    result.assert_outcomes(failed=1, xfailed=1, skipped=1)
    claims = {c["id"]: c for c in report_of(pytester)["claims"]}
    for claim_id, claim in claims.items():
        assert claim["known_failure"] == f"measured reason {claim_id}"
        assert claim["outcome"] == plain[claim_id]["outcome"]
    result.stdout.fnmatch_lines(["*XPASS(strict)*K1*", "*known not to hold on smoke-known: measured reason K2*",
                                 "*K3 inconclusive: fixed for the test*"])


def test_claims_run_after_the_cells(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(TWINS_CONFTEST)
    args = [a for a in SMALL if a not in ("-k", "test_cell")]
    result = pytester.runpytest("--xai-models=tiny,tiny-r", "--xai-methods=gradient", "--xai-claims=F1a", "-v", *args)
    names = [line.split("::")[1].split("[")[0] for line in result.stdout.lines
             if line.startswith("test_") and "::test_c" in line]
    assert names == ["test_cell"] * 10 + ["test_claim"]


@pytest.mark.parametrize("require_all", [False, True])
def test_missing_local_files_skip_or_fail_with_require_all(pytester: pytest.Pytester, require_all: bool) -> None:
    pytester.makeconftest('''
from pytest_xai.benchmarks.base import MissingFile
from pytest_xai.benchmarks.base import ModelSpec

def absent():
    raise MissingFile("expected /weights/absent.pth: put the checkpoint there or pass --xai-weights-dir")

def pytest_xai_register(registry):
    registry.add_model(ModelSpec(name="absent", benchmark="smoke", arch="x", training="vanilla", loader=absent,
                                 weights="absent.pth"))
''')
    args = ["--xai-models=absent", "--xai-methods=gradient", "--xai-metrics=wsl", "-rs", *SMALL]
    result = pytester.runpytest(*args, *(["--xai-require-all"] if require_all else []))
    result.assert_outcomes(**({"failed": 1} if require_all else {"skipped": 1}))
    result.stdout.fnmatch_lines(["*expected /weights/absent.pth: put the checkpoint there*"])


def test_update_baseline_then_it_is_the_default(pytester: pytest.Pytester) -> None:
    args = ["--xai-models=smoke-gap", "--xai-methods=gradient", "--xai-metrics=wsl", *SMALL]
    result = pytester.runpytest(*args, "--xai-update-baseline")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*pytest-xai: baseline *reports/baseline-smoke.json rewritten (1 cells)*"])
    assert report_of(pytester)["cells"][0]["baseline"] is None  # updating does not compare
    written = pytester.path / "reports" / "baseline-smoke.json"
    assert written.stat().st_mode & 0o777 == 0o666 & ~_umask()  # an ordinary file, not mkstemp's 0600
    config = json.loads(written.read_text())["config"]
    assert (config["baseline"], config["cache_dir"]) == ("reports/baseline-smoke.json", ".xai-cache")  # clone-independent
    pytester.runpytest(*args).assert_outcomes(passed=1)
    baseline = report_of(pytester)["cells"][0]["baseline"]
    assert baseline["test"] == "wilcoxon" and baseline["worse"] is False and baseline["p_value"] == 1.0
    pytester.runpytest(*args, "--xai-baseline=none").assert_outcomes(passed=1)
    assert report_of(pytester)["cells"][0]["baseline"] is None


INTERRUPTING_METHOD = '''
def pytest_xai_register(registry):
    @registry.method("ctrl_c", group="other")
    def ctrl_c(model, images, targets):
        raise KeyboardInterrupt  # what SIGINT raises in the main thread while maps are computed
'''


WAITING_METHOD = '''
import time
from pathlib import Path

def pytest_xai_register(registry):
    @registry.method("waits", group="other")
    def waits(model, images, targets):
        Path("started").write_text("")
        time.sleep(120)             # until the test sends SIGINT
'''


def test_a_real_sigint_leaves_report_and_baseline_byte_identical(pytester: pytest.Pytester) -> None:
    import signal
    import subprocess
    import sys
    import time

    args = ["--xai-models=smoke-gap", "--xai-metrics=wsl", *SMALL]
    pytester.makeconftest(WAITING_METHOD)
    pytester.runpytest(*args, "--xai-methods=gradient", "--xai-update-baseline").assert_outcomes(passed=1)
    report, baseline = pytester.path / "reports" / "xai-report.json", pytester.path / "reports" / "baseline-smoke.json"
    before = report.read_bytes(), baseline.read_bytes()
    # A shell's background job starts with SIGINT ignored, and Python then keeps ignoring it:
    # give the run the default disposition, as an interactive pytest has.
    run = subprocess.Popen([sys.executable, "-m", "pytest", *args, "--xai-methods=gradient,waits",
                            "--xai-update-baseline"], cwd=pytester.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not (pytester.path / "started").exists():
        assert run.poll() is None and time.monotonic() < deadline, "the run never reached the waiting explainer"
        time.sleep(0.2)
    run.send_signal(signal.SIGINT)
    out, _ = run.communicate(timeout=120)
    assert run.returncode == pytest.ExitCode.INTERRUPTED, out
    assert (report.read_bytes(), baseline.read_bytes()) == before
    assert "partial report written to" in out and (pytester.path / "reports" / "xai-report.partial.json").exists()


def test_a_killed_run_is_named_by_the_next_runs_header(pytester: pytest.Pytester,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makeconftest('''
import os
from dataclasses import dataclass
from typing import ClassVar

from pytest_xai.methods import Gradient

@dataclass(frozen=True)
class Killed(Gradient):
    name: ClassVar[str] = "killed"

    def explain(self, model, images, targets, seed):
        if os.environ.get("KILL_THE_RUN"):
            os._exit(9)             # no hook runs after this: no report, no partial report
        return super().explain(model, images, targets, seed)

def pytest_xai_register(registry):
    registry.add_method(Killed())
''')
    args = ["--xai-models=smoke-gap", "--xai-methods=gradient,killed", "--xai-metrics=wsl", *SMALL]
    monkeypatch.setenv("KILL_THE_RUN", "1")
    assert pytester.runpytest_subprocess(*args).ret == 9
    assert not (pytester.path / "reports" / "xai-report.json").exists()
    monkeypatch.delenv("KILL_THE_RUN")
    again = pytester.runpytest_subprocess(*args)
    again.assert_outcomes(passed=2)
    again.stdout.fnmatch_lines(["pytest-xai: the last run with this store (2 cells, report *xai-report.json) "
                                "stopped after 1 cells; their maps and scores are in * and are read, not recomputed"])
    assert "the last run" not in pytester.runpytest_subprocess(*args).stdout.str()


def test_an_interrupted_run_leaves_report_and_baseline_as_they_were(pytester: pytest.Pytester) -> None:
    args = ["--xai-models=smoke-gap", "--xai-methods=gradient,ctrl_c", "--xai-metrics=wsl", *SMALL]
    pytester.makeconftest(INTERRUPTING_METHOD)
    pytester.runpytest(*args[:1], "--xai-methods=gradient", *args[2:], "--xai-update-baseline").assert_outcomes(passed=1)
    report, baseline = pytester.path / "reports" / "xai-report.json", pytester.path / "reports" / "baseline-smoke.json"
    before = report.read_bytes(), baseline.read_bytes()
    for extra in ([], ["--xai-update-baseline"]):
        result = pytester.runpytest_subprocess(*args, *extra)  # in-process, the interrupt would reach this test
        assert result.ret == pytest.ExitCode.INTERRUPTED
        assert (report.read_bytes(), baseline.read_bytes()) == before
        result.stdout.fnmatch_lines(["*pytest-xai: partial report written to *xai-report.partial.json: the run ended "
                                     "with exit status 2 (interrupted) after 1 of 2 selected cells; *untouched*"])
        partial = json.loads((pytester.path / "reports" / "xai-report.partial.json").read_text())
        assert partial["partial"].startswith("the run ended with exit status 2")
        assert [(c["method"], c.get("outcome")) for c in partial["cells"]] == [("gradient", "passed"), ("ctrl_c", None)]
    # the partial report is refused where a report is read
    refused = pytester.runpytest(*args[:1], "--xai-methods=gradient", *args[2:],
                                 "--xai-baseline=reports/xai-report.partial.json")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(["*--xai-baseline: *xai-report.partial.json: a partial report (the run ended*"])


STOPPING_CONFTEST = '''
import os

def pytest_xai_register(registry):
    @registry.method("wrong_shape", group="other")
    def wrong_shape(model, images, targets):
        return images

    @registry.method("dies", group="other")
    def dies(model, images, targets):
        os._exit(1)                 # a worker killed while it computes maps

def pytest_report_teststatus(report, config):   # a global hook: the grid's items live in pytest_xai/suite
    if os.environ.get("HOOK_RAISES") and report.when == "call":
        raise RuntimeError("a broken hook")
'''


@pytest.mark.parametrize(("how", "env", "status"), [
    (["--xai-methods=wrong_shape", "-x"], {}, pytest.ExitCode.TESTS_FAILED),
    (["--xai-methods=dies", "-n", "1", "--max-worker-restart=0"], {}, pytest.ExitCode.TESTS_FAILED),
    (["--xai-methods=gradient"], {"HOOK_RAISES": "1"}, pytest.ExitCode.INTERNAL_ERROR)],
    ids=["stopped by -x", "xdist worker lost", "exception in a hook"])
def test_a_run_that_stops_early_leaves_the_report_as_it_was(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                                            how: list[str], env: dict[str, str], status: int) -> None:
    """Two selected cells; the run ends after at most the first: the old report stays, a partial one says so."""
    pytester.makeconftest(STOPPING_CONFTEST)
    args = ["--xai-models=smoke-gap,smoke-flat", "--xai-metrics=wsl", *SMALL]
    pytester.runpytest_subprocess(*args, "--xai-methods=gradient").assert_outcomes(passed=2)
    report = pytester.path / "reports" / "xai-report.json"
    before = report.read_bytes()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = pytester.runpytest_subprocess(*args, *how)
    assert result.ret == status, result.stdout.str()
    assert report.read_bytes() == before
    partial = json.loads((pytester.path / "reports" / "xai-report.partial.json").read_text())
    assert "of 2 selected cells" in partial["partial"]
    assert "partial report written to" in result.stdout.str() + result.stderr.str()
    if "dies" in how[0]:
        lost = next(c for c in partial["cells"] if c["method"] == "dies" and "outcome" in c)
        assert lost["message"].startswith("worker 'gw0' crashed while running"), lost["message"]


def test_the_baseline_is_rewritten_only_by_a_whole_grid_without_failures(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('''
def pytest_xai_register(registry):
    @registry.method("wrong_shape", group="other")
    def wrong_shape(model, images, targets):
        return images
''')
    base = ["--xai-models=smoke-gap", "--xai-metrics=wsl", "--xai-update-baseline", *SMALL]
    baseline = pytester.path / "reports" / "baseline-smoke.json"
    for methods, extra, why in (
            ("gradient,wrong_shape", [], "1 cells failed"),
            ("gradient,gradcam", ["-k", "test_cell and gradcam"], "only 1 of the grid's 2 cells ran"),
            ("cam", ["--xai-models=smoke-flat"], "no cell passed")):
        result = pytester.runpytest(*base, f"--xai-methods={methods}", *extra)
        result.stdout.fnmatch_lines([f"*pytest-xai: baseline *baseline-smoke.json NOT rewritten: {why}*"])
        assert not baseline.exists()
    pytester.runpytest(*base, "--xai-methods=gradient,gradcam")
    assert baseline.exists()


@pytest.mark.parametrize(("content", "why"), [(None, "cannot read it"), ('{"a": 1}', "not a pytest-xai report")])
def test_a_baseline_that_is_not_a_report_is_a_usage_error(pytester: pytest.Pytester, content: str | None,
                                                          why: str) -> None:
    if content is not None:
        pytester.makefile(".json", bogus=content)
    result = pytester.runpytest("--xai-models=smoke-gap", "--xai-baseline=bogus.json", *SMALL)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--xai-baseline: *bogus.json: {why}*"])


def test_a_baseline_of_another_benchmark_or_seed_is_a_usage_error(pytester: pytest.Pytester) -> None:
    args = ["--xai-models=smoke-gap", "--xai-methods=gradient", "--xai-metrics=wsl", *SMALL]
    pytester.runpytest(*args, "--xai-report=base.json").assert_outcomes(passed=1)
    pytester.runpytest(*args, "--xai-baseline=base.json").assert_outcomes(passed=1)
    result = pytester.runpytest(*args, "--xai-baseline=base.json", "--xai-seed=1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--xai-baseline: *base.json is a report of benchmark 'smoke' at seed 0, "
                                 "this run is 'smoke' at seed 1*"])
    # The benchmark's default baseline (not named) is simply not used at another seed.
    (pytester.path / "reports").mkdir(exist_ok=True)
    (pytester.path / "base.json").rename(pytester.path / "reports" / "baseline-smoke.json")
    pytester.runpytest(*args, "--xai-seed=1").assert_outcomes(passed=1)
    assert report_of(pytester)["config"]["baseline"] is None


def test_a_shard_without_cells_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--xai-models=smoke-gap", "--xai-methods=gradient", "--xai-shard=2/2", *SMALL)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--xai-shard: shard 2/2 has no cells: the grid has 1 (model, method) group, *"])


def test_an_output_path_that_cannot_be_written_is_a_usage_error(pytester: pytest.Pytester) -> None:
    """Checked before any cell runs, so that no run does its work and then cannot write it."""
    pytester.makefile(".txt", store="not a folder")
    for option, value, why in (("cache-dir", "store.txt", "store.txt cannot be a folder: *store.txt is a file"),
                               ("cache-dir", "store.txt/inner", "inner cannot be a folder: *store.txt is a file"),
                               ("report", "store.txt/r.json", "store.txt cannot be a folder: *store.txt is a file"),
                               ("report", ".", "* is a folder, not a file name"),
                               ("report-html", "store.txt/page", "page cannot be a folder: *store.txt is a file"),
                               ("baseline", "store.txt/b.json", "store.txt cannot be a folder: *store.txt is a file")):
        extra = ["--xai-update-baseline"] if option == "baseline" else []
        result = pytester.runpytest("--xai-models=smoke-gap", f"--xai-{option}={value}", *extra, *SMALL)
        assert result.ret == pytest.ExitCode.USAGE_ERROR, (option, value)
        result.stderr.fnmatch_lines([f"ERROR: --xai-{option}: *{why}*"])
    # Without a grid (pytest-xai is installed for every pytest run) the store is never checked.
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    pytester.runpytest("--xai-cache-dir=store.txt/inner", "test_plain.py").assert_outcomes(passed=1)


def test_merged_shards_equal_the_unsharded_report(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(TWINS_CONFTEST)
    args = ["--xai-benchmark=smoke", "--xai-models=tiny,tiny-r", FAST_METHODS, "--xai-images=6",
            "-p", "no:cacheprovider"]
    whole = pytester.runpytest(*args, "--xai-report=whole.json")
    assert whole.parseoutcomes()["passed"] >= 16
    for k in (1, 2):
        shard = pytester.runpytest(*args, f"--xai-shard={k}/2", f"--xai-report=shard{k}.json",
                                   f"--xai-cache-dir=cache{k}")
        shard.assert_outcomes(passed=10, skipped=1)  # 2 of the 4 (model, method) groups; claims wait for merge
    shards = [report_of(pytester, f"shard{k}.json") for k in (1, 2)]
    assert {(c["model"], c["method"]) for c in shards[0]["cells"]}.isdisjoint(
        (c["model"], c["method"]) for c in shards[1]["cells"])
    from pytest_xai.cli import main

    assert main(["merge", str(pytester.path / "shard1.json"), str(pytester.path / "shard2.json"),
                 "-o", str(pytester.path / "merged.json")]) == 0
    merged, unsharded = report_of(pytester, "merged.json"), report_of(pytester, "whole.json")
    assert merged["claims"] and any(c["outcome"] != "skipped" for c in merged["claims"])
    strip = lambda r: {**without_run_dependent(r), "config": {k: v for k, v in without_run_dependent(r)["config"].items()  # noqa: E731
                                                        if k != "shard"}}
    assert strip(merged) == strip(unsharded)


def test_merge_refuses_reports_of_different_grids(pytester: pytest.Pytester) -> None:
    from pytest_xai.cli import main

    args = ["--xai-models=smoke-gap", "--xai-methods=gradient", "--xai-metrics=wsl", *SMALL]
    pytester.runpytest(*args, "--xai-report=a.json").assert_outcomes(passed=1)
    pytester.runpytest(*args, "--xai-seed=3", "--xai-report=b.json").assert_outcomes(passed=1)
    a, b = str(pytester.path / "a.json"), str(pytester.path / "b.json")
    with pytest.raises(SystemExit, match=re.escape(f"{b} differs from {a} in config.seed: 3 vs 0")):
        main(["merge", a, b, "-o", "m.json"])
    with pytest.raises(SystemExit, match=re.escape(f"cell smoke-gap-gradient-wsl is in two reports (the second is {a})")):
        main(["merge", a, a, "-o", "m.json"])
    with pytest.raises(SystemExit, match=re.escape(f"{a} is benchmark 'smoke' at seed 0, {b} is 'smoke' at seed 3: "
                                                   "their images differ")):
        main(["compare", a, b])


VIEW_CONFTEST = '''
import torch
from pytest_xai.benchmarks.base import ModelSpec

class ViewNet(torch.nn.Module):
    """Flattens its activations with ``view``, which fails on a channels_last tensor."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 2, 3, padding=1)
        self.fc = torch.nn.Linear(2 * 32 * 32, 3)

    def forward(self, x):
        y = self.conv(x)
        return self.fc(y.view(y.shape[0], -1))

def pytest_xai_register(registry):
    torch.manual_seed(0)
    registry.add_model(ModelSpec(name="viewnet", benchmark="smoke", arch="viewnet", training="untrained",
                                 loader=lambda: ViewNet().eval(), weights="random", cam_layer="conv"))
'''


def test_a_users_model_runs_in_its_own_memory_format(pytester: pytest.Pytester) -> None:
    """Only the zoos we ship (known to work in channels_last) are switched to it."""
    pytester.makeconftest(VIEW_CONFTEST)
    result = pytester.runpytest("--xai-models=viewnet", "--xai-methods=gradient", "--xai-metrics=pointing_game",
                                *SMALL)
    result.assert_outcomes(passed=1)


def test_the_documented_benchmark_example_runs_through_the_grid(pytester: pytest.Pytester) -> None:
    docs = (Path(__file__).parents[1] / "docs" / "extending.md").read_text()
    section = docs.split("## A benchmark of your own", 1)[1]
    pytester.makeconftest(section.split("```python\n", 1)[1].split("```", 1)[0])
    result = pytester.runpytest("--xai-benchmark=squares", "--xai-models=all", "--xai-methods=gradient,gradcam",
                                "--xai-metrics=pointing_game", "-p", "no:cacheprovider", "-k", "test_cell")
    result.assert_outcomes(passed=2)
    report = report_of(pytester)
    assert report["config"]["benchmark"] == "squares" and [m["name"] for m in report["models"]] == ["tiny"]
    assert [c["n"] for c in report["cells"]] == [8, 8]


EDGE_DETECTOR = '''
import torch

def pytest_xai_register(registry):
    @registry.method("edges", group="gradient")
    def edges(model, images, targets):
        """The image's own edges: good-looking maps that ignore the model."""
        gray = images.mean(dim=1)
        dx = torch.zeros_like(gray)
        dx[:, :, 1:] = (gray[:, :, 1:] - gray[:, :, :-1]).abs()
        return dx
'''


def test_the_attack_metrics_and_b1_run_through_the_grid(pytester: pytest.Pytester) -> None:
    """Named, the attack metrics score every cell (the default leaves them out) and B1 gets their scores."""
    pytester.makeconftest(TWINS_CONFTEST)
    result = pytester.runpytest("--xai-benchmark=smoke", "--xai-models=tiny,tiny-r", FAST_METHODS,
                                "--xai-metrics=attack", "--xai-claims=B1", "--xai-images=8", "-p", "no:cacheprovider")
    report = report_of(pytester)
    assert {(c["model"], c["method"], c["metric"]) for c in report["cells"]} == {
        (m, method, metric) for m in ("tiny", "tiny-r") for method in ("gradient", "gradcam")
        for metric in ("discrepancy_l1", "discrepancy_topk", "attack_success")}
    assert all(c["outcome"] == "passed" and c["n"] == 8 for c in report["cells"])
    success = {(c["model"], c["method"]): c["scores"] for c in report["cells"] if c["metric"] == "attack_success"}
    assert success[("tiny", "gradient")] == success[("tiny", "gradcam")]     # the attack ignores the method
    (claim,) = report["claims"]
    assert claim["id"] == "B1" and claim["verdict"] in ("holds", "does not hold", "inconclusive")
    assert set(claim["details"]) >= {"gradient discrepancy_l1", "gradcam discrepancy_topk"}
    result.assert_outcomes(**{"passed": 12 + (claim["outcome"] == "passed"),
                              "failed": int(claim["outcome"] == "failed"),
                              "skipped": int(claim["outcome"] == "inconclusive")})


def test_a_registered_explainer_that_ignores_the_model_fails_the_sanity_check(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(EDGE_DETECTOR)
    result = pytester.runpytest("--xai-benchmark=smoke", "--xai-models=all", "--xai-methods=gradient,edges",
                                "--xai-metrics=randomization", "--xai-claims=S1", "--xai-images=16",
                                "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, failed=1)
    report = report_of(pytester)
    means = {(c["model"], c["method"]): c["mean"] for c in report["cells"]}
    assert means[("smoke-gap", "edges")] == means[("smoke-flat", "edges")] == 1.0
    assert max(means[(m, "gradient")] for m in ("smoke-gap", "smoke-flat")) < 0.5
    (claim,) = report["claims"]
    assert claim["verdict"] == "does not hold"
    assert claim["details"]["failing"] == ["smoke-gap / edges", "smoke-flat / edges"]
