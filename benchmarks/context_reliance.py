"""How much each trained mini model leans on the background: accuracy on test images whose
background is the class's own photograph vs the others.

    python benchmarks/context_reliance.py [--images 1000]

A model that used only the digit would score the same on both; one that used only the
background would reach ~1 on the first and ~1/10 on the second (chance).
"""

from __future__ import annotations

import argparse

import torch

from pytest_xai.data import mini
from pytest_xai.models import mini_zoo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=1000, help="test images 0..N-1 of seed 0")
    args = parser.parse_args()
    torch.set_num_threads(1)
    images, labels, _ = mini.make_split("test", args.images, 0)
    keyed = mini.in_context("test", args.images, 0)
    inputs = (images - torch.tensor(mini_zoo.MEAN).view(1, 3, 1, 1)) / torch.tensor(mini_zoo.STD).view(1, 3, 1, 1)
    print(f"{args.images} test images, {int(keyed.sum())} on their class photograph")
    print(f"{'model':<12} {'all':>6} {'context':>8} {'other':>6}")
    for name in mini_zoo.MINI_MODELS:
        if not mini_zoo.is_trained(name):
            print(f"{name:<12} not trained")
            continue
        net = mini_zoo.load(name)
        with torch.no_grad():
            right = torch.cat([net(batch).argmax(1) for batch in inputs.split(250)]) == labels
        print(f"{name:<12} {right.float().mean():6.3f} {right[keyed].float().mean():8.3f} "
              f"{right[~keyed].float().mean():6.3f}")


if __name__ == "__main__":
    main()
