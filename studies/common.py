"""What the mini measurement scripts here share: a zoo model ready to explain, the images
it classifies correctly, and maps computed in batches. (Not a test module: pytest collects
only ``test_*.py`` here.)"""

from __future__ import annotations

from pathlib import Path

import torch

from pytest_xai.benchmarks.base import LoadedModel
from pytest_xai.benchmarks.mini import zoo as mini_zoo
from pytest_xai.methods.base import Method
from pytest_xai.registry import Registry


def mini_model(registry: Registry, name: str, weights_dir: Path = mini_zoo.WEIGHTS_DIR) -> LoadedModel:
    """Zoo model ``name`` (weights from ``weights_dir``) on the CPU, with its registered spec."""
    return LoadedModel(spec=registry.models_of("mini")[name], net=mini_zoo.load(name, weights_dir),
                       device=torch.device("cpu"))


def correct(model: LoadedModel, images01: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Whether ``model`` classifies each [0, 1] image as its label: BoolTensor [N]."""
    with torch.no_grad():
        predicted = torch.cat([model(batch).argmax(1) for batch in model.normalize(images01).split(200)])
    return predicted == labels


def explain(method: Method, model: LoadedModel, inputs: torch.Tensor, targets: torch.Tensor,
            batch: int = 100) -> torch.Tensor:
    """``method``'s maps [N, H, W] of normalised ``inputs``, ``batch`` images per call, seed 0."""
    return torch.cat([method.explain(model, xs, ys, seed=0) for xs, ys in zip(inputs.split(batch), targets.split(batch))])
