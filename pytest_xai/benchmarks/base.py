"""The contracts every benchmark fills: its images (``ImageSet``), itself (``Benchmark``)
and its models (``ModelSpec``, and ``LoadedModel`` once built)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import torch
    from torch import nn


class MissingFile(FileNotFoundError):
    """A local file a benchmark or model needs is absent; the message names the file
    expected and where to put it. Cells needing it are skipped (or fail, with
    ``--xai-require-all``)."""


@dataclass(frozen=True)
class ImageSet:
    """Evaluation images with one ground-truth box each.

    ``images``: float [N, 3, H, W] RGB in [0, 1] (each model normalises them itself);
    ``labels``: long [N]; ``boxes``: long [N, 4] as (x0, y0, x1, y1), inclusive pixel
    coordinates in the images' frame; ``ids``: a stable name per image.
    """

    images: "torch.Tensor"
    labels: "torch.Tensor"
    boxes: "torch.Tensor"
    ids: tuple[str, ...]

    def __post_init__(self) -> None:
        n = len(self.ids)
        if self.images.ndim != 4 or self.images.shape[1] != 3:
            raise ValueError(f"images must be [N, 3, H, W], got {tuple(self.images.shape)}")
        if self.labels.shape != (n,) or self.boxes.shape != (n, 4) or self.images.shape[0] != n:
            raise ValueError("images, labels, boxes and ids must have the same length")

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, indices: list[int]) -> "ImageSet":
        """The images at ``indices``, in that order."""
        import torch

        index = torch.tensor(indices, dtype=torch.long)
        return ImageSet(images=self.images[index], labels=self.labels[index], boxes=self.boxes[index],
                        ids=tuple(self.ids[i] for i in indices))

    def sha256(self) -> str:
        """A content hash of the pixels, labels, boxes and ids."""
        digest = hashlib.sha256()
        for tensor in (self.images, self.labels, self.boxes):
            digest.update(str(tuple(tensor.shape)).encode())
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
        digest.update("\n".join(self.ids).encode())
        return digest.hexdigest()


@dataclass(frozen=True)
class Benchmark:
    """A data set with boxes, plus the models registered under its name.

    ``load(n, seed)`` returns ``n`` evaluation images chosen with ``seed``,
    deterministically (the same call gives the same set on every machine) and
    prefix-stable (``load(n, s)`` is the first ``n`` images of ``load(m, s)``, m >= n).
    ``default_subset`` is ``cl`` or ``random`` (see ``Inputs.images``).
    ``localization_images`` maps a method group (``gradient``, ``cam``) to the number of
    images per model of that group's cells under localization metrics: their maps cost a
    forward and up to a few dozen backward passes per image, and the claims that compare
    localization between models need more images than the perturbation methods and the
    causal metrics can afford in a run. Every other cell takes ``default_images``, the first images of
    the same set; ``--xai-images`` sets one number for all cells.
    ``known_failures`` maps a claim id to the measured reason why that claim does not
    hold on this benchmark; its test is then an expected failure (``xfail``, strict:
    the day the claim holds, the test fails and asks for the entry to go).
    ``generator_digest``, for a benchmark whose images are generated, returns a digest of
    everything they depend on (code, data, versions); its images are then kept in the
    score store, so that a rerun does not generate them again. Images read from files
    have none (their files may change under the same name).
    """

    name: str
    description: str
    load: Callable[[int, int], ImageSet]
    class_names: tuple[str, ...]
    default_images: int
    default_subset: str = "cl"
    localization_images: Mapping[str, int] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    known_failures: Mapping[str, str] = field(default_factory=dict)
    generator_digest: Callable[[], str] | None = None

    def __post_init__(self) -> None:
        from pytest_xai.methods.base import GROUPS

        unknown = sorted(set(self.localization_images) - set(GROUPS))
        if unknown:
            raise ValueError(f"benchmark {self.name!r}: localization_images names unknown method groups {unknown}; "
                             f"the groups are {', '.join(GROUPS)}")
        small = {g: n for g, n in self.localization_images.items() if not isinstance(n, int) or n < self.default_images}
        if small:
            raise ValueError(f"benchmark {self.name!r}: localization_images {small} below default_images "
                             f"({self.default_images}): those cells take more images than the others, not fewer")


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
        return normalize(images01, self.spec.mean, self.spec.std)

    def denormalize(self, images: "torch.Tensor") -> "torch.Tensor":
        """The network's input space -> [0, 1] images."""
        import torch

        mean = torch.tensor(self.spec.mean, device=images.device).view(1, 3, 1, 1)
        std = torch.tensor(self.spec.std, device=images.device).view(1, 3, 1, 1)
        return images * std + mean


def normalize(images01: "torch.Tensor", mean: "Sequence[float]", std: "Sequence[float]") -> "torch.Tensor":
    """[0, 1] images [N, 3, H, W] -> ``(x - mean) / std`` per channel, a network's input."""
    import torch

    mean_t = torch.tensor(mean, dtype=images01.dtype, device=images01.device).view(1, -1, 1, 1)
    std_t = torch.tensor(std, dtype=images01.dtype, device=images01.device).view(1, -1, 1, 1)
    return (images01 - mean_t) / std_t


def state_dict_sha256(net: "nn.Module") -> str:
    """A content hash of a module's parameters and buffers (sorted by name)."""
    digest = hashlib.sha256()
    for name, tensor in sorted(net.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()
