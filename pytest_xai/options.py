"""The ``--xai-*`` command-line options and their ini twins, read into the run's settings
(validated in ``pytest_xai.settings``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_xai.settings import DEFAULT_METHODS, DEFAULT_METRICS, SettingsError, XaiConfig, settings_from

# (option without its --xai- prefix, help, default as the ini would spell it)
OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("models", "selector of models; setting it turns the grid on (e.g. all, vanilla, 'resnet*,-resnet-r')", ""),
    ("methods", "selector of methods (e.g. all, gradient, cam, perturbation, gradcam; default: the paper's nine, "
                "all but the boundary attributions BIG and AGI, which attack every image)", DEFAULT_METHODS),
    ("metrics", "selector of metrics (e.g. all, localization, causal, pointing_game; default: all but the "
                "sanity checks, the attack and boundary metrics and the class images, which compute every map "
                "twice, attack every image or load every other model as a judge)", DEFAULT_METRICS),
    ("claims", "selector of the claims checked when the grid is on (e.g. all, F1a,F3, S1)", "all"),
    ("benchmark", "benchmark to run on", "mini"),
    ("device", "auto | cpu | cuda | cuda:N (auto: cuda when available, else cpu)", "auto"),
    ("profile", "method and metric budgets: paper (the paper's) | fast (capped) | auto (fast on CPU, paper on CUDA)",
     "auto"),
    ("images", "images per model, the same for every cell (default: the benchmark's own, more for "
               "cheap localization cells)", ""),
    ("subset", "cl (images the model's vanilla/robust pair both classify correctly, as the paper's "
               "ImageNet-CL) | random | auto (the benchmark's default)", "auto"),
    ("seed", "seed of every random choice (images, random maps, methods)", "0"),
    ("report", "where the JSON report is written", "reports/xai-report.json"),
    ("report-html", "also write the report's page (tables and figures) into this folder", ""),
    ("cache-dir", "the score store's directory", ".xai-cache"),
    ("shard", "K/N: run only the K-th of N deterministic slices of the grid, whole (model, method) groups "
              "(merge the N reports with `pytest-xai merge`)", ""),
    ("imagenet-root", "ILSVRC2012 folder for --xai-benchmark=imagenet (val images and box annotations)", ""),
    ("weights-dir", "folder of local checkpoint files (looked up before $TORCH_HOME/hub/checkpoints)", ""),
    ("baseline", "a report whose cells are the floor: a cell worse than its entry (significantly, and by more "
                 "than --xai-baseline-margin) fails "
                 "(default: reports/baseline-BENCHMARK.json when it exists; 'none' for no baseline)", ""),
    ("baseline-alpha", "significance level of the one-sided baseline test", "0.01"),
    ("baseline-margin", "the drop of a cell's mean (in the metric's units) below its baseline entry's that a "
                        "significant difference must exceed to fail the cell", "0.01"),
    ("threads", "torch threads per process (default: the machine's cores / the number of xdist workers, "
                "so that workers do not oversubscribe the cores)", ""),
    ("batch-memory", "memory one forward may hold, e.g. 20GiB on a GPU: every method's and metric's batch "
                     "size follows from it and each model's bytes per input (default: their fixed batch sizes)", ""),
)

def ini_name(option: str) -> str:
    return "xai_" + option.replace("-", "_")


def add_options(parser: pytest.Parser) -> None:
    """Register every ``--xai-*`` option and its ini twin."""
    group = parser.getgroup("xai", "explainability benchmark (pytest-xai)")
    for option, help_text, default in OPTIONS:
        group.addoption(f"--xai-{option}", dest=ini_name(option), default=None,
                        help=f"{help_text} [ini: {ini_name(option)}; default: {default or 'unset'}]")
        parser.addini(ini_name(option), help_text, default=default)
    group.addoption("--xai-update-baseline", action="store_true", default=False,
                    help="write this run's report as the baseline (the --xai-baseline path, or "
                         "reports/baseline-BENCHMARK.json) instead of comparing with it")
    group.addoption("--xai-require-all", action="store_true", default=False,
                    help="a missing local file (images, boxes, weights) is an error instead of a skip")
    group.addoption("--xai-list", action="store_true", default=False,
                    help="list every registered benchmark, model, method and metric with its tags, then exit")


def _value(config: pytest.Config, option: str) -> str:
    value = config.getoption(ini_name(option))
    return str(value if value is not None else config.getini(ini_name(option))).strip()


def read_config(config: pytest.Config) -> XaiConfig:
    """The settings of the command line and ini file; a bad value is a pytest UsageError
    that names the option and the value."""
    try:
        return settings_from({option: _value(config, option) for option, _, _ in OPTIONS},
                             root=Path(config.rootpath),
                             update_baseline=bool(config.getoption("xai_update_baseline")),
                             require_all=bool(config.getoption("xai_require_all")))
    except SettingsError as exc:
        raise pytest.UsageError(str(exc)) from None
