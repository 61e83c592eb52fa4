"""A run's settings, validated once, without pytest: the plugin (``--xai-*`` options and
ini keys) and the Python API build the same :class:`XaiConfig` here, so a bad value is
refused the same way, before anything runs, with a message naming the setting."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Mapping

PROFILES = ("auto", "fast", "paper")
SUBSETS = ("auto", "cl", "random")
_DEVICE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")
# Every metric but the sanity checks and the attack metrics, which compute every map twice, the
# boundary metric, which attacks every image, and the class images, which load every other model
# as a judge; name them (or ``all``) to run them.
DEFAULT_METRICS = "all,-sanity,-attack,-boundary,-synthesis"
# The paper's nine methods: the boundary attributions (BIG, AGI) attack every image, so
# they run when named.
DEFAULT_METHODS = "all,-boundary"


class SettingsError(ValueError):
    """A setting with a value that is not allowed; the message names the setting and the value."""


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
    baseline_margin: float = 0.01
    report_html: Path | None = None
    shard: tuple[int, int] | None = None
    imagenet_root: Path | None = None
    weights_dir: Path | None = None
    require_all: bool = False
    threads: int | None = None
    batch_memory: int | None = None     # bytes one forward may hold (pytest_xai.batching)


def option_name(setting: str) -> str:
    """How the command line spells a setting (``cache-dir`` -> ``--xai-cache-dir``)."""
    return f"--xai-{setting}"


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


def _shard(raw: str) -> tuple[int, int]:
    k, n = (int(part) for part in raw.split("/"))
    if not 1 <= k <= n:
        raise ValueError(raw)
    return k, n


_MEMORY = re.compile(r"^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)?$", re.IGNORECASE)
_UNITS = {"b": 1, **{unit: 1000 ** (i + 1) for i, unit in enumerate(("kb", "mb", "gb", "tb"))},
          **{unit: 1024 ** (i + 1) for i, unit in enumerate(("kib", "mib", "gib", "tib"))}}


def _memory(raw: str) -> int:
    """Bytes from a size: a number and an optional unit (KB, MB, GB, TB are powers of 1000,
    KiB, MiB, GiB, TiB of 1024; none: bytes), e.g. ``2GiB``; ``2G`` and ``1e9`` are refused."""
    match = _MEMORY.match(raw)
    if not match:
        raise ValueError(raw)
    value = int(float(match[1]) * _UNITS[(match[2] or "b").lower()])
    if value < 1:
        raise ValueError(raw)
    return value


def _probability(raw: str) -> float:
    value = float(raw)
    if not 0.0 < value < 1.0:
        raise ValueError(raw)
    return value


def _non_negative(raw: str) -> float:
    value = float(raw)
    if not 0.0 <= value < math.inf:
        raise ValueError(raw)
    return value


def default_baseline(root: Path, benchmark: str) -> Path:
    """Where a benchmark's committed baseline lives."""
    return root / "reports" / f"baseline-{benchmark}.json"


def settings_from(values: Mapping[str, str], *, root: Path, update_baseline: bool = False,
                  require_all: bool = False, name: Callable[[str], str] = option_name) -> XaiConfig:
    """The settings from their text values (keys as the options without ``--xai-``: ``models``,
    ``cache-dir``, ...; a missing or empty value is the default), paths relative to ``root``.
    ``name`` spells a setting in error messages. Raises SettingsError for a bad value."""

    def text(key: str, default: str = "") -> str:
        return str(values.get(key) or default).strip()

    def parsed(key: str, convert: Callable[[str], Any], valid: str, default: str = "") -> Any:
        raw = text(key, default)
        if not raw:
            return None
        try:
            return convert(raw)
        except ValueError:
            raise SettingsError(f"{name(key)}: invalid value {raw!r}; expected {valid}") from None

    def path(key: str, default: str = "") -> Path | None:
        raw = text(key, default)
        return root / Path(raw).expanduser() if raw else None

    device = text("device", "auto")
    if not _DEVICE.match(device):
        raise SettingsError(f"{name('device')}: invalid value {device!r}; expected auto, cpu, cuda or cuda:N")
    if device.startswith("cuda"):
        _check_cuda(device, name)
    for key, allowed in (("profile", PROFILES), ("subset", SUBSETS)):
        if text(key, "auto") not in allowed:
            raise SettingsError(f"{name(key)}: invalid value {text(key)!r}; expected {', '.join(allowed)}")
    benchmark = text("benchmark", "mini")
    baseline = text("baseline")
    if baseline == "none" and update_baseline:
        raise SettingsError(f"{name('update-baseline')} needs a baseline path, not 'none'")
    default = default_baseline(root, benchmark)
    return XaiConfig(
        models=text("models"), methods=text("methods", DEFAULT_METHODS), metrics=text("metrics", DEFAULT_METRICS),
        claims=text("claims", "all"), benchmark=benchmark, device=device,
        profile=text("profile", "auto"), subset=text("subset", "auto"),
        images=parsed("images", _positive_int, "a positive integer"),
        seed=parsed("seed", _seed, "a non-negative integer", "0"),
        report=root / text("report", "reports/xai-report.json"),
        cache_dir=root / text("cache-dir", ".xai-cache"),
        report_html=path("report-html"),
        baseline=(None if baseline == "none" else root / baseline if baseline else
                  default if update_baseline or default.exists() else None),
        update_baseline=update_baseline,
        shard=parsed("shard", _shard, "K/N with 1 <= K <= N"),
        baseline_alpha=parsed("baseline-alpha", _probability, "a number in (0, 1)", "0.01"),
        baseline_margin=parsed("baseline-margin", _non_negative, "a finite number >= 0", "0.01"),
        imagenet_root=path("imagenet-root"), weights_dir=path("weights-dir"),
        require_all=require_all,
        threads=parsed("threads", _positive_int, "a positive integer"),
        batch_memory=parsed("batch-memory", _memory, "a size such as 2GiB or 512MB"),
    )


def _check_cuda(device: str, name: Callable[[str], str]) -> None:
    """A device that names CUDA must exist here: asking for it is not "use it if present"
    (that is ``auto``), so its absence is an error, not a run of skipped cells."""
    import torch

    if not torch.cuda.is_available():
        raise SettingsError(f"{name('device')}: {device!r} asked for CUDA, which this machine does not have "
                            f"(torch {torch.__version__} sees no GPU); use auto to take CUDA only when present")
    index = int(device.partition(":")[2] or 0)
    if index >= torch.cuda.device_count():
        raise SettingsError(f"{name('device')}: invalid value {device!r}; this machine has "
                            f"{torch.cuda.device_count()} CUDA device(s), cuda:0 to cuda:{torch.cuda.device_count() - 1}")


def _check_folder(setting: str, path: Path, purpose: str, name: Callable[[str], str]) -> None:
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        raise SettingsError(f"{name(setting)}: {path} cannot be a folder: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise SettingsError(f"{name(setting)}: {existing} is not writable ({purpose})")


def check_output_paths(cfg: XaiConfig, write_report: bool = True, name: Callable[[str], str] = option_name) -> None:
    """The store, the report, the page and a baseline to be written must be writable (checked
    before any cell runs, so that a run does not do its work and then fail to write it)."""
    _check_folder("cache-dir", cfg.cache_dir, "the score store writes there", name)
    files = (("report", cfg.report if write_report else None),
             ("baseline", cfg.baseline if cfg.update_baseline else None))
    for setting, file in files:
        if file is None:
            continue
        if file.is_dir():
            raise SettingsError(f"{name(setting)}: {file} is a folder, not a file name")
        _check_folder(setting, file.parent, "the report is written there", name)
    if cfg.report_html is not None:
        _check_folder("report-html", cfg.report_html, "the page is written there", name)


def check_baseline(cfg: XaiConfig, named: bool, name: Callable[[str], str] = option_name) -> XaiConfig:
    """The settings with a baseline that can serve this run: a named one must be a complete
    report of this benchmark and seed (else SettingsError); the benchmark's committed default
    is simply not used at another seed."""
    from pytest_xai.report.schema import ReportError, read_report

    if cfg.baseline is None or cfg.update_baseline:
        return cfg
    try:
        baseline = read_report(cfg.baseline)
    except ReportError as exc:
        raise SettingsError(f"{name('baseline')}: {exc}") from None
    theirs = {k: baseline["config"].get(k) for k in ("benchmark", "seed")}
    if theirs == {"benchmark": cfg.benchmark, "seed": cfg.seed}:
        return cfg
    if named:
        raise SettingsError(
            f"{name('baseline')}: {cfg.baseline} is a report of benchmark {theirs['benchmark']!r} at seed "
            f"{theirs['seed']}, this run is {cfg.benchmark!r} at seed {cfg.seed}: its images are not these")
    return replace(cfg, baseline=None)
