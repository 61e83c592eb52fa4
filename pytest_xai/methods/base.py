"""The explainer contract: ``explain(model, images, targets, seed) -> maps``."""

from __future__ import annotations

import dataclasses
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from pytest_xai.profiles import with_fast_caps

if TYPE_CHECKING:
    import torch

    from pytest_xai.benchmarks.base import LoadedModel, ModelSpec

GROUPS = ("gradient", "cam", "perturbation", "baseline", "other")


def image_seed(image: "torch.Tensor", seed: int) -> int:
    """A seed for one image's random draws: the CRC-32 of its bytes, started from the
    run's seed, so that an image draws the same numbers alone and in any batch."""
    return zlib.crc32(image.detach().cpu().numpy().tobytes(), seed & 0xFFFFFFFF)


@dataclass(frozen=True)
class Method:
    """Base class of attribution methods; subclasses are frozen dataclasses whose
    fields are the method's hyperparameters (recorded in the report, part of the
    score store's key).

    ``explain`` gets a batch of images in the model's normalised input space
    ([B, 3, H, W], on the model's device) and the target classes [B], and returns
    maps [B, H, W] (float, finite, higher = more important) on the input's grid.
    It must give an image the same map alone as in a batch, and the same map
    for the same ``seed``.
    """

    name: ClassVar[str]
    group: ClassVar[str]
    tags: ClassVar[tuple[str, ...]] = ()
    #: budget field -> its cap under the ``fast`` profile (the value used is min(value, cap))
    fast_caps: ClassVar[dict[str, int]] = {}
    batch_size: int = 32
    #: torch threads its maps are computed with, where they depend on it (an optimisation
    #: that amplifies rounding differences between thread counts); None: the process's
    threads: ClassVar[int | None] = None

    def with_profile(self, profile: str) -> "Method":
        """This method under ``profile``: ``paper`` leaves it as is, ``fast`` caps its budgets."""
        return with_fast_caps(self, profile, self.fast_caps)

    def with_inputs_per_pass(self, inputs: int) -> "Method":
        """This method with batches of about ``inputs`` network inputs per forward (a memory
        budget's, ``pytest_xai.batching``): ``batch_size`` counts them for every method whose
        forwards hold one input per image, masked copy, interpolant or sample."""
        return dataclasses.replace(self, batch_size=inputs)

    def params(self) -> dict[str, Any]:
        """Hyperparameters as plain JSON values."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name != "fn" and f.name not in ("name", "group", "tags")}

    @property
    def implementation(self) -> Any:
        """The code that computes the maps (its source is part of the score store's key)."""
        return type(self)

    def code_digest(self) -> str:
        """A digest of the code the maps depend on, for the score store's key: the
        implementation's source; a method whose logic lives partly outside it adds that code."""
        from pytest_xai.store import source_digest

        return source_digest(self.implementation)

    def applies_to(self, spec: "ModelSpec") -> str | None:
        """None if the method can explain this model, else the reason it cannot."""
        return None

    def explain(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                seed: int) -> "torch.Tensor":
        raise NotImplementedError


@dataclass(frozen=True)
class FunctionMethod(Method):
    """A plain function ``fn(model, images, targets) -> maps`` registered as a method.

    The global torch RNG is seeded with the run's seed before each batch.
    """

    fn: Callable[..., "torch.Tensor"] = dataclasses.field(default=None, compare=False)  # type: ignore[assignment]
    name: str = ""  # type: ignore[misc]
    group: str = "other"  # type: ignore[misc]
    tags: tuple[str, ...] = ()  # type: ignore[misc]

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"method {self.name!r}: group must be one of {GROUPS}")

    def params(self) -> dict[str, Any]:
        return {"batch_size": self.batch_size, "function": f"{self.fn.__module__}.{self.fn.__qualname__}"}

    @property
    def implementation(self) -> Any:
        return self.fn

    def explain(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                seed: int) -> "torch.Tensor":
        import torch

        torch.manual_seed(seed)
        return self.fn(model, images, targets)


def checked_maps(method: str, maps: Any, expected: tuple[int, int, int]) -> "torch.Tensor":
    """An explainer's output as float32 maps on the CPU, checked at the boundary: a tensor or
    a numpy array of shape ``expected`` ([B, H, W]) with finite values. Anything else is a
    ValueError naming the method, what it returned and what was expected, so that a user's
    broken explainer fails its own cells with a message that says why."""
    import numpy as np
    import torch

    if isinstance(maps, np.ndarray) and maps.dtype.kind in "biuf":
        maps = torch.from_numpy(maps)
    if not isinstance(maps, torch.Tensor):
        raise ValueError(f"method {method!r} returned {type(maps).__name__}; expected a torch.Tensor or numpy "
                         f"array of maps of shape {expected} ([B, H, W])")
    if tuple(maps.shape) != expected:
        raise ValueError(f"method {method!r} returned maps of shape {tuple(maps.shape)}; expected {expected} "
                         "([B, H, W])")
    maps = maps.detach().float().cpu()
    bad = int((~torch.isfinite(maps)).sum())
    if bad:
        raise ValueError(f"method {method!r} returned maps with {bad} non-finite values (NaN or inf) of "
                         f"{maps.numel()}; expected finite maps")
    return maps


def configured(method: Method, spec: "ModelSpec", profile: str) -> Method:
    """``method`` with the model's own hyperparameters (its benchmark's Table A1 row),
    then the run's profile."""
    overrides = spec.method_params.get(method.name, {})
    if overrides:
        method = dataclasses.replace(method, **overrides)
    return method.with_profile(profile)
