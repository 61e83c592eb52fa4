"""`pytest-xai compare` and `merge` on hand-made reports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pytest_xai.cli import main
from pytest_xai.report.baseline import load_baseline
from pytest_xai.report.compare import compare_reports, format_comparison
from pytest_xai.report.schema import CellRecord, Report, ReportError
from tests import factories
from tests.factories import cell

IDS = [f"img-{i}" for i in range(30)]


def report(cells: list[CellRecord]) -> Report:
    return factories.report(cells, IDS)


HITS = [1.0] * 24 + [0.0] * 6
BASE = report([cell("m", "gradient", "wsl", HITS), cell("m", "gradcam", "wsl", HITS),
               cell("m", "gradcam", "deletion", [0.2] * 30, higher=False)])


def test_a_cell_that_got_worse_comes_first_and_fails() -> None:
    new = report([cell("m", "gradient", "wsl", HITS),
                  cell("m", "gradcam", "wsl", [1.0] * 8 + [0.0] * 22),           # lost 16 hits
                  cell("m", "gradcam", "deletion", [0.1] * 30, higher=False),     # better: lower deletion
                  cell("m", "mine", "wsl", HITS)])                                # new explainer
    rows = compare_reports(BASE, new, alpha=0.01, margin=0.01)
    assert [(r["method"], r["metric"], r["worse"]) for r in rows][0] == ("gradcam", "wsl", True)
    assert sum(r["worse"] for r in rows) == 1
    by_key = {(r["method"], r["metric"]): r for r in rows}
    assert by_key[("gradcam", "wsl")]["test"] == "wilcoxon" and by_key[("gradcam", "wsl")]["p_value"] < 0.01
    assert by_key[("gradcam", "deletion")]["improvement"] == pytest.approx(0.1)  # positive = better
    assert by_key[("gradient", "wsl")]["p_value"] == 1.0  # identical scores
    assert by_key[("mine", "wsl")]["base_mean"] is None
    text = format_comparison(rows, alpha=0.01, margin=0.01)
    assert "WORSE" in text.splitlines()[2] and "1 of 4 cells worse" in text


def test_compare_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, same, worse = tmp_path / "base.json", tmp_path / "same.json", tmp_path / "worse.json"
    base.write_text(json.dumps(BASE))
    same.write_text(json.dumps(BASE))
    worse.write_text(json.dumps(report([cell("m", "gradient", "wsl", [0.0] * 30)])))
    assert main(["compare", str(base), str(same)]) == 0
    assert main(["compare", str(base), str(worse)]) == 1
    assert "1 of 1 cells worse (significant at alpha 0.01, a drop of more than 0.01)" in capsys.readouterr().out


def test_compare_flags_baseline_cells_missing_from_the_new_report(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    base, narrow = tmp_path / "base.json", tmp_path / "narrow.json"
    base.write_text(json.dumps(BASE))
    narrow.write_text(json.dumps({**BASE, "cells": BASE["cells"][:1]}))
    assert main(["compare", str(base), str(narrow)]) == 1
    missing = len([c for c in BASE["cells"][1:] if c.get("scores")])
    assert f"{missing} cells of {base} have no scores in {narrow}: " in capsys.readouterr().out
    assert main(["compare", str(base), str(narrow), "--allow-missing"]) == 0
    assert "(allowed by --allow-missing)" in capsys.readouterr().out


@pytest.mark.parametrize("alpha", ["2", "0", "-0.1", "nan", "one"])
def test_compare_refuses_an_alpha_outside_0_1(tmp_path: Path, capsys: pytest.CaptureFixture[str], alpha: str) -> None:
    base = tmp_path / "base.json"
    base.write_text(json.dumps(BASE))
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", str(base), str(base), "--alpha", alpha])
    assert exit_info.value.code == 2
    assert f"invalid value {alpha!r}: a significance level is in (0, 1)" in capsys.readouterr().err


@pytest.mark.parametrize(("content", "why"), [
    (None, "cannot read it (No such file or directory)"),
    ("", "not JSON"),
    ("{not json", "not JSON"),
    ("[1, 2]", "not a pytest-xai report (no 'schema' field)"),
    ("{}", "not a pytest-xai report (no 'schema' field)"),
    (json.dumps({**BASE, "schema": "pytest-xai/0"}), "schema 'pytest-xai/0'; this pytest-xai reads 'pytest-xai/1'"),
    (json.dumps({**BASE, "partial": "interrupted"}), "a partial report (interrupted)"),
    (json.dumps({k: v for k, v in BASE.items() if k != "config"}),
     "not a complete pytest-xai report (missing or malformed: 'config', 'config.benchmark', "),
    (json.dumps({**BASE, "cells": [{k: v for k, v in c.items() if k != "outcome"} for c in BASE["cells"]]}),
     "not a complete pytest-xai report (3 cells, the first at index 0, lack one of index, method, metric, model, outcome)"),
])
def test_every_report_reader_refuses_what_is_not_a_complete_report(tmp_path: Path, content: str | None,
                                                                   why: str) -> None:
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(BASE))
    for argv in (["show", str(bad)], ["html", str(bad), "-o", str(tmp_path / "page")], ["compare", str(good), str(bad)],
                 ["merge", str(bad), "-o", str(tmp_path / "m")]):
        with pytest.raises(SystemExit, match=re.escape(f"pytest-xai: {bad}: {why}")):
            main(argv)
    with pytest.raises(ReportError, match=re.escape(why)):
        load_baseline(bad)


def test_cell_check_compares_like_with_like_only() -> None:
    from pytest_xai.report.baseline import compare_cell

    base = {**cell("m", "rise", "wsl", HITS), "image_ids": IDS, "method_params": {"n_masks": 8000},
            "metric_params": {}}
    worse = [0.0] * 30
    assert compare_cell(base, worse, IDS, True, 0.01, 0.01, params=({"n_masks": 8000}, {}))["worse"] is True
    other = compare_cell(base, worse, IDS, True, 0.01, 0.01, params=({"n_masks": 200}, {}))
    assert other["worse"] is False and "other parameters" in other["note"]


def test_a_shift_of_rounding_size_is_significant_but_not_a_regression(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Another thread count moves a stochastic method's scores by rounding, the same way on
    every image: the signed-rank test calls that significant, the margin does not."""
    from pytest_xai.report.baseline import compare_cell

    scores = [0.30 + 0.01 * i for i in range(30)]
    base = {**cell("m", "lime", "concentration", scores), "image_ids": IDS}
    rounded = [s - 1e-5 for s in scores]
    result = compare_cell(base, rounded, IDS, True, 0.01, 0.01)
    assert result["p_value"] < 1e-5 and result["worse"] is False
    assert compare_cell(base, [s - 0.02 for s in scores], IDS, True, 0.01, 0.01)["worse"] is True
    assert compare_cell(base, rounded, IDS, True, 0.01, 0.0)["worse"] is True
    lower = {**cell("m", "lime", "deletion", scores, higher=False), "image_ids": IDS}
    assert compare_cell(lower, [s + 0.02 for s in scores], IDS, False, 0.01, 0.01)["worse"] is True
    assert compare_cell(lower, [s + 0.005 for s in scores], IDS, False, 0.01, 0.01)["worse"] is False
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(report([cell("m", "lime", "concentration", scores)])))
    new.write_text(json.dumps(report([cell("m", "lime", "concentration", rounded)])))
    assert main(["compare", str(old), str(new)]) == 0
    assert main(["compare", str(old), str(new), "--margin", "0"]) == 1
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", str(old), str(new), "--margin", "-1"])
    assert exit_info.value.code == 2
    assert "invalid value '-1': a margin is a finite number >= 0" in capsys.readouterr().err


def test_merge_keeps_what_any_shard_measured_of_a_model() -> None:
    """A model's class-image drawings (``synthesis_key``) come from the shard that ran its
    class-image cells; another shard's entry of the same model must not drop them."""
    from pytest_xai.report.merge import merge_reports
    from pytest_xai.session import base_registry

    ids = ["a", "b"]
    cells = [factories.cell("smoke-gap", "gradient", metric, [0.5, 0.5], index=i)
             for i, metric in enumerate(("pointing_game", "class_image_accuracy"))]
    drawn = factories.model("smoke-gap", ids, synthesis_key="d" * 64)
    first = factories.report(cells[:1], ids, shard="1/2", metrics=["pointing_game", "class_image_accuracy"])
    second = factories.report(cells[1:], ids, models=[drawn], shard="2/2",
                              metrics=["pointing_game", "class_image_accuracy"])
    for shards in ([first, second], [second, first]):
        (model,) = merge_reports(shards, base_registry())["models"]
        assert model["synthesis_key"] == "d" * 64


def twin_report(vanilla_hits: int, robust_hits: int, seed: int = 0) -> Report:
    """A vanilla / robust pair scored on 30 images under Gradient's Pointing Game and WSL,
    hitting on ``vanilla_hits`` and ``robust_hits`` of them."""
    def hits(n: int) -> list[float]:
        return [1.0] * n + [0.0] * (30 - n)

    scored = [(name, metric, n) for name, n in (("net", vanilla_hits), ("net-r", robust_hits))
              for metric in ("pointing_game", "wsl")]
    cells = [cell(name, "gradient", metric, hits(n), index=i) for i, (name, metric, n) in enumerate(scored)]
    models = [factories.model("net", IDS), factories.model("net-r", IDS, arch="net", training="robust")]
    return factories.report(cells, IDS, models=models, claims=["F1a"], seed=seed)


def test_claims_are_evaluated_again_with_another_reports_cells(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """`pytest-xai claims` re-evaluates a report's claims; with --cells-from the other report's
    cells replace the matching ones first, and a claim that then does not hold exits 1."""
    report, other = tmp_path / "report.json", tmp_path / "other.json"
    report.write_text(json.dumps(twin_report(vanilla_hits=15, robust_hits=28)))
    robust_worse = twin_report(vanilla_hits=0, robust_hits=0)
    other.write_text(json.dumps({**robust_worse, "cells": robust_worse["cells"][2:]}))
    assert main(["claims", str(report)]) == 0
    assert re.search(r"F1a\s+PASS", capsys.readouterr().out)
    assert main(["claims", str(report), "--cells-from", str(other), "--details"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"2 of 4 cells taken from {other}")
    assert re.search(r"F1a\s+FAIL", out) and '"robust_mean": 0.0' in out


def test_claims_refuses_other_images_and_unknown_claims(tmp_path: Path) -> None:
    report, other = tmp_path / "report.json", tmp_path / "other.json"
    report.write_text(json.dumps(twin_report(vanilla_hits=15, robust_hits=28)))
    other.write_text(json.dumps(twin_report(vanilla_hits=15, robust_hits=28, seed=1)))
    with pytest.raises(SystemExit, match="at seed 0, .* at seed 1: their images differ"):
        main(["claims", str(report), "--cells-from", str(other)])
    with pytest.raises(SystemExit, match="unknown claim F9; the claims are .*F1a"):
        main(["claims", str(report), "--claims", "F1a,F9"])
