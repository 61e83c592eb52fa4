"""How close a short Extremal Perturbation run comes to the paper's 800 iterations.

    python -m studies.ep_schedule [--images 8] [--iterations 20]

On the first N test images the mini `resnet` classifies correctly, computes the EP map
(mean over the paper's four area masks) three ways: TorchRay's ``extremal_perturbation``
with 800 iterations (the paper's setting, the reference), TorchRay's function cut to
``--iterations``, and pytest-xai's ``ExtremalPerturbation`` at ``--iterations`` (the same
TorchRay blocks with the schedule compressed into the shorter run). Prints, per way, the
seconds per image, the mean and smallest Pearson correlation with the reference map, and
the share of the image above half the map's maximum (the reference masks cover 2.5-20 %).
"""

from __future__ import annotations

import argparse
import time
import warnings

import torch

from pytest_xai.benchmarks.mini import world as mini
from pytest_xai.benchmarks.mini import zoo as mini_zoo
from pytest_xai.methods import ExtremalPerturbation


class _Loaded:
    """The part of a loaded model EP uses."""

    def __init__(self, net: torch.nn.Module) -> None:
        self.net = net


def torchray_maps(net: torch.nn.Module, images: torch.Tensor, targets: torch.Tensor, max_iter: int) -> torch.Tensor:
    """TorchRay's own ``extremal_perturbation``, one image at a time, mean over the areas."""
    from torchray.attribution.extremal_perturbation import extremal_perturbation

    method = ExtremalPerturbation()
    step, sigma = method.mask_params(images.shape[-1])
    maps = []
    for image, target in zip(images, targets.tolist()):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            masks, _ = extremal_perturbation(net, image[None], target, areas=list(method.areas), max_iter=max_iter,
                                             step=step, sigma=sigma, smooth=method.smooth)
        maps.append(masks.mean(dim=0)[0])
    return torch.stack(maps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--iterations", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(1)
    net = mini_zoo.load("resnet")
    images, labels, _ = mini.make_split("test", 4 * args.images, 0)
    inputs = (images - torch.tensor(mini_zoo.MEAN).view(1, 3, 1, 1)) / torch.tensor(mini_zoo.STD).view(1, 3, 1, 1)
    with torch.no_grad():
        right = net(inputs).argmax(1) == labels
    inputs, labels = inputs[right][:args.images], labels[right][:args.images]
    ways = {
        "torchray, 800 iterations (reference)": lambda: torchray_maps(net, inputs, labels, 800),
        f"torchray, {args.iterations} iterations": lambda: torchray_maps(net, inputs, labels, args.iterations),
        f"pytest-xai, {args.iterations} iterations": lambda: ExtremalPerturbation(max_iter=args.iterations).explain(
            _Loaded(net), inputs, labels, seed=0),
    }
    reference = None
    print(f"{len(inputs)} images; {'way':<40} {'s/image':>8} {'corr mean':>10} {'corr min':>9} {'> half max':>11}")
    for name, compute in ways.items():
        start = time.perf_counter()
        maps = compute().flatten(1)
        seconds = (time.perf_counter() - start) / len(inputs)
        reference = maps if reference is None else reference
        corr = torch.stack([torch.corrcoef(torch.stack([a, b]))[0, 1] for a, b in zip(maps, reference)])
        above = (maps > 0.5 * maps.max(dim=1, keepdim=True).values).float().mean(dim=1)
        print(f"{'':<{len(str(len(inputs))) + 9}}{name:<40} {seconds:8.2f} {corr.mean():10.2f} {corr.min():9.2f} "
              f"{above.mean():11.2f}", flush=True)


if __name__ == "__main__":
    main()
