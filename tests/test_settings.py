"""The run's settings: defaults, and the folder checks that a pytester run cannot reach."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_xai.settings import SettingsError, check_output_paths, settings_from


def test_defaults_are_those_of_the_options(tmp_path: Path) -> None:
    cfg = settings_from({}, root=tmp_path)
    assert (cfg.models, cfg.methods, cfg.benchmark, cfg.device, cfg.profile, cfg.seed, cfg.images) == \
        ("", "all", "mini", "auto", "auto", 0, None)
    assert cfg.report == tmp_path / "reports" / "xai-report.json" and cfg.baseline is None
    assert settings_from({}, root=tmp_path, update_baseline=True).baseline == tmp_path / "reports" / "baseline-mini.json"


def test_a_read_only_store_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as root, for whom chmod does not make a folder read-only: os.access says it."""
    store = tmp_path / "store"
    store.mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != store)
    cfg = settings_from({"cache-dir": "store"}, root=tmp_path)
    with pytest.raises(SettingsError, match=f"--xai-cache-dir: {store} is not writable"):
        check_output_paths(cfg)
    with pytest.raises(SettingsError, match=f"cache_dir: {store} is not writable"):
        check_output_paths(cfg, name=lambda setting: setting.replace("-", "_"))
