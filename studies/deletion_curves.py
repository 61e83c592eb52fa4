"""Where on the Deletion curve the mini models' confidence gap lives (claims F4a, F4b).

    python -m studies.deletion_curves [--images 96]

For each vanilla/robust pair, on up to ``--images`` of the first 600 test images that
both classify correctly (CL): the mean confidence, the mean probability of the target
class after deleting 5, 10, 20, 50 and 100 % of the pixels in Gradient's order (the
Deletion metric as the grid runs it), and the mean Deletion AUC of Gradient's maps and
of uniform random maps. The paper's F4 rests on Deletion following confidence.
"""

from __future__ import annotations

import argparse

import torch

from pytest_xai.benchmarks.mini import world as mini
from pytest_xai.benchmarks.mini import zoo as mini_zoo
from pytest_xai.methods.base import configured
from pytest_xai.metrics.causal import Deletion, auc
from pytest_xai.session import base_registry
from studies.common import correct, mini_model

FRACTIONS = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=96, help="CL images per pair (at most)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    registry = base_registry()
    images, labels, _ = mini.make_split("test", 600, 0)
    deletion = Deletion()
    print("p(target) after deleting a share of the pixels (Gradient's order), and Deletion AUC")
    print(f"{'model':<12} {'images':>6} " + " ".join(f"{f:>6.0%}" for f in FRACTIONS) + "  gradient  random")
    for arch in ("resnet", "googlenet", "densenet", "alexnet", "mobilenet"):
        pair = [arch, f"{arch}-r"]
        if not all(mini_zoo.is_trained(name) for name in pair):
            print(f"{arch:<12} not trained")
            continue
        models = [mini_model(registry, name) for name in pair]
        right = [correct(m, images, labels) for m in models]
        cl = (right[0] & right[1]).nonzero()[:args.images, 0]
        x, y = models[0].normalize(images[cl]), labels[cl]
        for model in models:
            maps = configured(registry.methods["gradient"], model.spec, "fast").explain(model, x, y, seed=0)
            curves = deletion.curves(model, x, y, maps)
            random = deletion.curves(model, x, y, torch.rand(maps.shape, generator=torch.Generator().manual_seed(0)))
            last = curves.shape[1] - 1
            points = " ".join(f"{curves[:, round(f * last)].mean():6.3f}" for f in FRACTIONS)
            print(f"{model.spec.name:<12} {len(cl):>6} {points}  {auc(curves).mean():8.3f} {auc(random).mean():7.3f}",
                  flush=True)


if __name__ == "__main__":
    main()
