"""The human-readable views of a report: ``pytest-xai show`` (text tables) and ``pytest-xai html``."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from pytest_xai.cli import main
from pytest_xai.report import tables as t
from pytest_xai.report.html import write_page
from pytest_xai.report.schema import (
    CellRecord,
    ClaimEntry,
    Report,
    read_report,
    write_report,
)
from pytest_xai.store import ScoreStore, key_digest
from tests import factories

MODELS = [  # name, arch, training, card
    ("resnet", "resnet", "vanilla", {"clean_accuracy": 0.80, "pgd_accuracy": 0.05, "mean_confidence": 0.9,
                                     "params": 11_200_000, "macs": 560_000_000}),
    ("resnet-r", "resnet", "robust", {"clean_accuracy": 0.70, "pgd_accuracy": 0.40, "mean_confidence": 0.6,
                                      "params": 11_200_000, "macs": 560_000_000}),
    ("resnet-pgd1", "resnet", "advprop", {"clean_accuracy": 0.82, "pgd_accuracy": 0.20, "mean_confidence": 0.85,
                                          "params": 11_200_000, "macs": 560_000_000}),
    ("alexnet", "alexnet", "vanilla", {"clean_accuracy": 0.60, "pgd_accuracy": 0.02, "mean_confidence": 0.8,
                                       "params": 2_500_000, "macs": 70_000_000}),
    ("alexnet-r", "alexnet", "robust", {"clean_accuracy": 0.45, "pgd_accuracy": 0.30, "mean_confidence": 0.5,
                                        "params": 2_500_000, "macs": 70_000_000}),
]
METHODS = ["gradient", "gradcam", "cam", "rise"]
METRICS = {"pointing_game": True, "wsl": True, "insertion": True, "deletion": False}
IDS = ["img-0", "img-1", "img-2", "img-3"]
OFFSETS = {"pointing_game": [-0.03, -0.01, 0.01, 0.03], "wsl": [-0.03, 0.01, -0.01, 0.03],
           "insertion": [0.03, 0.01, -0.01, -0.03], "deletion": [0.01, -0.03, 0.03, -0.01]}
SIZE = 16


def value(i: int, j: int) -> float:
    """The synthetic mean score of model i and method j (the same under every metric)."""
    return 0.1 + 0.1 * i + 0.02 * j


GROUPS = {"gradient": "gradient", "integrated_gradients": "gradient", "shap": "gradient", "gradcam": "cam",
          "cam": "cam", "rise": "perturbation", "lime": "perturbation", "mp": "perturbation", "ep": "perturbation"}


def _entry(store: ScoreStore, kind: str, key: dict[str, Any], content: dict[str, Any]) -> str:
    buffer = io.BytesIO()
    torch.save(content, buffer)
    store.get_or_compute(kind, key, buffer.getvalue)
    return key_digest(key)


DRAWN = ("resnet", "resnet-r")     # the models with class images and inversions


def synthetic(cache: Path) -> Report:
    """A report of 5 models (vanilla, robust, advprop; cards), 4 methods (CAM skipped on AlexNets),
    4 metrics, one failed and one errored cell, claims passed, failed and skipped; its maps and
    two models' drawings in ``cache``."""
    store = ScoreStore(cache)
    images = (torch.arange(4 * 3 * SIZE * SIZE) % 256).to(torch.uint8).reshape(4, 3, SIZE, SIZE)
    figure = _entry(store, "figure", {"figure": 1}, {"images": images, "labels": torch.tensor([0, 1, 2, 3]),
                                                      "boxes": torch.tensor([[2, 3, 9, 12]] * 4), "ids": IDS})
    models, cells = [], []
    for i, (name, arch, training, card) in enumerate(MODELS):
        models.append(factories.model(name, IDS, arch=arch, training=training, tags=[training, arch], card=card,
                                      subset="cl", accuracy=1.0, confidence=[0.5, 0.6, 0.7, 0.8], figure_key=figure))
        if name in DRAWN:
            drawn = torch.rand(7, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(i)).mul(255).to(torch.uint8)
            models[-1]["synthesis_key"] = _entry(store, "synthesis", {"synthesis": name}, {
                "classes": torch.arange(3), "class_images": drawn[:3], "inversions": drawn[3:]})
        for j, method in enumerate(METHODS):
            maps = _entry(store, "figure_maps", {"model": name, "method": method},
                          {"maps": torch.rand(4, SIZE, SIZE, generator=torch.Generator().manual_seed(i * 10 + j))})
            for metric, higher in METRICS.items():
                where: CellRecord = {"model": name, "method": method, "metric": metric, "index": len(cells),
                                     "outcome": "skipped"}
                if method == "cam" and arch == "alexnet":
                    cells.append({**where, "skip_reason": "cam does not apply"})
                elif (name, method, metric) == ("resnet-pgd1", "cam", "insertion"):
                    cells.append({**where, "outcome": "error", "message": "RuntimeError: boom\ntraceback"})
                else:
                    failed = (name, method, metric) == ("resnet", "gradient", "wsl")
                    extra = {"outcome": "failed", "message": "AssertionError: no better than the reference"}
                    cells.append(factories.cell(name, method, metric, [value(i, j) + d for d in OFFSETS[metric]],
                                                higher=higher, index=len(cells), profile="paper",
                                                figure_maps_key=maps, method_group=GROUPS[method],
                                                **(extra if failed else {})))
    claims: list[ClaimEntry] = [
        {"id": "F1a", "statement": "Robust <script>alert(1)</script> & co", "statistic": "U", "threshold": "p < 0.003",
         "value": 0.12, "p_value": 0.001, "passed": True, "outcome": "passed", "skip_reason": None},
        {"id": "F4a", "statement": "Insertion favours vanilla", "statistic": "U", "threshold": "p < 0.002",
         "value": -0.05, "p_value": 0.3, "passed": False, "outcome": "failed", "skip_reason": None},
        {"id": "F5", "statement": "Metrics agree", "statistic": "rho", "threshold": "rho >= 0.5", "value": None,
         "p_value": None, "passed": None, "outcome": "skipped", "skip_reason": "needs at least 3 points"},
        {"id": "F6", "statement": "No model is best", "statistic": "argmax", "threshold": "more than one", "value": None,
         "p_value": None, "passed": None, "outcome": "failed", "message": "ValueError: no scores\ntraceback"},
    ]
    built = factories.report(cells, IDS, models=models, benchmark="synthetic", claims=["F1a", "F4a", "F5", "F6"],
                             methods=METHODS, metrics=list(METRICS), profile="auto", subset="auto",
                             cache_dir=str(cache))
    return {**built, "claims": claims}


@pytest.fixture
def report(tmp_path: Path) -> Report:
    return synthetic(tmp_path / "cache")


def test_the_synthetic_report_is_a_complete_one(report: Report, tmp_path: Path) -> None:
    write_report(tmp_path / "r.json", report)
    assert read_report(tmp_path / "r.json") == report


def table(report: Report, key: str) -> t.Table:
    return next(x for x in t.tables(report) if x.key == key)


def row(tab: t.Table, first: str) -> dict[str, str]:
    return dict(zip(tab.header, next(r for r in tab.rows if r[0] == first)))


def test_score_tables_hold_the_means_and_na(report: Report) -> None:
    deletion = table(report, "scores-deletion")
    assert deletion.title == "Deletion (lower is better)"
    assert row(deletion, "resnet") == {"model": "resnet", "gradient": "0.100", "gradcam": "0.120", "cam": "0.140",
                                       "rise": "0.160"}
    assert row(deletion, "alexnet")["cam"] == t.NA  # skipped
    assert row(table(report, "scores-insertion"), "resnet-pgd1")["cam"] == t.NA  # errored
    assert row(table(report, "scores-wsl"), "resnet")["gradient"] == "0.100"  # failed cells keep their scores
    # Best model per method: the lowest under Deletion, the highest under WSL.
    assert (0, 1) in deletion.best and (4, 1) in table(report, "scores-wsl").best


def test_method_ranks_average_over_models_then_ranks(report: Report) -> None:
    ranks = table(report, "method-ranks")
    # Averaged over models: gradient 0.30, gradcam 0.32, rise 0.36; cam 0.24 on the 3 ResNets.
    assert [r[0] for r in ranks.rows] == ["rise", "gradcam", "gradient", "cam"]  # by mean rank
    assert row(ranks, "rise") == {"method": "rise", "Pointing Game ↑": "0.360±0.141 (1st)",
                                  "WSL ↑": "0.360±0.141 (1st)", "Insertion ↑": "0.360±0.141 (1st)",
                                  "Deletion ↓": "0.360±0.141 (4th)", "mean rank": "1.75"}
    assert row(ranks, "cam")["Deletion ↓"] == "0.240±0.082 (1st)*"  # on fewer models
    assert row(ranks, "cam")["Insertion ↑"] == "0.190±0.050 (4th)*"  # 2 models: one errored
    assert row(ranks, "cam")["mean rank"] == "3.25"


def test_model_ranks_average_over_common_methods_with_card_accuracy(report: Report) -> None:
    ranks = table(report, "model-ranks")
    # cam is not scored on every model: each model's score is the mean of gradient, gradcam and rise.
    assert row(ranks, "resnet") == {"model": "resnet", "training": "vanilla", "Pointing Game ↑": "0.127 (5th)",
                                    "WSL ↑": "0.127 (5th)", "Insertion ↑": "0.127 (5th)", "Deletion ↓": "0.127 (1st)",
                                    "clean acc": "80.0% (2nd)"}
    assert row(ranks, "resnet-pgd1")["clean acc"] == "82.0% (1st)"
    assert "leaving out cam" in ranks.note


def test_model_cards_show_what_the_cards_have(report: Report) -> None:
    cards = table(report, "models")
    assert row(cards, "resnet-r") == {"model": "resnet-r", "arch": "resnet", "training": "robust",
                                      "clean acc": "70.0%", "PGD acc": "40.0%", "confidence (card)": "0.60",
                                      "acc here": "100.0%", "confidence here": "0.65 ± 0.11", "params": "11.20M",
                                      "MACs": "560.00M"}
    for model in report["models"]:
        model["card"] = {}
    assert table(report, "models").header == ["model", "arch", "training", "acc here", "confidence here"]


def test_claims_verdicts_and_failed_cells(report: Report) -> None:
    claims = table(report, "claims")
    assert [(r[0], r[1], r[2], r[3]) for r in claims.rows] == [
        ("F1a", "PASS", "0.120", "0.0010"), ("F4a", "FAIL", "-0.050", "0.3000"),
        ("F5", "SKIP: needs at least 3 points", t.NA, t.NA), ("F6", "FAIL: ValueError: no scores", t.NA, t.NA)]
    failures = table(report, "failures")
    assert failures.rows == [["resnet", "gradient", "wsl", "failed", "AssertionError: no better than the reference"],
                             ["resnet-pgd1", "cam", "insertion", "error", "RuntimeError: boom"]]


def test_a_known_failure_says_so_in_the_verdict(report: Report) -> None:
    for claim in report["claims"]:
        if claim["id"] in ("F1a", "F4a"):
            claim["known_failure"] = "measured reason"
    assert [r[1] for r in table(report, "claims").rows][:2] == ["PASS, though listed as a known failure", "FAIL (known)"]
    assert table(report, "claims").note.startswith("1 PASS, 2 FAIL")


def test_metric_correlation_is_spearman_over_per_image_scores(report: Report) -> None:
    from scipy.stats import spearmanr

    names, matrix, n, pairs = t.metric_correlation(report)
    assert pairs == 5 * 3 + 3 - 1 and n == 4 * pairs  # cam: on the 3 ResNets, one errored
    columns = {m: [] for m in names}
    for cell in report["cells"]:
        pair = [c for c in report["cells"] if (c["model"], c["method"]) == (cell["model"], cell["method"])]
        if all(c.get("scores") for c in pair):
            columns[cell["metric"]] += cell["scores"]
    assert matrix[0][3] == pytest.approx(spearmanr(columns["pointing_game"], columns["deletion"]).statistic)
    assert matrix[2][1] == pytest.approx(spearmanr(columns["insertion"], columns["wsl"]).statistic)


def test_text_rendering(report: Report) -> None:
    text = t.render(report)
    for expected in ("Deletion (lower is better)", "Pointing Game (higher is better)", "Method ranks", "Model ranks",
                     "PASS", "FAIL", "SKIP: needs at least 3 points", "RuntimeError: boom", "Metric correlation"):
        assert expected in text
    assert max(len(line) for line in text.splitlines()) <= t.WIDTH
    assert re.search(r"^alexnet +0\.400 +0\.420 +n/a +0\.460$", text, re.M)  # a Deletion row


def test_the_views_import_no_heavy_library() -> None:
    code = ("import sys, pytest_xai.report.html, pytest_xai.report.tables; "
            "assert not {'torch', 'matplotlib', 'numpy', 'scipy'} & set(sys.modules), sys.modules.keys()")
    subprocess.run([sys.executable, "-c", code], check=True)


def local_references(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]*)"', page)


def test_html_page_has_the_tables_and_figures_and_only_local_files(report: Report, tmp_path: Path) -> None:
    index = write_page(report, tmp_path / "page")
    page = index.read_text()
    figures = {"maps-0.png", "maps-1.png", "class-images.png", "inversions.png", "robust.png", "methods.png",
               "accuracy.png", "correlation.png"}
    assert {p.name for p in (tmp_path / "page").glob("*.png")} == figures
    refs = local_references(page)
    assert {r for r in refs if not r.startswith("#")} == figures
    assert all((tmp_path / "page" / r).is_file() for r in figures)
    ids = re.findall(r'id="([^"]*)"', page)
    assert len(ids) == len(set(ids)) and {r[1:] for r in refs if r.startswith("#")} <= set(ids)
    assert "http" not in page and "<script" not in page
    assert "Robust &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    for x in t.tables(report):
        assert f'id="{x.key}"' in page
    assert '<td class="num">0.140</td>' in page and f'<td class="num">{t.NA}</td>' in page


def test_missing_store_entries_give_a_note_not_a_crash(report: Report, tmp_path: Path) -> None:
    page = write_page(report, tmp_path / "empty", cache_dir=tmp_path / "nowhere").read_text()
    assert "No maps to draw" in page and not (tmp_path / "empty" / "maps-0.png").exists()
    assert (tmp_path / "empty" / "methods.png").is_file()
    store = ScoreStore(Path(report["config"]["cache_dir"]))
    store.path_of("figure_maps", report["cells"][0]["figure_maps_key"]).unlink()
    page = write_page(report, tmp_path / "partial").read_text()
    assert "1 maps entries were missing" in page and (tmp_path / "partial" / "maps-0.png").is_file()
    store.path_of("synthesis", next(m["synthesis_key"] for m in report["models"] if "synthesis_key" in m)).unlink()
    page = write_page(report, tmp_path / "drawn").read_text()
    assert "The drawings of 1 models were missing from the store" in page and (tmp_path / "drawn" / "class-images.png").is_file()


def test_the_drawings_figure_shows_each_drawing_models_classes_and_inversions(report: Report, tmp_path: Path) -> None:
    from pytest_xai.report.figures import _drawings, drawings

    store = ScoreStore(Path(report["config"]["cache_dir"]))
    entries, missing = _drawings(report, store)
    assert sorted(entries) == sorted(DRAWN) and missing == 0
    assert [f.key for f in drawings(report, store, tmp_path)] == ["class-images", "inversions"]
    for model in report["models"]:
        model.pop("synthesis_key", None)
    from pytest_xai.report.figures import _image_grid

    pixel = np.zeros((2, 2, 3))     # a first row shorter than the next (fewer inversions) is drawn
    assert _image_grid({"a": [("x", pixel)], "b": [("x", pixel), ("y", pixel)]}, tmp_path, "grid.png") == "grid.png"
    (figure,) = drawings(report, store, tmp_path / "none")
    assert figure.file is None and "no class_image_accuracy cells (run --xai-metrics=synthesis)" in figure.caption


def test_figures_that_need_more_say_why(report: Report, tmp_path: Path) -> None:
    for model in report["models"]:
        model["card"], model["training"] = {}, "untrained"
    page = write_page(report, tmp_path / "page").read_text()
    assert "needs clean_accuracy in the cards of at least two models (has 0)" in page
    assert "no vanilla and robust models of one architecture" in page
    assert not (tmp_path / "page" / "accuracy.png").exists()


def test_a_real_smoke_report(pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]) -> None:
    pytester.runpytest("--xai-benchmark=smoke", "--xai-models=all", "--xai-methods=gradient,gradcam",
                       "--xai-images=4", "-p", "no:cacheprovider", "-k", "test_cell").assert_outcomes(passed=20)
    report = pytester.path / "reports" / "xai-report.json"
    assert main(["show", str(report)]) == 0
    text = capsys.readouterr().out
    assert "smoke-gap" in text and "Deletion (lower is better)" in text
    assert main(["html", str(report), "-o", str(pytester.path / "page")]) == 0
    assert {p.name for p in (pytester.path / "page").glob("*.png")} == {
        "maps-0.png", "maps-1.png", "methods.png", "correlation.png"}
