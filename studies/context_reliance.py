"""How much each trained mini model leans on the background: accuracy on test images whose
background is the class's own photograph vs the others, and, with ``--localization``,
where Gradient and GradCAM point on the images it classifies correctly.

    python -m studies.context_reliance [--images 1000] [--localization]

A model that used only the digit would score the same on both; one that used only the
background would reach ~1 on the first and ~1/10 on the second (chance). The Pointing
Game columns show whether a method's peak lands on the digit when the class photograph
is there to point at instead.
"""

from __future__ import annotations

import argparse

import torch

from pytest_xai.benchmarks.mini import world as mini
from pytest_xai.benchmarks.mini import zoo as mini_zoo
from pytest_xai.methods.base import configured
from pytest_xai.metrics.localization import PointingGame
from pytest_xai.session import base_registry
from studies.common import correct, explain, mini_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=1000, help="test images 0..N-1 of seed 0")
    parser.add_argument("--localization", action="store_true",
                        help="also Gradient and GradCAM Pointing Game (fast profile) on the correctly classified images")
    args = parser.parse_args()
    torch.set_num_threads(1)
    registry = base_registry()
    methods = ("gradient", "gradcam") if args.localization else ()
    images, labels, boxes = mini.make_split("test", args.images, 0)
    keyed = mini.in_context("test", args.images, 0)
    print(f"{args.images} test images, {int(keyed.sum())} on their class photograph")
    header = "".join(f" {m + ' PG':>13} {'':>6}" for m in methods)
    print(f"{'model':<12} {'all':>6} {'context':>8} {'other':>6}{header}")
    print(f"{'':<12} {'':>6} {'':>8} {'':>6}" + f" {'context':>13} {'other':>6}" * len(methods))
    for name in mini_zoo.MINI_MODELS:
        if not mini_zoo.is_trained(name):
            print(f"{name:<12} not trained")
            continue
        model = mini_model(registry, name)
        inputs = model.normalize(images)
        right = correct(model, images, labels)
        line = f"{name:<12} {right.float().mean():6.3f} {right[keyed].float().mean():8.3f} {right[~keyed].float().mean():6.3f}"
        for method_name in methods:
            method = configured(registry.methods[method_name], model.spec, "fast")
            x, y, b = inputs[right], labels[right], boxes[right]
            maps = explain(method, model, x, y)
            hit = PointingGame().score(model, x, y, maps, b)
            line += f" {hit[keyed[right]].mean():13.3f} {hit[~keyed[right]].mean():6.3f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
