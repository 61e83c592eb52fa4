"""Where a texture-reading pair's maps go when the texture is moved, the model unchanged.

    python -m studies.texture_placement --weights-dir runs/probes/tE2e5/weights --version 4095 [--texture 2]

The pair (``--arch``, default the ResNet) is evaluated on test images of seed 1 drawn by
the V4 world with its texture (amplitude ``--texture``) in the digit's box alone,
everywhere, outside the box alone, and nowhere; ``--version`` seeds the images (the
probe's world, so layouts are those it was tested on). For each placement, vanilla /
robust: accuracy, the number of images both classify correctly (CL) and on those the
share of |gradient| and of min-max normalised CAM mass inside the box, and Gradient and
GradCAM under Pointing Game and WSL. If a vanilla model's gradient leaves the box even
where no texture lies outside it, the spread is the model's (its texture detectors'
input gradient), not the image's: a texture inside the box alone can then move gradients
off the box and leave CAMs, which follow the evidence, on it.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import torch

from pytest_xai.benchmarks.mini import world as mini
from pytest_xai.session import base_registry
from studies.generator_probe import ARCHS, accuracy, load_pair, localization_scores


def placements(world: mini.World) -> dict[str, mini.World]:
    """The world with its texture in the box alone, everywhere, outside the box alone, nowhere."""
    outside = dataclasses.replace(world, texture_inside=False, texture_box_only=False, texture_ring=(0, 0))
    return {"box only": dataclasses.replace(outside, texture_box_only=True),
            "everywhere": dataclasses.replace(outside, texture_inside=True),
            "outside only": outside, "none": dataclasses.replace(outside, texture=0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights-dir", type=Path, required=True)
    parser.add_argument("--version", type=int, required=True, help="the world version whose images to draw")
    parser.add_argument("--texture", type=int, default=2, help="texture amplitude in grey levels")
    parser.add_argument("--arch", default="resnet", choices=ARCHS)
    parser.add_argument("--images", type=int, default=300)
    args = parser.parse_args()
    torch.set_num_threads(1)
    world = dataclasses.replace(mini.V4, version=args.version, texture=args.texture)
    registry = base_registry()
    models = load_pair(registry, args.weights_dir, (args.arch, f"{args.arch}-r"))
    shown = [("gradient", "pointing_game"), ("gradient", "wsl"), ("gradcam", "pointing_game"), ("gradcam", "wsl")]
    print(f"{'texture':<13} {'accuracy':>13} {'CL':>4} {'|grad| in box':>13} {'CAM in box':>13} "
          + " ".join(f"{m + ' ' + k:>22}" for m, k in shown))
    for label, placed in placements(world).items():
        images, labels, boxes = mini.make_split("test", args.images, 1, world=placed)
        right = [torch.cat([m(b).argmax(1) for b in m.normalize(images).split(250)]).eq(labels) for m in models]
        cl = torch.stack(right).all(0)
        hits, shares = localization_scores(registry, models, images[cl], labels[cl], boxes[cl])
        pair = lambda values: " / ".join(f"{v:.3f}" for v in values)  # noqa: E731
        print(f"{label:<13} {pair([accuracy(m, images, labels) for m in models]):>13} {int(cl.sum()):>4} "
              f"{pair(shares['gradient']):>13} {pair(shares.get('cam', [])):>13} "
              + " ".join(f"{pair([s.mean() for s in hits[key]]):>22}" for key in shown), flush=True)


if __name__ == "__main__":
    main()
