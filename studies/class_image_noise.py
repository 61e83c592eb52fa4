"""Which starting noise lets the mini models' class images show their class, and whether the
judges' own training explains the robust models' lead (the numbers behind Y1's recipe).

    python -m studies.class_image_noise [--per-class 3] [--first-seed 1000] [--noise coarse,pixel,grey]

For each twin model of the committed mini zoo: ``--per-class`` class images of every class
(``pytest_xai.synthesis.class_images``, the metric's budgets) from each kind of noise, seeds
from ``--first-seed`` on (the metric's own start at 0), judged as ``class_image_accuracy``
judges them (every model of another architecture), and the shares of the vanilla judges
and of the robust and AdvProp judges apart. ``coarse`` is ``synthesis.noise`` (the metric's);
``pixel`` uniform [0, 1] per pixel; ``grey`` 0.5 + 0.1 N(0, 1) per pixel, clamped.
"""

from __future__ import annotations

import argparse
from statistics import fmean
from typing import Callable, Sequence

import torch

import pytest_xai as px
from pytest_xai import synthesis

Noise = Callable[[Sequence[int], Sequence[int]], torch.Tensor]


def pixel_noise(shape: Sequence[int], seeds: Sequence[int]) -> torch.Tensor:
    return torch.stack([torch.rand(tuple(shape), generator=torch.Generator().manual_seed(int(s))) for s in seeds])


def grey_noise(shape: Sequence[int], seeds: Sequence[int]) -> torch.Tensor:
    return torch.stack([(0.5 + 0.1 * torch.randn(tuple(shape), generator=torch.Generator().manual_seed(int(s))))
                        .clamp(0, 1) for s in seeds])


NOISES: dict[str, Noise] = {"coarse": synthesis.noise, "pixel": pixel_noise, "grey": grey_noise}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-class", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=1000)
    parser.add_argument("--noise", default=",".join(NOISES), help="comma-separated: " + ", ".join(NOISES))
    args = parser.parse_args()
    models = {name: px.load_model(name) for name in px.list_models("mini")}
    twins = [n for n, m in models.items() if m.spec.training in ("vanilla", "robust")]
    classes = torch.arange(10).repeat_interleave(args.per_class)
    seeds = [args.first_seed + i for i in range(len(classes))]
    for kind in args.noise.split(","):
        start = NOISES[kind]((3, 64, 64), seeds)
        for name in twins:
            model = models[name]
            drawn = synthesis.class_images(model, classes, seeds, (64, 64), start=start)
            judges = [j for j, m in models.items() if m.spec.arch != model.spec.arch]
            with torch.no_grad():
                share = {j: float((models[j](models[j].normalize(drawn)).argmax(1) == classes).float().mean())
                         for j in judges}
            vanilla = [share[j] for j in judges if models[j].spec.training == "vanilla"]
            other = [share[j] for j in judges if models[j].spec.training != "vanilla"]
            print(f"{kind:6s} {name:12s} all judges {fmean(share.values()):.3f}  vanilla judges {fmean(vanilla):.3f}"
                  f"  robust and AdvProp judges {fmean(other):.3f}", flush=True)


if __name__ == "__main__":
    main()
