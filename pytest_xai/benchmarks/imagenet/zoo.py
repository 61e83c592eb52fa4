"""The `imagenet` benchmark's 12 models (paper Sec. 2.2, Table 1), from local checkpoint files.

A model's file is looked for under each of its expected names (``ZooEntry.files``) in
``--xai-weights-dir``, then in ``$TORCH_HOME/hub/checkpoints`` (``torch.hub.get_dir()``); nothing
is downloaded. One reader takes every format:

* torchvision state dicts (densenet's old ``norm.1`` keys renamed ``norm1`` as torchvision does);
* MadryLab ``robustness`` / Salman et al. ``robust-models-transfer`` / Chen et al. checkpoints:
  ``model`` (or ``state_dict``) holding ``module.model.*`` (``module.model.model.*`` for
  torchvision archs wrapped with a custom forward), a ``module.attacker.model.*`` copy (dropped)
  and ``module.normalizer`` (dropped after checking that it expects the spec's mean/std: the
  evaluation normalises with the spec, so the module takes normalised images like the others);
  Chen et al.'s AlexNet ``last_layer`` becomes ``classifier.6``, GoogLeNet ``branch4_conv``
  becomes ``branch4.1``; GoogLeNet's auxiliary heads are dropped (unused at evaluation);
* AdvProp checkpoints (tingxueronghua/pytorch-classification-advprop): ``state_dict`` under
  ``module.``; the auxiliary batch norms (``aux_bn``) are dropped, leaving the clean-image BNs.

Files are read with ``torch.load(weights_only=True)``. A file that needs full unpickling (e.g.
pickled with dill, as some ``robustness`` checkpoints are) is unpickled only when it lies in
``--xai-weights-dir``, the folder the user named, and then with a warning; found in the shared
hub cache, it is refused.

GoogLeNet keeps torchvision's ``transform_input=True`` (vanilla; ImageNet normalisation) and
``False`` (GoogLeNet-R). DenseNet's final ReLU, applied in torchvision's ``forward``, is a module
at the end of ``features`` here, so that ``features`` is the CAM layer feeding the pooled head.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from pytest_xai.benchmarks.base import MissingFile

if TYPE_CHECKING:
    import torch
    from torch import nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
DEFAULT_AREAS = (0.025, 0.05, 0.1, 0.2)
ARCHS = {  # arch: (cam_layer, gap_head); the paper treats MobileNetV2 as without a CAM head
    "alexnet": ("features.11", False),
    "googlenet": ("inception5b", True),
    "resnet50": ("layer4", True),
    "densenet161": ("features", True),
    "mobilenet_v2": ("features", False),
}
TORCHVISION = "torchvision IMAGENET1K_V1 weights (download.pytorch.org/models/)"
SALMAN = "PGD L2 eps 3, Salman et al. 2020 (microsoft/robust-models-transfer)"
CHEN = "PGD L2 eps 3, Chen, Agarwal & Nguyen 2020 (anguyen8/shape-bias)"
ADVPROP = "AdvProp (Xie et al. 2020) with PGD-{} (tingxueronghua/pytorch-classification-advprop)"


class TableA1(NamedTuple):
    """The paper's per-model method settings (its Table A1)."""

    ep_areas: tuple[float, ...]
    mp_steps: int
    rise_grid: int          # RISE's mask cells per side
    rise_masks: int
    lime_superpixels: int

    def method_params(self) -> dict[str, dict[str, Any]]:
        """As ``ModelSpec.method_params``: per method, the fields that differ from its defaults."""
        return {"ep": {"areas": self.ep_areas}, "mp": {"max_iter": self.mp_steps},
                "rise": {"grid_size": self.rise_grid, "n_masks": self.rise_masks},
                "lime": {"n_superpixels": self.lime_superpixels}}


class Table1(NamedTuple):
    """The paper's numbers for a model (its Table 1), reported, not measured here."""

    confidence: float       # mean softmax probability of the label on ImageNet-CL
    confidence_std: float
    clean_accuracy: float   # ImageNet val, %
    pgd_accuracy: float     # under the paper's PGD-L2 attack, %


@dataclass(frozen=True)
class ZooEntry:
    """One model: its files, where they come from, and the paper's numbers for it."""

    name: str
    arch: str
    training: str
    files: tuple[str, ...]
    source: str
    table_a1: TableA1
    table_1: Table1
    half_normalised: bool = False  # mean = std = 0.5 (AdvProp) instead of ImageNet's
    transform_input: bool = False  # GoogLeNet's input re-normalisation

    @property
    def mean(self) -> tuple[float, float, float]:
        return (0.5, 0.5, 0.5) if self.half_normalised else IMAGENET_MEAN

    @property
    def std(self) -> tuple[float, float, float]:
        return (0.5, 0.5, 0.5) if self.half_normalised else IMAGENET_STD


ZOO: tuple[ZooEntry, ...] = (
    ZooEntry("alexnet", "alexnet", "vanilla", ("alexnet-owt-7be5be79.pth", "alexnet-owt-4df8aa71.pth"), TORCHVISION,
             TableA1((0.012, 0.025, 0.05, 0.1, 0.2), 500, 7, 8000, 40), Table1(0.79, 0.21, 56.55, 0.18)),
    ZooEntry("alexnet-r", "alexnet", "robust", ("alexnet-r.pt",), CHEN,
             TableA1((0.015, 0.03, 0.05, 0.1, 0.25, 0.5), 10, 3, 4000, 20), Table1(0.41, 0.29, 39.83, 22.27)),
    ZooEntry("googlenet", "googlenet", "vanilla", ("googlenet-1378be20.pth",), TORCHVISION,
             TableA1(DEFAULT_AREAS, 500, 7, 8000, 40), Table1(0.78, 0.22, 69.78, 0.08), transform_input=True),
    ZooEntry("googlenet-r", "googlenet", "robust", ("GoogleNet_R.pt",), CHEN,
             TableA1(DEFAULT_AREAS, 10, 3, 8000, 40), Table1(0.49, 0.29, 50.94, 31.23)),
    ZooEntry("resnet50", "resnet50", "vanilla", ("resnet50-0676ba61.pth", "resnet50-19c8e357.pth"), TORCHVISION,
             TableA1(DEFAULT_AREAS, 500, 7, 8000, 50), Table1(0.89, 0.16, 76.15, 0.35)),
    ZooEntry("resnet50-r", "resnet50", "robust", ("resnet50_l2_eps3.ckpt", "imagenet_l2_3_0.pt"),
             SALMAN + " or MadryLab/robustness",
             TableA1(DEFAULT_AREAS, 10, 4, 7000, 20), Table1(0.56, 0.30, 56.25, 36.11)),
    ZooEntry("resnet50-pgd1", "resnet50", "advprop", ("resnet50_advprop_pgd1.pth.tar",), ADVPROP.format(1),
             TableA1(DEFAULT_AREAS, 500, 7, 8000, 40), Table1(0.91, 0.14, 77.31, 69.02), half_normalised=True),
    ZooEntry("resnet50-pgd5", "resnet50", "advprop", ("resnet50_advprop_pgd5.pth.tar",), ADVPROP.format(5),
             TableA1(DEFAULT_AREAS, 500, 7, 8000, 50), Table1(0.90, 0.15, 77.01, 73.55), half_normalised=True),
    ZooEntry("densenet161", "densenet161", "vanilla", ("densenet161-8d451a50.pth",), TORCHVISION,
             TableA1(DEFAULT_AREAS, 500, 7, 8000, 50), Table1(0.90, 0.18, 77.14, 0.51)),
    ZooEntry("densenet161-r", "densenet161", "robust", ("densenet_l2_eps3.ckpt",), SALMAN,
             TableA1(DEFAULT_AREAS, 10, 4, 7000, 50), Table1(0.66, 0.34, 66.12, 41.76)),
    ZooEntry("mobilenet_v2", "mobilenet_v2", "vanilla", ("mobilenet_v2-b0353104.pth",), TORCHVISION,
             TableA1(DEFAULT_AREAS, 400, 6, 7000, 40), Table1(0.87, 0.23, 71.88, 0.01)),
    ZooEntry("mobilenet_v2-r", "mobilenet_v2", "robust", ("mobilenet_l2_eps3.ckpt",), SALMAN,
             TableA1(DEFAULT_AREAS, 10, 4, 8000, 20), Table1(0.41, 0.26, 50.40, 29.65)),
)


def load_model(entry: ZooEntry, weights_dir: Path | None) -> "nn.Module":
    """The entry's network in eval mode, with the weights of its local file."""
    path, named = find_checkpoint(entry, weights_dir)
    state = state_dict_of(read_checkpoint(path, named), entry, path)
    return build(entry, state, path)


def find_checkpoint(entry: ZooEntry, weights_dir: Path | None) -> tuple[Path, bool]:
    """The first expected file found, and whether it lies in ``--xai-weights-dir``."""
    import torch

    hub = Path(torch.hub.get_dir()) / "checkpoints"
    folders = ([weights_dir] if weights_dir is not None else []) + [hub]
    for folder in folders:
        for name in entry.files:
            if (folder / name).is_file():
                return folder / name, folder == weights_dir
    where = f"--xai-weights-dir {weights_dir}" if weights_dir is not None else "--xai-weights-dir DIR (not given)"
    raise MissingFile(f"model {entry.name}: expected {' or '.join(entry.files)} ({entry.source}); "
                      f"put it in {where} or in {hub} ($TORCH_HOME/hub/checkpoints)")


def read_checkpoint(path: Path, named: bool) -> Any:
    """``torch.load`` with ``weights_only=True``; full unpickling only for a file the user named."""
    import pickle
    import warnings

    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if not named:
            raise RuntimeError(f"{path} holds pickled objects besides tensors (e.g. it was saved with dill); "
                               "only a file in --xai-weights-dir is unpickled in full: move it there if you "
                               "trust it") from exc
    warnings.warn(f"{path}: unpickling in full (weights_only=False), which can run code from the file; "
                  "done because it is in --xai-weights-dir", stacklevel=2)
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except ModuleNotFoundError as exc:
        raise RuntimeError(f"{path} needs the module {exc.name!r} to unpickle (pip install {exc.name})") from exc


def state_dict_of(checkpoint: Any, entry: ZooEntry, path: Path) -> dict[str, "torch.Tensor"]:
    """The plain state dict of the entry's torchvision architecture, from any supported format."""
    import torch

    state = checkpoint
    for key in ("model", "state_dict"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
            break
    if not isinstance(state, dict):
        raise ValueError(f"{path}: holds a {type(state).__name__}, not a state dict or a checkpoint dict")
    state = _without_prefix(state, "module.")
    if any(k.startswith(("normalizer.", "attacker.")) for k in state):  # a robustness AttackerModel
        for buffer, expected in (("new_mean", entry.mean), ("new_std", entry.std)):
            value = state.get(f"normalizer.{buffer}")
            if value is not None and not torch.allclose(value.flatten().float(), torch.tensor(expected), atol=1e-3):
                raise ValueError(f"{path}: its normalizer's {buffer} is {value.flatten().tolist()}, "
                                 f"model {entry.name} expects {list(expected)}")
        state = _without_prefix({k: v for k, v in state.items() if k.startswith("model.")}, "model.")
        state = _without_prefix(state, "model.")  # robustness's wrapper of custom-forward archs
    renamed = {}
    for key, value in state.items():
        if "aux_bn." in key or (entry.arch == "googlenet" and key.startswith(("aux1.", "aux2."))):
            continue
        if entry.arch == "alexnet":
            key = re.sub(r"^last_layer\.", "classifier.6.", key)
        elif entry.arch == "googlenet":
            key = key.replace(".branch4_conv.", ".branch4.1.")
        elif entry.arch == "densenet161":
            key = re.sub(r"(denselayer\d+\.(?:norm|relu|conv))\.([12])\.", r"\1\2.", key)
        renamed[key] = value.float() if value.is_floating_point() else value
    return renamed


def build(entry: ZooEntry, state: dict[str, "torch.Tensor"], path: Path) -> "nn.Module":
    """torchvision's architecture (built on the meta device: no initialisation) given ``state``."""
    import torch
    from torch import nn
    from torchvision import models

    kwargs = ({"aux_logits": False, "init_weights": False, "transform_input": entry.transform_input}
              if entry.arch == "googlenet" else {})
    with torch.device("meta"):
        net = getattr(models, entry.arch)(weights=None, **kwargs)
    try:
        net.load_state_dict(state, assign=True)
    except RuntimeError as exc:
        raise RuntimeError(f"{path}: not a {entry.arch} checkpoint in a supported format: {exc}") from None
    if entry.arch == "densenet161":
        net.features.add_module("relu5", nn.ReLU())
        net = nn.Sequential(OrderedDict(features=net.features, pool=nn.AdaptiveAvgPool2d(1),
                                        flatten=nn.Flatten(), classifier=net.classifier))
    return net.eval()


def _without_prefix(state: dict[str, Any], prefix: str) -> dict[str, Any]:
    """``state`` with ``prefix`` removed from its keys when every key has it."""
    if state and all(k.startswith(prefix) for k in state):
        return {k[len(prefix):]: v for k, v in state.items()}
    return state
