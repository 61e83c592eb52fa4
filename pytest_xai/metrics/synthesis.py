"""Whether the class images a model draws show the class (Boychev 2023: robust models draw
recognisable objects, vanilla ones patterns only they respond to), judged by other models."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, ClassVar, Sequence

from pytest_xai.metrics.base import Metric, check_inputs
from pytest_xai.synthesis import CLASS_EPS_224, CLASS_STEP_224, CLASS_STEPS

if TYPE_CHECKING:
    from torch import Tensor

    from pytest_xai.benchmarks.base import LoadedModel


@dataclasses.dataclass(frozen=True)
class ClassImageAccuracy(Metric):
    """Per image, the model draws a class image of the image's label (``pytest_xai.synthesis.
    class_images``, from the noise of seed ``noise_seed`` + the image's position) and scores
    the share of the judges, every model of the benchmark of another architecture (vanilla,
    robust and AdvProp alike, the same judges for both twins of a pair), that classify the
    drawing as that label. The mean over images is the share of (class image, judge) pairs
    judged as intended. Only the label and the position of an image matter; the image, the
    map and the method do not (every method of a model gets the same scores, and no reference
    map).

    - ``eps``, ``step_size``: the ascent's L2 ball and step at 224 px, scaled to the image.
    - ``steps``: ascent steps.
    - ``noise_seed``: the first image's noise seed.
    - ``batch_size``: class images drawn at a time.
    """

    name: ClassVar[str] = "class_image_accuracy"
    higher_is_better: ClassVar[bool] = True
    bounds: ClassVar[tuple[float, float]] = (0.0, 1.0)
    tags: ClassVar[tuple[str, ...]] = ("synthesis",)
    reads_maps: ClassVar[bool] = False
    needs_judges: ClassVar[bool] = True
    eps: float = CLASS_EPS_224
    step_size: float = CLASS_STEP_224
    steps: int = CLASS_STEPS
    noise_seed: int = 0
    batch_size: int = 64

    def __post_init__(self) -> None:
        if self.eps <= 0 or self.step_size <= 0 or self.steps < 1 or self.batch_size < 1:
            raise ValueError("eps and step_size must be positive, steps and batch_size >= 1")

    def code_digest(self) -> str:
        from pytest_xai import synthesis
        from pytest_xai.store import source_digest

        return source_digest(type(self)) + source_digest(synthesis)

    def score(self, model: "LoadedModel", images: "Tensor", targets: "Tensor", maps: "Tensor", boxes: "Tensor",
              judges: Sequence["LoadedModel"] = ()) -> "Tensor":
        import torch

        from pytest_xai.synthesis import class_images

        check_inputs(images, maps, boxes)
        if not judges:
            raise ValueError(f"{self.name} needs judges: models of another architecture than {model.spec.arch}")
        h, w = images.shape[-2:]
        hits = []
        for lo in range(0, len(images), self.batch_size):
            labels = targets[lo:lo + self.batch_size]
            seeds = range(self.noise_seed + lo, self.noise_seed + lo + len(labels))
            drawn = class_images(model, labels, seeds, (h, w), self.eps, self.step_size, self.steps)
            with torch.no_grad():
                votes = [judge(judge.normalize(drawn.to(judge.device))).argmax(1).cpu() == labels.cpu()
                         for judge in judges]
            hits.append(torch.stack(votes).float().mean(0))
        return torch.cat(hits).float()
