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
random initialisation; trained weights live in ``weights/NAME.pt`` beside this module,
each with its card ``NAME.json``.

Importing this module is light (no torch): the registry reads ``MINI_INFO`` when it is
built. The network classes are defined on first use and reachable as module attributes
(``zoo.DualBatchNorm2d``, ``zoo.MiniResNet``, ...).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from pytest_xai.benchmarks.base import MissingFile
from pytest_xai.benchmarks.mini import world as mini_data
from pytest_xai.benchmarks.mini.world import IMAGE_SIZE, NUM_CLASSES

if TYPE_CHECKING:
    from torch import nn

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
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
        cls.__qualname__ = cls.__name__     # reachable as zoo.<name> (module __getattr__)
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


def weights_state(name: str, weights_dir: Path) -> tuple[str, dict]:
    """What the model listing says of ``name``'s weights, and its card when it is trained."""
    if not (Path(weights_dir) / f"{name}.json").is_file():
        return f"{name}.pt, not trained yet", {}
    try:
        model_card = card(name, weights_dir)
    except CorruptFile:
        return f"{name}.pt, its card {name}.json is corrupt", {}
    if model_card.get("generator_version") != mini_data.WORLD.version:
        return f"{name}.pt, stale: trained on images of an older generator version", {}
    return f"{name}.pt, trained by pytest_xai.benchmarks.mini.train", model_card


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
                          f"`python -m pytest_xai.benchmarks.mini.train --model {name}`") from None
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
    how = f"train it with `python -m pytest_xai.benchmarks.mini.train --model {name}`"
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
