"""The score store's small entries for figures, written during a run and read by the report's
figures: the first FIGURE_IMAGES images of each model ("figure"), their maps for each
(model, method) ("figure_maps"), so that a report's page never reads whole maps entries, and
the images a model draws ("synthesis": class images and inversions of its figure images)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, Callable

from pytest_xai.store import ScoreStore, key_digest

if TYPE_CHECKING:
    import torch

    from pytest_xai.benchmarks.base import ImageSet

FIGURE_IMAGES = 4
SYNTHESIS_CLASSES = 10      # class images drawn for the figure: of the first classes


def store_figure_images(store: ScoreStore, version: str, image_set: "ImageSet") -> str:
    """Store the first FIGURE_IMAGES images (uint8), labels, boxes and ids; returns the
    entry's digest (a model's ``figure_key``)."""
    import torch

    key = {"version": version, "data": image_set.sha256(), "n": FIGURE_IMAGES}

    def compute() -> bytes:
        head = image_set.subset(list(range(min(FIGURE_IMAGES, len(image_set)))))
        buffer = io.BytesIO()
        torch.save({"images": (head.images * 255).round().to(torch.uint8), "labels": head.labels,
                    "boxes": head.boxes, "ids": list(head.ids)}, buffer)
        return buffer.getvalue()

    store.get_or_compute("figure", key, compute)
    return key_digest(key)


def store_figure_maps(store: ScoreStore, maps_key: dict[str, Any], maps: Callable[[], "torch.Tensor"]) -> str:
    """Store the maps of the first FIGURE_IMAGES images of the maps entry ``maps_key``
    (``maps()`` gives them all, called only when the entry is new); returns its digest (a
    cell's ``figure_maps_key``)."""
    import torch

    key = {**maps_key, "figure": FIGURE_IMAGES}

    def compute() -> bytes:
        buffer = io.BytesIO()
        torch.save({"maps": maps()[:FIGURE_IMAGES].clone()}, buffer)
        return buffer.getvalue()

    store.get_or_compute("figure_maps", key, compute)
    return key_digest(key)


def store_synthesis(store: ScoreStore, key: dict[str, Any], draw: Callable[[], dict[str, "torch.Tensor"]]) -> str:
    """Store a model's drawings for the figures, ``draw()`` -> {"classes": [K] labels,
    "class_images": [K, 3, H, W], "inversions": [FIGURE_IMAGES, 3, H, W]} in [0, 1] (called
    only when the entry is new), as uint8; returns its digest (a model's ``synthesis_key``)."""
    import torch

    def compute() -> bytes:
        drawn = draw()
        buffer = io.BytesIO()
        torch.save({"classes": drawn["classes"],
                    **{k: (drawn[k] * 255).round().to(torch.uint8) for k in ("class_images", "inversions")}}, buffer)
        return buffer.getvalue()

    store.get_or_compute("synthesis", key, compute)
    return key_digest(key)


def read_entry(store: ScoreStore, kind: str, digest: str | None) -> dict[str, Any] | None:
    """A figure entry ("figure", "figure_maps" or "synthesis") as stored, None when it is not in the store."""
    import torch

    payload = store.read(kind, digest) if digest else None
    return None if payload is None else torch.load(io.BytesIO(payload), weights_only=True)
