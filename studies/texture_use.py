"""Which zoo models read the world's non-robust texture.

    python -m studies.texture_use --weights-dir runs/zoo-v4 [--models alexnet,resnet] [--world 4] [--images 600]

For each trained model of ``--weights-dir``: its accuracy on test images of seed 1 (the
default run uses seed 0) as the world draws them and with the texture left out, all
else equal. A model that reads the texture loses accuracy without it (the v4 ResNet:
0.92 -> 0.61); one that reads only the digit does not. Accuracy counts decisions only,
so the mean true-class margin (its logit minus the largest other) is printed too: a
model that leans on the texture a little, short of changing its decisions, loses
margin without it. ``--inside`` lays the texture over the digit's box too
(``World.texture_inside``).
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import torch

from pytest_xai.benchmarks.base import LoadedModel
from pytest_xai.benchmarks.mini import world as mini
from pytest_xai.benchmarks.mini import zoo as mini_zoo
from pytest_xai.session import base_registry
from studies.generator_probe import accuracy, load_pair, logits


def mean_margin(model: LoadedModel, images01: torch.Tensor, labels: torch.Tensor) -> float:
    """Mean over the images of the true class's logit minus the largest other logit."""
    z = logits(model, images01)
    true = z.gather(1, labels[:, None])[:, 0]
    other = z.scatter(1, labels[:, None], float("-inf")).max(1).values
    return (true - other).mean().item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights-dir", type=Path, required=True)
    parser.add_argument("--models", help="comma-separated (default: every model with weights there)")
    parser.add_argument("--world", type=int, default=4, help="a registered world's version")
    parser.add_argument("--version", type=int, help="draw the images of this version instead (a probe's world)")
    parser.add_argument("--inside", action="store_true", help="the texture covers the digit's box too")
    parser.add_argument("--images", type=int, default=600)
    args = parser.parse_args()
    torch.set_num_threads(1)
    world = mini.WORLDS[args.world]
    world = dataclasses.replace(world, version=args.version or world.version, texture_inside=args.inside)
    if not world.texture:
        parser.error(f"world {args.world} has no texture")
    names = args.models.split(",") if args.models else [n for n in mini_zoo.MINI_INFO
                                                         if (args.weights_dir / f"{n}.pt").is_file()]
    images, labels, _ = mini.make_split("test", args.images, 1, world=world)
    plain = mini.make_split("test", args.images, 1, world=dataclasses.replace(world, texture=0))[0]
    print(f"{'model':<16} {'accuracy':>9} {'without texture':>16} {'margin':>7} {'without texture':>16}")
    for model in load_pair(base_registry(), args.weights_dir, tuple(names)):
        print(f"{model.spec.name:<16} {accuracy(model, images, labels):>9.3f} {accuracy(model, plain, labels):>16.3f} "
              f"{mean_margin(model, images, labels):>7.2f} {mean_margin(model, plain, labels):>16.2f}", flush=True)


if __name__ == "__main__":
    main()
