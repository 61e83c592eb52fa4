"""The paper's figures for a report, drawn with matplotlib (Agg, no pyplot) into PNG files.

Each function returns a ``Figure``: the PNG's file name, or ``None`` with a note saying why
the report cannot give that figure. The numbers come from ``pytest_xai.report.tables``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from statistics import fmean, pstdev
from typing import TYPE_CHECKING, Any

from pytest_xai.report import tables as t
from pytest_xai.report.figure_entries import FIGURE_IMAGES, read_entry
from pytest_xai.report.schema import Report
from pytest_xai.store import ScoreStore

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure

DPI = 100
MAP_IMAGES = 2
GROUP_ORDER = ("gradient", "cam", "perturbation", "baseline", "other")
TRAINING_COLORS = {"vanilla": "tab:blue", "robust": "tab:red", "advprop": "tab:green", "untrained": "tab:gray"}


@dataclass(frozen=True)
class Figure:
    """A drawn figure (``file`` in the output folder) or, with ``file`` None, why it is not drawn.
    ``after`` is the key of the table it illustrates."""

    key: str
    title: str
    file: str | None
    caption: str
    after: str


def _new(width: float, height: float) -> "MplFigure":
    from matplotlib.figure import Figure as MplFigure

    return MplFigure(figsize=(width, height), dpi=DPI, layout="constrained")


def _save(fig: "MplFigure", out_dir: Path, name: str) -> str:
    fig.savefig(out_dir / name, dpi=DPI)
    return name


def method_groups(report: Report) -> dict[str, str]:
    """Each method's group (gradient, cam, perturbation, ...) as its cells record it."""
    groups = {c["method"]: c["method_group"] for c in report["cells"] if c.get("method_group")}
    return {m: groups.get(m, "other") for m in t.methods(report)}


# -- Fig. 1: attribution maps ------------------------------------------------------
def _figure_images(report: Report, store: ScoreStore) -> dict[str, tuple[Any, int, list[int]]]:
    """Image id -> (HxWx3 uint8 array, label, box) from the models' figure entries."""
    images: dict[str, tuple[Any, int, list[int]]] = {}
    for key in dict.fromkeys(m.get("figure_key") for m in report["models"]):
        entry = read_entry(store, "figure", key)
        for i, image_id in enumerate(entry["ids"] if entry else []):
            images.setdefault(image_id, (entry["images"][i].permute(1, 2, 0).numpy(), int(entry["labels"][i]),
                                         [int(v) for v in entry["boxes"][i]]))
    return images


def _maps(report: Report, store: ScoreStore, ids: list[str]) -> tuple[dict[tuple[str, str, str], Any], int]:
    """(model, method, image id) -> map for the chosen images, and how many maps entries were missing.

    Reads the small "figure_maps" entries: the maps of each model's first FIGURE_IMAGES images."""
    keys = {(c["model"], c["method"]): c["figure_maps_key"] for c in report["cells"] if c.get("figure_maps_key")}
    rows = {m["name"]: {i: r for r, i in enumerate((m.get("image_ids") or [])[:FIGURE_IMAGES])}
            for m in report["models"]}
    out, missing = {}, 0
    for (model, method), digest in keys.items():
        wanted = [i for i in ids if i in rows[model]]
        entry = read_entry(store, "figure_maps", digest) if wanted else None
        missing += bool(wanted) and entry is None
        for image_id in wanted if entry is not None else []:
            out[(model, method, image_id)] = entry["maps"][rows[model][image_id]].numpy()
    return out, missing


def _box(ax: Any, box: list[int]) -> None:
    from matplotlib.patches import Rectangle

    x0, y0, x1, y1 = box
    ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0 + 1, y1 - y0 + 1, fill=False, edgecolor="lime", lw=1.5))


def map_grid(report: Report, image_id: str, image: tuple[Any, int, list[int]],
             maps: dict[tuple[str, str, str], Any], out_dir: Path, name: str) -> str:
    """Fig. 1 for one image: rows models, columns the image then each method's map, box drawn."""
    names, meths = t.models(report), t.methods(report)
    fig = _new(1.15 * (len(meths) + 1) + 0.6, 1.15 * len(names) + 0.5)
    axes = fig.subplots(len(names), len(meths) + 1, squeeze=False)
    pixels, label, box = image
    for r, model in enumerate(names):
        for c, method in enumerate([None, *meths]):
            ax = axes[r][c]
            ax.set_xticks([])
            ax.set_yticks([])
            amap = None if method is None else maps.get((model, method, image_id))
            if method is None:
                ax.imshow(pixels)
            elif amap is not None:
                ax.imshow((amap - amap.min()) / (amap.max() - amap.min() or 1.0), cmap="jet", vmin=0, vmax=1)
            else:
                ax.text(0.5, 0.5, t.NA, ha="center", va="center", transform=ax.transAxes, color="gray")
            if method is None or amap is not None:
                _box(ax, box)
            if r == 0:
                ax.set_title("image" if method is None else method, fontsize=9)
            if c == 0:
                ax.set_ylabel(model, fontsize=9)
    names_of = report["config"].get("class_names") or []
    fig.suptitle(f"{image_id} ({names_of[label] if label < len(names_of) else f'label {label}'})", fontsize=11)
    return _save(fig, out_dir, name)


def map_grids(report: Report, store: ScoreStore, out_dir: Path) -> list[Figure]:
    """Fig. 1 for the first MAP_IMAGES images that most models were evaluated on."""
    images = _figure_images(report, store)
    seen = [set((m.get("image_ids") or [])[:FIGURE_IMAGES]) for m in report["models"]]
    ids = sorted(images, key=lambda i: -sum(i in s for s in seen))[:MAP_IMAGES]
    maps, missing = _maps(report, store, ids) if ids else ({}, 0)
    if not maps:
        return [Figure("maps", "Fig. 1: attribution maps", None, f"No maps to draw: the score store {store.root} "
                       "lacks this report's figure images or maps (rerun the benchmark with this cache, or pass "
                       "--cache-dir).", "models")]
    note = f" {missing} maps entries were missing from the store ({t.NA} there)." if missing else ""
    return [Figure(f"maps-{k}", f"Fig. 1: attribution maps of {image_id}",
                   map_grid(report, image_id, images[image_id], maps, out_dir, f"maps-{k}.png"),
                   "Rows: models; columns: the image, then each method's map (min-max scaled, jet); "
                   f"green: the ground-truth box; {t.NA}: the method has no map for this model.{note}", "models")
            for k, image_id in enumerate(ids)]


# -- What the models draw (Boychev 2023) ----------------------------------------------
def _drawings(report: Report, store: ScoreStore) -> tuple[dict[str, dict[str, Any]], int]:
    """Model -> its "synthesis" entry, for the models whose class-image cells drew one, and how
    many such entries were missing from the store."""
    keys = {m["name"]: m["synthesis_key"] for m in report["models"] if m.get("synthesis_key")}
    entries = {name: read_entry(store, "synthesis", digest) for name, digest in keys.items()}
    return {name: e for name, e in entries.items() if e is not None}, sum(e is None for e in entries.values())


def _image_grid(rows: dict[str, list[tuple[str, Any]]], out_dir: Path, name: str) -> str:
    """A grid of images: one row per model (its name on the left), each cell titled."""
    width = max(len(cells) for cells in rows.values())
    fig = _new(1.0 * width + 0.8, 1.05 * len(rows) + 0.3)
    axes = fig.subplots(len(rows), width, squeeze=False)
    for r, (model, cells) in enumerate(rows.items()):
        for c in range(width):
            ax = axes[r][c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c >= len(cells):
                ax.set_visible(False)
                continue
            title, pixels = cells[c]
            ax.imshow(pixels)
            first = rows[next(iter(rows))]
            if r == 0 or c >= len(first) or title != first[c][0]:    # a title only where it changes
                ax.set_title(title, fontsize=8)
            if c == 0:
                ax.set_ylabel(model, fontsize=9)
    return _save(fig, out_dir, name)


def drawings(report: Report, store: ScoreStore, out_dir: Path) -> list[Figure]:
    """The class images each model drew from noise and its inversions of its figure images."""
    entries, missing = _drawings(report, store)
    if not entries:
        reason = (f"the score store {store.root} lacks them ({missing} entries)" if missing else
                  "the report has no class_image_accuracy cells (run --xai-metrics=synthesis)")
        return [Figure("class-images", "Class images and inversions", None, f"Not drawn: {reason}.", "models")]
    names_of = report["config"].get("class_names") or []
    images = _figure_images(report, store)
    ids = {m["name"]: (m.get("image_ids") or [])[:FIGURE_IMAGES] for m in report["models"]}

    def pixels(tensor: Any) -> Any:
        return tensor.permute(1, 2, 0).numpy()

    classes = {model: [(names_of[int(c)] if int(c) < len(names_of) else str(int(c)), pixels(e["class_images"][i]))
                       for i, c in enumerate(e["classes"])] for model, e in entries.items()}
    inverted = {model: [cell for k, image_id in enumerate(ids[model][:len(e["inversions"])]) if image_id in images
                        for cell in (("image", images[image_id][0]), ("inversion", pixels(e["inversions"][k])))]
                for model, e in entries.items()}
    note = f" The drawings of {missing} models were missing from the store." if missing else ""
    figures = [Figure("class-images", "Class images drawn by each model",
                      _image_grid(classes, out_dir, "class-images.png"),
                      "Rows: models; columns: one class each, the image the model drew from coarse noise by "
                      "gradient ascent on the class's log-probability within an L2 ball (pytest_xai.synthesis; class_image_"
                      f"accuracy judges such images with the models of other architectures).{note}", "models")]
    if any(inverted.values()):
        figures.append(Figure("inversions", "Representation inversion",
                              _image_grid({m: c for m, c in inverted.items() if c}, out_dir, "inversions.png"),
                              "Rows: models; pairs of columns: one of the model's first evaluation images, then the "
                              "image drawn from noise to match its penultimate features.", "models"))
    return figures


# -- Fig. 2: vanilla vs robust ----------------------------------------------------
def vanilla_vs_robust(report: Report, out_dir: Path) -> Figure:
    """Box plots of the per-image scores of vanilla vs robust models, per method group and metric."""
    by_arch: dict[str, dict[str, list[str]]] = {}
    for m in report["models"]:
        by_arch.setdefault(m.get("arch", ""), {}).setdefault(m.get("training", ""), []).append(m["name"])
    pairs = [a for a in by_arch.values() if "vanilla" in a and "robust" in a]
    after = f"scores-{t.metrics(report)[-1]}" if t.metrics(report) else "models"
    if not pairs:
        return Figure("robust", "Fig. 2: vanilla vs robust", None, "Not drawn: the report has no vanilla and robust "
                      "models of one architecture.", after)
    side = {k: [n for a in pairs for n in a[k]] for k in ("vanilla", "robust")}
    groups = method_groups(report)
    present = [g for g in GROUP_ORDER if g in groups.values()]
    scores, hib, names = t.per_image(report), t.higher_is_better(report), t.metrics(report)
    fig = _new(3.2 * len(names), 3.2)
    for ax, metric in zip(fig.subplots(1, len(names), squeeze=False)[0], names):
        for g, group in enumerate(present):
            for k, training in enumerate(("vanilla", "robust")):
                data = [v for m in side[training] for meth, gr in groups.items() if gr == group
                        for v in scores.get((m, meth, metric), [])]
                if data:
                    box = ax.boxplot(data, positions=[3 * g + k], widths=0.8, showmeans=True, patch_artist=True)
                    box["boxes"][0].set_facecolor(TRAINING_COLORS[training])
        ax.set_xticks([3 * g + 0.5 for g in range(len(present))], present, fontsize=9)
        ax.set_title(t.metric_title(metric, hib.get(metric), short=True), fontsize=10)
    fig.legend(handles=[_patch(k) for k in ("vanilla", "robust")], loc="outside lower center", ncols=2, fontsize=9)
    return Figure("robust", "Fig. 2: vanilla vs robust", _save(fig, out_dir, "robust.png"),
                  f"Per-image scores of the vanilla ({', '.join(side['vanilla'])}) and robust "
                  f"({', '.join(side['robust'])}) models of the architectures that have both, pooled over the "
                  "methods of each group (triangle: mean).", after)


def _patch(training: str) -> Any:
    from matplotlib.patches import Patch

    return Patch(facecolor=TRAINING_COLORS.get(training, "black"), label=training)


# -- Fig. 4: method ranking -------------------------------------------------------
def method_ranking(report: Report, out_dir: Path) -> Figure:
    """Bars of each method's score averaged over models, per metric, best on top."""
    names, hib = t.metrics(report), t.higher_is_better(report)
    stats = {metric: t.by_method(report, metric) for metric in names}
    if not any(stats.values()):
        return Figure("methods", "Fig. 4: method ranking", None, "Not drawn: no scores.", "method-ranks")
    cols = min(2, len(names))
    rows = -(-len(names) // cols)
    fig = _new(5.0 * cols, 0.3 * len(t.methods(report)) * rows + 1.0 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, metric in zip(axes, names):
        higher = hib.get(metric, True)
        order = sorted(stats[metric], key=lambda m: fmean(stats[metric][m]), reverse=higher)
        bars = ax.barh(range(len(order)), [fmean(stats[metric][m]) for m in order],
                       xerr=[pstdev(stats[metric][m]) for m in order], color="tab:blue", capsize=2)
        ax.bar_label(bars, fmt="%.3f", fontsize=8, padding=6)
        ax.margins(x=0.15)
        ax.invert_yaxis()
        ax.set_yticks(range(len(order)), order, fontsize=9)
        ax.set_title(t.metric_title(metric, higher), fontsize=10)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    return Figure("methods", "Fig. 4: method ranking", _save(fig, out_dir, "methods.png"),
                  "Each method's score averaged over the models it was scored on (bar: mean, whisker: std over "
                  "models); the best method on top.", "method-ranks")


# -- Fig. 5: accuracy vs explainability --------------------------------------------
FIG5_METRICS = ("wsl", "insertion")


def accuracy_vs_scores(report: Report, out_dir: Path) -> Figure:
    """Each model's clean accuracy (card) against its method-averaged WSL and Insertion."""
    accuracy = {m["name"]: t.card_accuracy(m) for m in report["models"] if t.card_accuracy(m) is not None}
    names = [m for m in FIG5_METRICS if m in t.metrics(report)]
    if len(accuracy) < 2 or not names:
        return Figure("accuracy", "Fig. 5: accuracy vs explainability", None,
                      f"Not drawn: needs clean_accuracy in the cards of at least two models (has {len(accuracy)}) "
                      "and a WSL or Insertion score.", "model-ranks")
    training = {m["name"]: m.get("training", "") for m in report["models"]}
    hib = t.higher_is_better(report)
    fig = _new(4.6 * len(names), 4.0)
    for ax, metric in zip(fig.subplots(1, len(names), squeeze=False)[0], names):
        averaged, _ = t.by_model(report, metric)
        shown = [m for m in accuracy if m in averaged]
        ax.scatter([100 * accuracy[m] for m in shown], [averaged[m] for m in shown],
                   c=[TRAINING_COLORS.get(training[m], "black") for m in shown])
        for m in shown:
            ax.annotate(m, (100 * accuracy[m], averaged[m]), fontsize=8, xytext=(3, 3), textcoords="offset points")
        ax.margins(0.12)
        ax.set_xlabel("clean accuracy (%)", fontsize=9)
        ax.set_ylabel(t.metric_title(metric, hib.get(metric)), fontsize=9)
    fig.legend(handles=[_patch(k) for k in dict.fromkeys(training.values())], loc="outside lower center",
               ncols=4, fontsize=9)
    return Figure("accuracy", "Fig. 5: accuracy vs explainability", _save(fig, out_dir, "accuracy.png"),
                  "Each model's clean accuracy (its card) against its score averaged over the methods scored on "
                  "every model.", "model-ranks")


# -- Fig. 6b: metric correlation ---------------------------------------------------
def correlation(report: Report, out_dir: Path) -> Figure:
    """Heat map of the Spearman correlation between metrics (the numbers of the table)."""
    names, matrix, n, _ = t.metric_correlation(report)
    if not matrix:
        return Figure("correlation", "Fig. 6b: metric correlation", None, "Not drawn: see the table.",
                      "metric-correlation")
    import numpy as np

    titles = [t.metric_title(m) for m in names]
    fig = _new(1.1 * len(names) + 1.8, 1.0 * len(names) + 0.8)
    ax = fig.subplots()
    image = ax.imshow(np.array(matrix, dtype=float), cmap="coolwarm", vmin=-1, vmax=1)
    ax.set_xticks(range(len(names)), titles, fontsize=9, rotation=30, ha="right")
    ax.set_yticks(range(len(names)), titles, fontsize=9)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            ax.text(j, i, t.fmt(value, 2), ha="center", va="center", fontsize=9)
    fig.colorbar(image, ax=ax, shrink=0.8)
    return Figure("correlation", "Fig. 6b: metric correlation", _save(fig, out_dir, "correlation.png"),
                  f"Spearman rank correlation over {n} per-image scores.", "metric-correlation")


def draw_all(report: Report, out_dir: Path, store: ScoreStore) -> list[Figure]:
    """Every figure, drawn into ``out_dir``."""
    return [*map_grids(report, store, out_dir), *drawings(report, store, out_dir), vanilla_vs_robust(report, out_dir), method_ranking(report, out_dir),
            accuracy_vs_scores(report, out_dir), correlation(report, out_dir)]
