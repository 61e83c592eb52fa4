"""The metric contract: ``score(model, images, targets, maps, boxes) -> [B]`` per-image scores."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from pytest_xai.profiles import with_fast_caps

if TYPE_CHECKING:
    from torch import Tensor

def check_inputs(images: Tensor, maps: Tensor, boxes: Tensor | None = None) -> tuple[int, int, int]:
    """Validate shapes ([B,3,H,W], [B,H,W], [B,4]) and finiteness of the maps; return (B, H, W)."""
    import torch

    if images.ndim != 4:
        raise ValueError(f"images must be [B, C, H, W], got {tuple(images.shape)}")
    b, _, h, w = images.shape
    if tuple(maps.shape) != (b, h, w):
        raise ValueError(f"maps must be [B, H, W] = {(b, h, w)}, got {tuple(maps.shape)}")
    # min and max carry any NaN or infinity: an order of magnitude cheaper than isfinite over
    # every pixel, which was most of the Pointing Game's time
    if maps.numel() and not torch.isfinite(torch.stack(torch.aminmax(maps))).all():
        raise ValueError("maps must be finite")
    if boxes is not None and tuple(boxes.shape) != (b, 4):
        raise ValueError(f"boxes must be [B, 4], got {tuple(boxes.shape)}")
    return b, h, w


@dataclasses.dataclass(frozen=True)
class Metric:
    """Base class. Subclasses are frozen dataclasses whose fields are their parameters.

    ``score`` gets the whole image set of a run: images [B,3,H,W] in the model's
    normalised input space, targets [B] (long), maps [B,H,W] (higher = more important,
    on the image grid) and boxes [B,4] (long, inclusive x0, y0, x1, y1). It returns
    per-image scores [B] (float32, on CPU), each within ``bounds``. Every metric is
    invariant to a positive rescaling of a map and deterministic, and an image's score
    does not depend on the other images or on ``batch_size`` (up to rounding).
    """

    name: ClassVar[str]
    higher_is_better: ClassVar[bool]
    bounds: ClassVar[tuple[float, float]]
    tags: ClassVar[tuple[str, ...]]
    # A metric that takes long per image (Insertion, Deletion: ~100 model calls each) says
    # so here, and ``score`` then takes ``progress(done, total)``, called as images finish.
    reports_progress: ClassVar[bool] = False
    # A metric that needs the method itself, not only its maps (a sanity check explaining a
    # changed model, an attack explaining changed images), says so here, and ``score`` then
    # takes ``explain(model, images01=None) -> maps``: the method's maps of a ``LoadedModel``
    # on the same images, or on ``images01`` ([0, 1] pixels, one per image, same labels).
    needs_explainer: ClassVar[bool] = False
    # A metric that judges with other models (the class images of ``synthesis``) says so here,
    # and ``score`` then takes ``judges``: every model of the benchmark of another
    # architecture, loaded, in registration order.
    needs_judges: ClassVar[bool] = False
    # A metric that ignores the map (a property of the model measured in every cell, such as
    # an attack's success) says so here: its cells get no comparison with a reference map.
    reads_maps: ClassVar[bool] = True
    #: budget field -> its cap under the ``fast`` profile (see ``profiles.with_fast_caps``)
    fast_caps: ClassVar[dict[str, int]] = {}

    @property
    def reads_method(self) -> bool:
        """Whether the scores depend on the method: through its maps or by explaining. A
        metric that does neither scores a model once for all its methods."""
        return self.reads_maps or self.needs_explainer

    def with_profile(self, profile: str) -> "Metric":
        """This metric under ``profile``: ``paper`` leaves it as is, ``fast`` caps its budgets."""
        return with_fast_caps(self, profile, self.fast_caps)

    def with_inputs_per_pass(self, inputs: int) -> "Metric":
        """This metric with ``batch_size`` (the network inputs of one forward, where it makes
        forwards) set to a memory budget's ``inputs`` (``pytest_xai.batching``); a metric
        without one is unchanged."""
        if "batch_size" not in {field.name for field in dataclasses.fields(self)}:
            return self
        return dataclasses.replace(self, batch_size=inputs)  # type: ignore[call-arg]

    def params(self) -> dict[str, Any]:
        """Parameters as plain JSON values."""
        return dataclasses.asdict(self)

    def code_digest(self) -> str:
        """A digest of the code the scores depend on, for the score store's key: the class's
        source; a metric whose logic lives partly outside the class adds that code."""
        from pytest_xai.store import source_digest

        return source_digest(type(self))

    def score(self, model: Callable[[Tensor], Tensor], images: Tensor, targets: Tensor,
              maps: Tensor, boxes: Tensor) -> Tensor:
        raise NotImplementedError

    def aggregate(self, scores: Tensor, targets: Tensor) -> float:
        """Dataset-level score from per-image scores: their mean."""
        return float(scores.double().mean())
