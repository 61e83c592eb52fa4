"""RISE's localization against its number of masks, on the mini ResNet pair.

    python -m studies.rise_masks [--images 64] [--masks 200,500,1000,2000,8000]

On the first ``--images`` CL images of the ResNet pair (among the first 600 test images),
with each model's Table A1 settings and ``n_masks`` replaced: RISE's mean Pointing Game
and WSL and its seconds per image (two CPU threads). Chooses the fast profile's mask cap.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import torch

from pytest_xai.benchmarks.mini import world as mini
from pytest_xai.methods.base import configured
from pytest_xai.metrics.localization import WSL, PointingGame
from pytest_xai.session import base_registry
from studies.common import correct, explain, mini_model

PAIR = ("resnet", "resnet-r")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--masks", default="200,500,1000,2000,8000")
    args = parser.parse_args()
    torch.set_num_threads(2)
    registry = base_registry()
    images, labels, boxes = mini.make_split("test", 600, 0)
    models = [mini_model(registry, name) for name in PAIR]
    for model in models:  # as the grid runs the zoo: faster convolutions, same maps
        model.net.to(memory_format=torch.channels_last)
    right = [correct(m, images, labels) for m in models]
    cl = (right[0] & right[1]).nonzero()[:args.images, 0]
    x, y, b = models[0].normalize(images[cl]), labels[cl], boxes[cl]
    print(f"RISE on {len(cl)} CL images of {' / '.join(PAIR)}: Pointing Game, WSL, seconds per image")
    for n_masks in (int(n) for n in args.masks.split(",")):
        line = f"{n_masks:>6} masks"
        for model in models:
            method = dataclasses.replace(configured(registry.methods["rise"], model.spec, "paper"), n_masks=n_masks)
            start = time.perf_counter()
            maps = explain(method, model, x, y, batch=16)
            seconds = (time.perf_counter() - start) / len(cl)
            pg = PointingGame().score(model, x, y, maps, b).mean()
            wsl = WSL().score(model, x, y, maps, b).mean()
            line += f" | {model.spec.name} {pg:.3f} {wsl:.3f} {seconds:.2f} s"
        print(line, flush=True)


if __name__ == "__main__":
    main()
