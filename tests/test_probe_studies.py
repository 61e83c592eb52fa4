"""The probe studies' glue: saved per-image scores reach the claims' rules intact; the zoo's
retraining time packs its jobs as the process pool does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studies.generator_probe import f1_verdicts, pair_table, saved_scores
from studies.zoo_train_time import pool_wall

METHODS = ("gradient", "integrated_gradients", "shap", "gradcam", "cam")


def _save_probe(root: Path, tag: str, hit_rate: float, n: int = 400) -> None:
    rng = np.random.default_rng(len(tag))
    scores = {f"{method}_{metric}_resnet": (rng.random(n) < hit_rate).astype(float)
              for method in METHODS for metric in ("pointing_game", "wsl")}
    scores["gradient_pointing_game_resnet-r"] = np.ones(n)     # a twin's scores, not the vanilla model's
    (root / "runs" / "probes" / tag).mkdir(parents=True)
    np.savez(root / "runs" / "probes" / tag / "probe.npz", cl=np.ones(n, bool), **scores)


def test_saved_scores_reads_one_models_scores_and_keeps_the_first_n(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _save_probe(tmp_path, "a", 0.5)
    monkeypatch.chdir(tmp_path)
    scores = saved_scores("a", "resnet", 128)
    assert set(scores) == {(method, metric) for method in METHODS for metric in ("pointing_game", "wsl")}
    assert all(len(s) == 128 for s in scores.values())
    assert scores["gradient", "pointing_game"].mean() < 1     # not the twin's all-ones scores


def test_f1a_holds_only_when_the_twin_localizes_better() -> None:
    rng = np.random.default_rng(0)
    draw = lambda rate: (rng.random(400) < rate).astype(float)  # noqa: E731
    keys = [(method, metric) for method in METHODS for metric in ("pointing_game", "wsl")]
    better = f1_verdicts(pair_table({key: [draw(0.5), draw(0.9)] for key in keys}))
    alike = f1_verdicts(pair_table({key: [draw(0.7), draw(0.7)] for key in keys}))
    assert better[0].startswith("F1a: holds")
    assert alike[0].startswith("F1a: ") and not alike[0].startswith("F1a: holds")


def test_jobs_go_in_order_to_the_worker_that_frees_first() -> None:
    """Two workers busy 1 s first: 3 s and 2 s start at 1; the 2 s job's worker takes the next
    2 s (ends at 5), the other the 1 s job (ends at 5)."""
    assert pool_wall([3.0, 2.0, 2.0, 1.0], workers=2, start=1.0) == 5.0
    assert pool_wall([3.0, 2.0, 2.0, 1.0], workers=1) == 8.0
    assert pool_wall([], workers=2, start=0.5) == 0.5
