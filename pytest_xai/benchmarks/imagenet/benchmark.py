"""The `imagenet` benchmark as the registry sees it: ILSVRC2012 validation images with
boxes (``images.py``) and the paper's 12 CNNs (``zoo.py``), all from local files.

Registering reads no file; a missing one is reported when a cell needs it.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from pytest_xai.benchmarks.base import Benchmark, ModelSpec
from pytest_xai.benchmarks.imagenet import images as imagenet_data
from pytest_xai.benchmarks.imagenet.zoo import ARCHS, ZOO, load_model
from pytest_xai.registry import Registry


def register_imagenet(registry: Registry, imagenet_root: Path | None, weights_dir: Path | None) -> None:
    """Register the `imagenet` benchmark and its 12 models; reads no file (that happens at use)."""
    registry.add_benchmark(Benchmark(
        name="imagenet", description="ILSVRC2012 val images with one box of at most half the image, 224 px "
                                     "centre crops, and the paper's 12 CNNs; from local files",
        load=partial(imagenet_data.load, imagenet_root), class_names=imagenet_data.ClassNames(imagenet_root),
        default_images=2000, default_subset="cl", tags=("real",)))
    for entry in ZOO:
        cam_layer, gap_head = ARCHS[entry.arch]
        paper = entry.table_1
        registry.add_model(ModelSpec(
            name=entry.name, benchmark="imagenet", arch=entry.arch, training=entry.training,
            loader=partial(load_model, entry, weights_dir), weights=" or ".join(entry.files),
            mean=entry.mean, std=entry.std, cam_layer=cam_layer, gap_head=gap_head,
            card={"clean_accuracy": paper.clean_accuracy / 100, "pgd_accuracy": paper.pgd_accuracy / 100,
                  "confidence": [paper.confidence, paper.confidence_std], "checkpoint": entry.source,
                  "card_source": "Nourelahi et al. 2022, Table 1 (reported, not measured here)"},
            method_params=entry.table_a1.method_params(), channels_last=True))
