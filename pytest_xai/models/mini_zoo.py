"""The `mini` benchmark's 12-model zoo: small versions of the paper's five architectures.

Every network is built from torchvision's own classes and blocks, shrunk for 64 px
images and a CPU: ``ResNet``/``BasicBlock``, ``DenseNet``, ``MobileNetV2`` and
``googlenet.Inception``; the AlexNet-like net follows AlexNet's layer pattern. As in the
paper, ResNet, DenseNet and GoogLeNet end in global average pooling and one linear layer
(CAM applies), AlexNet and MobileNet flatten their last feature map into the classifier
(CAM does not). Each architecture comes vanilla and PGD-L2 robust (``-r``), plus two
AdvProp ResNets (``resnet-pgd1``, ``resnet-pgd5``) whose batch norms are
:class:`DualBatchNorm2d`: auxiliary BNs for adversarial batches during training, the
main BNs otherwise (and always at evaluation). ``build`` gives the architecture with a
random initialisation; trained weights live in ``weights/mini/NAME.pt``.

Importing this module is light (no torch): the registry reads ``MINI_INFO`` when it is
built. The network classes are defined on first use and reachable as module attributes
(``mini_zoo.DualBatchNorm2d``, ``mini_zoo.MiniResNet``, ...).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from pytest_xai.data import mini as mini_data
from pytest_xai.data.base import Benchmark, MissingFile
from pytest_xai.data.mini import IMAGE_SIZE, NUM_CLASSES
from pytest_xai.models.spec import ModelSpec
from pytest_xai.registry import Registry

if TYPE_CHECKING:
    from torch import nn

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights" / "mini"
MEAN = (0.5, 0.5, 0.5)
STD = (0.5, 0.5, 0.5)


@dataclass(frozen=True)
class MiniModelInfo:
    """What the suite needs to know about a zoo model besides its weights."""

    name: str
    arch: str
    training: str          # "vanilla" | "robust" | "advprop"
    cam_layer: str         # dotted path of the last convolutional block
    gap_head: bool         # GAP + one linear layer right after ``cam_layer``
    attack_steps: int = 0  # PGD steps of the training attack (0: clean training)
    seed: int = 0          # training seed (initialisation and batch order)


_ARCHS: dict[str, tuple[str, str, bool]] = {   # arch: (class, cam_layer, gap_head)
    "alexnet": ("MiniAlexNet", "features.11", False),
    "googlenet": ("MiniGoogLeNet", "inception4b", True),
    "resnet": ("MiniResNet", "layer4", True),
    "densenet": ("MiniDenseNet", "features", True),
    "mobilenet": ("MiniMobileNet", "features", False),
}


def _zoo() -> dict[str, MiniModelInfo]:
    zoo = {}
    for arch, (_, cam_layer, gap) in _ARCHS.items():
        zoo[arch] = MiniModelInfo(arch, arch, "vanilla", cam_layer, gap)
        zoo[f"{arch}-r"] = MiniModelInfo(f"{arch}-r", arch, "robust", cam_layer, gap, attack_steps=3)
    for steps in (1, 5):
        zoo[f"resnet-pgd{steps}"] = MiniModelInfo(f"resnet-pgd{steps}", "resnet", "advprop", "layer4", True,
                                                  attack_steps=steps)
    return zoo


MINI_INFO: dict[str, MiniModelInfo] = _zoo()
MINI_MODELS: tuple[str, ...] = tuple(MINI_INFO)
# The `mini-control` benchmark's placebo: a second vanilla ResNet, trained like `resnet` but
# with another seed, that `mini-control` registers as `resnet`'s robust twin. A claim about
# robust vs vanilla models must not hold for it.
PLACEBO = MiniModelInfo("resnet-placebo", "resnet", "vanilla", "layer4", True, seed=1)
TRAINABLE: dict[str, MiniModelInfo] = {**MINI_INFO, PLACEBO.name: PLACEBO}

# The role of the paper's Table A1 for this zoo: per-model method settings that differ
# from the methods' defaults. We did not tune them per model as the paper's authors did;
# every model takes the setting the paper gave the models of its role (its robust models
# mostly: MP 10 iterations, RISE 4 x 4 cells and 7000 masks, LIME 20 superpixels; its
# vanilla and AdvProp models: the defaults). EP's areas stay the paper's default for all:
# the digits cover 3-20 % of the image, the range those areas span.
METHOD_PARAMS: dict[str, dict[str, dict[str, Any]]] = {
    "vanilla": {},
    "advprop": {},
    "robust": {"mp": {"max_iter": 10}, "rise": {"grid_size": 4, "n_masks": 7000}, "lime": {"n_superpixels": 20}},
}
# The paper's claims that do not hold on this benchmark, each with the measured reason
# (``Benchmark.known_failures``: their tests are strict xfails). Measured on generator v3
# with the committed zoo and baseline (32 CL images per model, fast profile) and with
# `python -m studies.context_reliance --localization`, `studies/deletion_curves.py` and
# `studies/metric_correlations.py`; re-measure when the data or the zoo changes.
_CONTEXT = ("every robust model leans on the class photograph more than its vanilla twin and reads the "
            "small digit less (accuracy on images not on their class photograph: robust 0.06-0.19, "
            "vanilla 0.16-0.50; studies/context_reliance.py)")
KNOWN_FAILURES: dict[str, str] = {
    "F1a": (f"{_CONTEXT}, so robust gradients leave the digit's box more often: Gradient, IG, SHAP Pointing "
            "Game vanilla 0.56 vs robust 0.35, WSL 0.22 vs 0.12. Without class context (14 generator probes, "
            "docs/mini-benchmark.md) vanilla Gradient sits at the ceiling (PG ~0.95) and robust twins are not "
            "higher; a robust ResNet trained at eps 1.0 instead of 0.5 widens the gap (Gradient PG 0.39 vs vanilla 0.73)"),
    "F1b": (f"{_CONTEXT}; the CAM maps follow it (GradCAM, CAM Pointing Game vanilla 0.53 vs robust 0.27, "
            "WSL 0.24 vs 0.07), a shift the paper did not see"),
    "F2": ("the AdvProp ResNets do sit between their twins (Pointing Game vanilla 0.69 > AdvProp 0.61 > "
           "robust 0.48, WSL 0.34 > 0.27-0.29 > 0.19), but the twins are in reversed order (F1a); and AdvProp is "
           "less confident than vanilla here (0.65 vs 0.75), so Insertion, which follows confidence, puts it "
           "below vanilla (0.68-0.70 vs 0.85)"),
    "F3": ("GradCAM points at the class photograph, which fills most of the image while the digit is small: "
           "on the images each vanilla model classifies correctly its GradCAM Pointing Game is 0.33-0.77 on "
           "class-photo backgrounds and 0.66-0.97 on the others (Gradient: 0.46-0.82 and 0.71-0.95), so it "
           "ranks 7th of 8 on Pointing Game and WSL (3rd and 4th on Insertion and Deletion). RISE ranks "
           "5, 3, 2, 1 with the fast profile's 1000 masks and 3, 3, 2, 1 with the paper's 8000 "
           "(studies/claim_with_cells.py). MP is last on mean rank, as in the paper"),
    "F4a": ("Insertion's half holds (vanilla 0.71 vs robust 0.46, p 5e-165); Deletion's does not, because "
            "the vanilla models' higher confidence is gone after the first 5-10 % of deleted pixels (resnet: "
            "target probability 0.77 -> 0.49 at 5 %, robust 0.53 -> 0.40; equal from 10 % on; "
            "studies/deletion_curves.py), and the rest of the curve, the same for both, makes the area: "
            "Deletion 0.205 vs 0.187, p 0.07 (0.211 vs 0.195, p 0.016, with 96 images per model and 200 "
            "RISE masks)"),
    "F4b": ("Deletion does not follow confidence here (F4a's reason: the confidence gap lasts only the first "
            "5-10 % of the curve): model level rho 0.41 (p 0.24, 10 models), image level 0.28"),
    "F5": ("Pointing Game and WSL are 0/1 per image and WSL (IoU >= 0.5 with a small digit's box) hits 0.19 "
           "of the time against 0.44, which caps their correlation at 0.54 (measured 0.48); Pointing Game~"
           "Insertion is 0.36 pooled but 0.20 within models: vanilla models have both the higher Insertion "
           "(confidence, as in the paper) and, unlike the paper's, the higher Pointing Game (F1a), so the "
           "models' means correlate (0.85); Insertion~Deletion is 0.25 because Deletion does not follow "
           "confidence here (F4b). studies/metric_correlations.py"),
}
# Images per model in a default run: 32 CL images for most cells, where the maps of RISE,
# EP and LIME and the Insertion/Deletion games make most of a run's time (docs/running.md
# has the measurements). The localization cells of the gradient and CAM methods, whose
# maps cost a forward and up to a few dozen backward passes, take more, for the claims that
# compare them between models: F1a's effect is large, F1b must show a WSL difference within
# +-0.05 by TOST at alpha 0.003, which on 0/1 scores of three CAM pairs takes ~500 images
# per model.
DEFAULT_IMAGES = 32
LOCALIZATION_IMAGES = {"gradient": 128, "cam": 512}


@lru_cache(maxsize=1)
def _nets() -> dict[str, Any]:
    """The network classes (defined here so that importing the module needs no torch)."""
    import torch
    import torch.nn.functional as F
    from torch import nn
    from torchvision.models.densenet import DenseNet
    from torchvision.models.googlenet import BasicConv2d, Inception
    from torchvision.models.mobilenetv2 import MobileNetV2
    from torchvision.models.resnet import BasicBlock, ResNet
    from torchvision.ops.misc import Conv2dNormActivation

    class DualBatchNorm2d(nn.Module):
        """AdvProp's batch norm: a main BN for clean images and an auxiliary BN for adversarial ones.

        ``use_aux`` (False by default, and what a loaded model evaluates with) picks the branch.
        """

        def __init__(self, num_features: int, **kwargs) -> None:
            super().__init__()
            self.main = nn.BatchNorm2d(num_features, **kwargs)
            self.aux = nn.BatchNorm2d(num_features, **kwargs)
            self.use_aux = False

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return (self.aux if self.use_aux else self.main)(x)

    class MiniResNet(ResNet):
        """torchvision's ResNet with BasicBlocks: 3x3 stem + max-pool (/2), stages at /2 /4 /8 /8."""

        def __init__(self, widths: tuple[int, ...] = (16, 32, 64, 128), depths: tuple[int, ...] = (1, 1, 1, 1),
                     norm_layer: Callable[[int], nn.Module] = nn.BatchNorm2d) -> None:
            nn.Module.__init__(self)
            self._norm_layer, self.dilation, self.groups, self.base_width = norm_layer, 1, 1, 64
            self.inplanes = widths[0]
            self.conv1 = nn.Conv2d(3, widths[0], 3, padding=1, bias=False)
            self.bn1 = norm_layer(widths[0])
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
            for i, (width, depth, stride) in enumerate(zip(widths, depths, (1, 2, 2, 1))):
                setattr(self, f"layer{i + 1}", self._make_layer(BasicBlock, width, depth, stride=stride))
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(widths[-1], NUM_CLASSES)

    class MiniDenseNet(DenseNet):
        """torchvision's DenseNet: 3x3 stride-2 stem + max-pool (/4), two dense blocks at /4 and /8."""

        def __init__(self) -> None:
            super().__init__(growth_rate=12, block_config=(4, 8), num_init_features=24, bn_size=4,
                             num_classes=NUM_CLASSES)
            self.features.conv0 = nn.Conv2d(3, 24, 3, stride=2, padding=1, bias=False)
            self.features.add_module("relu5", nn.ReLU())

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.classifier(torch.flatten(F.adaptive_avg_pool2d(self.features(x), 1), 1))

    class MiniGoogLeNet(nn.Module):
        """GoogLeNet's pattern from torchvision's Inception modules: stem, 4 inceptions, GAP, fc."""

        def __init__(self) -> None:
            super().__init__()
            self.conv1 = BasicConv2d(3, 32, kernel_size=3, stride=2, padding=1)
            self.maxpool1 = nn.MaxPool2d(3, stride=2, padding=1)
            self.conv2 = BasicConv2d(32, 64, kernel_size=3, padding=1)
            self.inception3a = Inception(64, 32, 32, 48, 8, 16, 16)
            self.inception3b = Inception(112, 48, 48, 64, 12, 24, 24)
            self.maxpool3 = nn.MaxPool2d(3, stride=2, padding=1)
            self.inception4a = Inception(160, 64, 48, 80, 12, 24, 32)
            self.inception4b = Inception(200, 64, 64, 96, 16, 32, 32)
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.dropout = nn.Dropout(0.2)
            self.fc = nn.Linear(224, NUM_CLASSES)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.maxpool1(self.conv1(x))
            x = self.conv2(x)
            x = self.maxpool3(self.inception3b(self.inception3a(x)))
            x = self.inception4b(self.inception4a(x))
            return self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))

    class MiniMobileNet(MobileNetV2):
        """torchvision's MobileNetV2 (fewer stages, last map at /8) with a flattening head."""

        def __init__(self) -> None:
            setting = [[1, 16, 1, 2], [6, 24, 2, 1], [6, 32, 3, 2], [6, 64, 2, 1], [6, 96, 1, 1]]
            super().__init__(num_classes=NUM_CLASSES, width_mult=0.5, inverted_residual_setting=setting)
            last = IMAGE_SIZE // 8
            self.features[-1] = Conv2dNormActivation(self.features[-1][0].in_channels, 64, kernel_size=1,
                                                     activation_layer=nn.ReLU6)
            self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(64 * last * last, NUM_CLASSES))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.classifier(torch.flatten(self.features(x), 1))

    class MiniAlexNet(nn.Module):
        """AlexNet's pattern (5 convs, 3 max-pools, no BN, 3 fully connected layers), last conv at /8."""

        def __init__(self) -> None:
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 32, 5, stride=2, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(64, 96, 3, padding=1), nn.ReLU(),
                nn.Conv2d(96, 64, 3, padding=1), nn.ReLU(),
                nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
            last = IMAGE_SIZE // 16
            self.classifier = nn.Sequential(
                nn.Dropout(0.5), nn.Linear(64 * last * last, 256), nn.ReLU(),
                nn.Dropout(0.5), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, NUM_CLASSES))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.classifier(torch.flatten(self.features(x), 1))

    classes = (DualBatchNorm2d, MiniResNet, MiniDenseNet, MiniGoogLeNet, MiniMobileNet, MiniAlexNet)
    for cls in classes:
        cls.__qualname__ = cls.__name__     # reachable as mini_zoo.<name> (module __getattr__)
    return {cls.__name__: cls for cls in classes}


_NET_CLASSES = ("DualBatchNorm2d", "MiniResNet", "MiniDenseNet", "MiniGoogLeNet", "MiniMobileNet", "MiniAlexNet")


def __getattr__(name: str) -> Any:
    if name in _NET_CLASSES:
        return _nets()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def set_aux_bn(net: nn.Module, use_aux: bool) -> None:
    """Route every :class:`DualBatchNorm2d` in ``net`` to its auxiliary (True) or main BN."""
    for module in net.modules():
        if isinstance(module, _nets()["DualBatchNorm2d"]):
            module.use_aux = use_aux


def _init(net: nn.Module) -> None:
    from torch import nn

    for module in net.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)


def build(name: str) -> nn.Module:
    """The architecture of zoo model ``name``, randomly initialised (call ``torch.manual_seed`` first)."""
    info, nets = TRAINABLE[name], _nets()
    if info.training == "advprop":
        net = nets["MiniResNet"](norm_layer=nets["DualBatchNorm2d"])
    else:
        net = nets[_ARCHS[info.arch][0]]()
    _init(net)
    return net


def register_mini(registry: Registry, weights_dir: Path = WEIGHTS_DIR) -> None:
    """Register the `mini` benchmark and its 12 models (reads only the small model cards)."""
    registry.add_benchmark(Benchmark(
        name="mini", description="one handwritten digit on a cluttered photograph, 64 px, 10 classes; "
                                 "a 12-model zoo trained on it (the default benchmark)",
        load=mini_data.load, class_names=mini_data.CLASS_NAMES, default_images=DEFAULT_IMAGES,
        localization_images=LOCALIZATION_IMAGES, default_subset="cl", tags=("synthetic",),
        known_failures=KNOWN_FAILURES, generator_digest=mini_data.generator_digest))
    for name, info in MINI_INFO.items():
        registry.add_model(_spec(name, "mini", info, info.training, weights_dir))


def _spec(name: str, benchmark: str, info: MiniModelInfo, training: str, weights_dir: Path) -> ModelSpec:
    """The spec of zoo model ``info.name`` registered as ``name`` with role ``training``."""
    weights, model_card = _weights_state(info.name, weights_dir)
    if training != info.training:
        weights += f"; a {info.training} model (seed {info.seed}) registered as {training}: a placebo"
    return ModelSpec(
        name=name, benchmark=benchmark, arch=info.arch, training=training,
        loader=partial(load, info.name, weights_dir), weights=weights,
        weights_digest=partial(weights_digest, info.name, weights_dir),
        mean=MEAN, std=STD, cam_layer=info.cam_layer, gap_head=info.gap_head,
        card=model_card, method_params=METHOD_PARAMS[info.training], channels_last=True)


def _weights_state(name: str, weights_dir: Path) -> tuple[str, dict]:
    """What the listing says of ``name``'s weights, and its card when it is trained."""
    if not (Path(weights_dir) / f"{name}.json").is_file():
        return f"{name}.pt, not trained yet", {}
    try:
        model_card = card(name, weights_dir)
    except CorruptFile:
        return f"{name}.pt, its card {name}.json is corrupt", {}
    if model_card.get("generator_version") != mini_data.WORLD.version:
        return f"{name}.pt, stale: trained on images of an older generator version", {}
    return f"{name}.pt, trained by pytest_xai.models.train", model_card


def register_mini_control(registry: Registry, weights_dir: Path = WEIGHTS_DIR) -> None:
    """Register `mini-control`: mini's images, `resnet`, and as its "robust" twin `resnet-r` the
    placebo (a vanilla ResNet of another seed). Claims about robust models should not hold here."""
    registry.add_benchmark(Benchmark(
        name="mini-control", description="the mini images with a placebo pair: the vanilla resnet and, "
                                         "registered as its robust twin, a vanilla resnet of another seed",
        load=mini_data.load, class_names=mini_data.CLASS_NAMES, default_images=DEFAULT_IMAGES,
        localization_images=LOCALIZATION_IMAGES, default_subset="cl", tags=("synthetic", "control"),
        generator_digest=mini_data.generator_digest))
    registry.add_model(_spec("resnet", "mini-control", MINI_INFO["resnet"], "vanilla", weights_dir))
    registry.add_model(_spec("resnet-r", "mini-control", PLACEBO, "robust", weights_dir))


def is_trained(name: str, weights_dir: Path = WEIGHTS_DIR, generator_version: int | None = None) -> bool:
    """Whether ``name`` has a readable card, made on images of ``generator_version`` (default:
    the shipped world's). A corrupt card counts as not trained; ``load`` says what is wrong."""
    path = Path(weights_dir) / f"{name}.json"
    version = mini_data.WORLD.version if generator_version is None else generator_version
    try:
        return path.is_file() and card(name, weights_dir).get("generator_version") == version
    except CorruptFile:
        return False


class CorruptFile(ValueError):
    """A shipped weights file or model card that cannot be used; the message says how to rebuild it."""


def card(name: str, weights_dir: Path = WEIGHTS_DIR) -> dict:
    """The model card ``NAME.json`` written by training (accuracy, PGD accuracy, MACs, ...)."""
    path = Path(weights_dir) / f"{name}.json"
    try:
        content = json.loads(path.read_text())
        if not isinstance(content, dict):
            raise ValueError("not a JSON object")
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorruptFile(f"model {name}: its card {path} is corrupt ({exc}); rebuild it with "
                          f"`python -m pytest_xai.models.train --model {name}`") from None
    return content


def load(name: str, weights_dir: Path = WEIGHTS_DIR) -> nn.Module:
    """Zoo model ``name`` with its trained weights, in eval mode with the main BNs
    (the weights checked as ``weights_file`` says)."""
    import torch

    net = build(name)
    state = torch.load(io.BytesIO(weights_file(name, weights_dir)), map_location="cpu", weights_only=True)
    net.load_state_dict({key: value.float() if value.is_floating_point() else value for key, value in state.items()})
    set_aux_bn(net, False)
    return net.eval()


def weights_digest(name: str, weights_dir: Path = WEIGHTS_DIR) -> str:
    """The checked weights file's sha256: what the model computes depends on nothing else
    but the code, so the score store keys on it without building the model."""
    weights_file(name, weights_dir)                     # checks the file against its card
    return "file-sha256:" + card(name, weights_dir)["sha256"]


def weights_file(name: str, weights_dir: Path = WEIGHTS_DIR) -> bytes:
    """The bytes of ``NAME.pt``, whose sha256 must match the one in the model card; a model
    not trained yet, or trained on images of an older ``GENERATOR_VERSION``, raises
    :class:`MissingFile` saying how to train it.
    """
    path = Path(weights_dir) / f"{name}.pt"
    how = f"train it with `python -m pytest_xai.models.train --model {name}`"
    if not path.is_file() or not (Path(weights_dir) / f"{name}.json").is_file():
        raise MissingFile(f"model {name}: {path} or its card {name}.json is missing; {how}")
    model_card = card(name, weights_dir)  # a corrupt card raises CorruptFile naming it
    if model_card.get("generator_version") != mini_data.WORLD.version:
        raise MissingFile(f"model {name} was trained on images of generator version "
                          f"{model_card.get('generator_version')}, the data is now version "
                          f"{mini_data.WORLD.version}: re{how}")
    blob = path.read_bytes()
    if hashlib.sha256(blob).hexdigest() != model_card.get("sha256"):
        raise CorruptFile(f"model {name}: {path} does not match the sha256 of its card; re{how}")
    return blob
