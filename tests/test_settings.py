"""The run's settings: defaults, and the folder checks that a pytester run cannot reach."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_xai.settings import SettingsError, check_output_paths, settings_from


def test_defaults_are_those_of_the_options(tmp_path: Path) -> None:
    cfg = settings_from({}, root=tmp_path)
    assert (cfg.models, cfg.methods, cfg.benchmark, cfg.device, cfg.profile, cfg.seed, cfg.images) == \
        ("", "all,-boundary", "mini", "auto", "auto", 0, None)
    assert cfg.report == tmp_path / "reports" / "xai-report.json" and cfg.baseline is None
    assert settings_from({}, root=tmp_path, update_baseline=True).baseline == tmp_path / "reports" / "baseline-mini.json"


def test_the_default_grid_is_the_papers_methods_and_the_cheap_metrics(tmp_path: Path) -> None:
    """BIG and boundary alignment (they attack every image) and the metrics that compute every
    map twice run when named."""
    from pytest_xai.selection import select_grid
    from pytest_xai.session import base_registry

    registry = base_registry()
    grid = select_grid(registry, settings_from({"models": "resnet"}, root=tmp_path))
    assert list(grid.methods) == ["gradient", "integrated_gradients", "shap", "gradcam", "cam",
                                              "rise", "lime", "mp", "ep"]
    assert list(grid.metrics) == ["pointing_game", "wsl", "insertion", "deletion", "concentration"]
    named = select_grid(registry, settings_from({"models": "resnet", "methods": "big", "metrics": "attack"},
                                                root=tmp_path))
    assert list(named.methods) == ["big"]
    assert list(named.metrics) == ["discrepancy_l1", "discrepancy_topk", "attack_success"]


@pytest.mark.parametrize("n", [2, 3, 5, 9, 12, 13])
def test_shards_split_every_methods_groups_evenly(n: int) -> None:
    """Each method's (model, method) groups spread over the shards (at most one more in one
    shard than in another), so a costly method does not pile up in one shard; together the
    shards hold every cell once, each under its whole-grid index."""
    from pytest_xai.selection import Grid

    models, methods = tuple(f"m{i}" for i in range(12)), tuple(f"x{j}" for j in range(9))
    whole = Grid("b", models, methods, ("pg", "wsl")).cells
    shards = [Grid("b", models, methods, ("pg", "wsl"), shard=(k, n)).cells for k in range(1, n + 1)]
    assert sorted((c for shard in shards for c in shard), key=lambda c: c.index) == list(whole)
    for method in methods:
        per_shard = [len({c.model for c in shard if c.method == method}) for shard in shards]
        assert max(per_shard) - min(per_shard) <= 1, (method, per_shard)


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
