"""What a model is to pytest-xai: a spec (how to build and feed it) and its loaded form."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import torch
    from torch import nn

TRAININGS = ("vanilla", "robust", "advprop", "untrained")


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: its name, role, loader and the preprocessing it expects.

    ``loader`` returns the module in eval mode with its weights; the module takes
    images normalised with ``mean``/``std`` (per channel, of [0, 1] RGB images).
    ``cam_layer`` is the dotted path of the last convolutional block (GradCAM's and
    CAM's layer); ``gap_head`` is True when that block feeds global average pooling
    and a single linear layer, the only head on which CAM is defined.
    ``weights`` says where the weights come from (for people). The score store keys
    on ``weights_digest()``, a cheap identity of the weights where the loader has one
    (the sha256 of the file it checks and loads: a rerun then needs not build the
    model), else on a hash of the loaded weights themselves. ``channels_last``: run the
    module in that memory format (much faster convolutions on CPU); only for modules
    known to work in it (a ``view`` on activations fails there), so off by default.
    """

    name: str
    benchmark: str
    arch: str
    training: str
    loader: Callable[[], "nn.Module"] = field(repr=False, compare=False)
    weights: str
    mean: tuple[float, float, float] = (0.5, 0.5, 0.5)
    std: tuple[float, float, float] = (0.5, 0.5, 0.5)
    cam_layer: str | None = None
    gap_head: bool = False
    tags: tuple[str, ...] = ()
    card: dict[str, Any] = field(default_factory=dict, compare=False)
    method_params: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)
    channels_last: bool = False
    weights_digest: Callable[[], str] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.training not in TRAININGS:
            raise ValueError(f"model {self.name!r}: training must be one of {TRAININGS}")

    @property
    def all_tags(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.training, self.arch, *self.tags)))

    def describe(self) -> dict[str, Any]:
        """The model's entry in the JSON report."""
        return {"name": self.name, "arch": self.arch, "training": self.training,
                "tags": list(self.all_tags), "weights": self.weights,
                "cam_layer": self.cam_layer, "gap_head": self.gap_head,
                "mean": list(self.mean), "std": list(self.std), "card": self.card}


@dataclass(frozen=True)
class LoadedModel:
    """A model ready to explain: the module (eval, on its device) and its spec.

    Calling it runs the network on normalised images: ``model(images) -> logits``.
    """

    spec: ModelSpec
    net: "nn.Module"
    device: "torch.device"

    def __call__(self, images: "torch.Tensor") -> "torch.Tensor":
        return self.net(images)

    def layer(self, dotted: str) -> "nn.Module":
        """The submodule at a dotted path, e.g. ``layer4.1``."""
        return self.net.get_submodule(dotted)

    def normalize(self, images01: "torch.Tensor") -> "torch.Tensor":
        """[0, 1] images -> the network's input space."""
        import torch

        mean = torch.tensor(self.spec.mean, device=images01.device).view(1, 3, 1, 1)
        std = torch.tensor(self.spec.std, device=images01.device).view(1, 3, 1, 1)
        return (images01 - mean) / std

    def denormalize(self, images: "torch.Tensor") -> "torch.Tensor":
        """The network's input space -> [0, 1] images."""
        import torch

        mean = torch.tensor(self.spec.mean, device=images.device).view(1, 3, 1, 1)
        std = torch.tensor(self.spec.std, device=images.device).view(1, 3, 1, 1)
        return images * std + mean


def state_dict_sha256(net: "nn.Module") -> str:
    """A content hash of a module's parameters and buffers (sorted by name)."""
    digest = hashlib.sha256()
    for name, tensor in sorted(net.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()
