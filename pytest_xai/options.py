"""Command-line and ini options, parsed into one frozen config."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

# (option without its --xai- prefix, help, default as the ini would spell it)
OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("models", "selector of models; setting it turns the grid on (e.g. all, vanilla, 'resnet*,-resnet-r')", ""),
    ("methods", "selector of methods (e.g. all, gradient, cam, perturbation, gradcam)", "all"),
    ("metrics", "selector of metrics (e.g. all, localization, causal, pointing_game)", "all"),
    ("claims", "selector of the paper's claims checked when the grid is on (e.g. all, F1a,F3)", "all"),
    ("benchmark", "benchmark to run on", "mini"),
    ("device", "auto | cpu | cuda | cuda:N (auto: cuda when available, else cpu)", "auto"),
    ("profile", "method budgets: paper (the paper's) | fast (capped) | auto (fast on CPU, paper on CUDA)",
     "auto"),
    ("images", "images per model (default: the benchmark's own)", ""),
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
    ("baseline", "a report whose cells are the floor: a cell significantly worse than its entry fails "
                 "(default: reports/baseline-BENCHMARK.json when it exists; 'none' for no baseline)", ""),
    ("baseline-alpha", "significance level of the one-sided baseline test", "0.01"),
    ("threads", "torch threads per process (default: the machine's cores / the number of xdist workers, "
                "so that workers do not oversubscribe the cores)", ""),
)

PROFILES = ("auto", "fast", "paper")
SUBSETS = ("auto", "cl", "random")
_DEVICE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


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


@dataclass(frozen=True)
class XaiConfig:
    """The run's settings, validated. ``models`` empty means the grid is off."""

    models: str
    methods: str
    metrics: str
    claims: str
    benchmark: str
    device: str
    profile: str
    subset: str
    images: int | None
    seed: int
    report: Path
    cache_dir: Path
    baseline: Path | None
    baseline_alpha: float
    update_baseline: bool = False
    report_html: Path | None = None
    shard: tuple[int, int] | None = None
    imagenet_root: Path | None = None
    weights_dir: Path | None = None
    require_all: bool = False
    threads: int | None = None


def _value(config: pytest.Config, option: str) -> str:
    value = config.getoption(ini_name(option))
    return str(value if value is not None else config.getini(ini_name(option))).strip()


def _parse(option: str, raw: str, convert: Callable[[str], Any], valid: str) -> Any:
    try:
        return convert(raw)
    except ValueError:
        raise pytest.UsageError(f"--xai-{option}: invalid value {raw!r}; expected {valid}") from None


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError(raw)
    return value


def _seed(raw: str) -> int:
    value = int(raw)
    if value < 0:  # numpy's and torch's generators take no negative seeds
        raise ValueError(raw)
    return value


def _check_cuda(device: str) -> None:
    """A device that names CUDA must exist here: asking for it is not "use it if present"
    (that is ``auto``), so its absence is a usage error, not a run of skipped cells."""
    import torch

    if not torch.cuda.is_available():
        raise pytest.UsageError(f"--xai-device: {device!r} asked for CUDA, which this machine does not have "
                                f"(torch {torch.__version__} sees no GPU); use auto to take CUDA only when present")
    index = int(device.partition(":")[2] or 0)
    if index >= torch.cuda.device_count():
        raise pytest.UsageError(f"--xai-device: invalid value {device!r}; this machine has "
                                f"{torch.cuda.device_count()} CUDA device(s), cuda:0 to cuda:{torch.cuda.device_count() - 1}")


def _shard(raw: str) -> tuple[int, int]:
    k, n = (int(part) for part in raw.split("/"))
    if not 1 <= k <= n:
        raise ValueError(raw)
    return k, n


def _probability(raw: str) -> float:
    value = float(raw)
    if not 0.0 < value < 1.0:
        raise ValueError(raw)
    return value


def default_baseline(root: Path, benchmark: str) -> Path:
    """Where a benchmark's committed baseline lives."""
    return root / "reports" / f"baseline-{benchmark}.json"


def _baseline_path(root: Path, value: str, benchmark: str, update: bool) -> Path | None:
    """The baseline named, else the benchmark's default if it exists (or is to be written)."""
    if value == "none":
        if update:
            raise pytest.UsageError("--xai-update-baseline needs a baseline path, not 'none'")
        return None
    if value:
        return root / value
    path = default_baseline(root, benchmark)
    return path if update or path.exists() else None


def check_folder(option: str, path: Path, purpose: str) -> None:
    """``path`` must be, or be creatable as, a writable folder (checked before any cell runs,
    so that a run does not do its work and then fail to write it)."""
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        raise pytest.UsageError(f"--xai-{option}: {path} cannot be a folder: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise pytest.UsageError(f"--xai-{option}: {existing} is not writable ({purpose})")


def check_output_paths(cfg: XaiConfig) -> None:
    """The store, the report, the page and a baseline to be written can all be written."""
    check_folder("cache-dir", cfg.cache_dir, "the score store writes there")
    for option, file in (("report", cfg.report), ("baseline", cfg.baseline if cfg.update_baseline else None)):
        if file is None:
            continue
        if file.is_dir():
            raise pytest.UsageError(f"--xai-{option}: {file} is a folder, not a file name")
        check_folder(option, file.parent, "the report is written there")
    if cfg.report_html is not None:
        check_folder("report-html", cfg.report_html, "the page is written there")


def read_config(config: pytest.Config) -> XaiConfig:
    """Validate the options (a pytest UsageError names the bad value)."""
    device = _value(config, "device")
    if not _DEVICE.match(device):
        raise pytest.UsageError(f"--xai-device: invalid value {device!r}; expected auto, cpu, cuda or cuda:N")
    if device.startswith("cuda"):
        _check_cuda(device)
    profile = _value(config, "profile")
    if profile not in PROFILES:
        raise pytest.UsageError(f"--xai-profile: invalid value {profile!r}; expected {', '.join(PROFILES)}")
    subset = _value(config, "subset")
    if subset not in SUBSETS:
        raise pytest.UsageError(f"--xai-subset: invalid value {subset!r}; expected {', '.join(SUBSETS)}")
    images = _value(config, "images")
    baseline = _value(config, "baseline")
    update = bool(config.getoption("xai_update_baseline"))
    shard = _value(config, "shard")
    imagenet_root, weights_dir = _value(config, "imagenet-root"), _value(config, "weights-dir")
    root = Path(config.rootpath)
    return XaiConfig(
        models=_value(config, "models"),
        methods=_value(config, "methods"),
        metrics=_value(config, "metrics"),
        claims=_value(config, "claims"),
        benchmark=_value(config, "benchmark"),
        device=device,
        profile=profile,
        subset=subset,
        images=_parse("images", images, _positive_int, "a positive integer") if images else None,
        seed=_parse("seed", _value(config, "seed"), _seed, "a non-negative integer"),
        report=root / _value(config, "report"),
        cache_dir=root / _value(config, "cache-dir"),
        report_html=root / _value(config, "report-html") if _value(config, "report-html") else None,
        baseline=_baseline_path(root, baseline, _value(config, "benchmark"), update),
        update_baseline=update,
        shard=_parse("shard", shard, _shard, "K/N with 1 <= K <= N") if shard else None,
        baseline_alpha=_parse("baseline-alpha", _value(config, "baseline-alpha"), _probability,
                              "a number in (0, 1)"),
        imagenet_root=root / Path(imagenet_root).expanduser() if imagenet_root else None,
        weights_dir=root / Path(weights_dir).expanduser() if weights_dir else None,
        require_all=bool(config.getoption("xai_require_all")),
        threads=_parse("threads", _value(config, "threads"), _positive_int, "a positive integer")
        if _value(config, "threads") else None,
    )
