"""Our batched engines side by side with their per-image references, on the same inputs:
seconds per image, the speed-up and the agreement, measured interleaved in one process
(median of ``--repeats``).

    python -m studies.engines [--images 16] [--model resnet] [--repeats 3] [--rise 1000,8000] [--rise-images 2]
                              [--only insertion,deletion,pointing_game,wsl,rise,ep] [--tile 16]
                              [--ep-iterations 800] [--ep-images 1] [--threads N]

On the mini ``model``'s first CL-free test images (seed 0) with its Gradient maps:

- Insertion and Deletion against eclique/RISE's ``CausalMetric.single_run`` transcribed
  per image (``studies.references``): max |AUC difference|, and the share of our engine's
  time spent inside the model's forward passes (torch profiler);
- Pointing Game against TorchRay's ``PointingGame.evaluate`` per image: decisions equal;
- WSL against wsolevaluation's per-threshold contour loop (transcribed): decisions equal
  (on the ``--images`` maps themselves: ours sweeps a repeated map once, so tiled copies
  would flatter it);
- RISE against ``torchray.attribution.rise`` at each mask count of ``--rise`` on
  ``--rise-images`` images, both at TorchRay's default batch of 32 masked images per
  forward and both at 256: Spearman of the target class's maps (the two draw their
  masks differently, so they agree only as far as two mask sets of that size do),
  speed, and each one's share of time inside forwards (both make N forwards per image,
  so that share bounds the speed-up).

- EP against TorchRay's ``extremal_perturbation`` (our loop of TorchRay's blocks, TorchRay's
  schedule at 800 iterations) at ``--ep-iterations`` on ``--ep-images`` images: the maps
  (mean over the areas) agree to rounding. How a short EP run compares with 800
  iterations is ``python -m studies.ep_schedule``.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from typing import Callable

import numpy as np
import torch
from scipy.stats import spearmanr

from pytest_xai.benchmarks.mini import world as mini
from pytest_xai.methods import RISE
from pytest_xai.methods.base import configured
from pytest_xai.metrics import WSL, Deletion, Insertion, PointingGame
from pytest_xai.session import base_registry
from studies.common import explain, mini_model
from studies.references import max_box_acc_scores, rise_causal_auc, torchray_pointing_hits


def timed(run: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = run()
    return time.perf_counter() - start, out


def side_by_side(ours: Callable[[], object], reference: Callable[[], object], repeats: int,
                 n: int) -> tuple[float, float, object, object]:
    """Median seconds per image of each, interleaved; the last outputs."""
    ours_s, ref_s = [], []
    for _ in range(repeats):
        seconds, ours_out = timed(ours)
        ours_s.append(seconds / n)
        seconds, ref_out = timed(reference)
        ref_s.append(seconds / n)
    return statistics.median(ours_s), statistics.median(ref_s), ours_out, ref_out


def forward_share(model: Callable, run: Callable[[], object]) -> float:
    """The share of ``run``'s time spent inside the model's forward passes."""
    inside = [0.0]
    net = model.net

    def timed_forward(*args: object, _forward: Callable = net.forward) -> object:
        start = time.perf_counter()
        out = _forward(*args)
        inside[0] += time.perf_counter() - start
        return out

    net.forward = timed_forward
    try:
        total, _ = timed(run)
    finally:
        del net.forward
    return inside[0] / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=16)
    parser.add_argument("--model", default="resnet")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rise", default="1000,8000", help="mask counts to compare RISE at ('' to skip)")
    parser.add_argument("--rise-images", type=int, default=2)
    parser.add_argument("--only", default="insertion,deletion,pointing_game,wsl,rise,ep", help="engines to compare")
    parser.add_argument("--tile", type=int, default=16, help="copies of the maps for the Pointing Game")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's own)")
    parser.add_argument("--ep-iterations", type=int, default=800, help="EP's iterations, both ways")
    parser.add_argument("--ep-images", type=int, default=1)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    only = set(args.only.split(","))
    registry = base_registry()
    model = mini_model(registry, args.model)
    images01, labels, boxes = mini.make_split("test", args.images, 0)
    x = model.normalize(images01)
    maps = explain(configured(registry.methods["gradient"], model.spec, "fast"), model, x, labels)
    n = args.images
    rows = []

    for metric in [m for m in (Insertion(), Deletion()) if m.name in only]:
        start, finish = metric.endpoints(x)
        step = metric.pixels_per_step(x.shape[2], x.shape[3])
        ours_t, ref_t, ours, ref = side_by_side(
            lambda: metric.score(model, x, labels, maps, boxes),
            lambda: torch.tensor([rise_causal_auc(model, start[i:i + 1], finish[i:i + 1], int(labels[i]), maps[i], step)
                                  for i in range(n)]), args.repeats, n)
        share = forward_share(model, lambda: metric.score(model, x, labels, maps, boxes))
        rows.append((metric.name, "eclique/RISE CausalMetric.single_run, per image", ours_t, ref_t,
                     f"max |AUC diff| {float((ours - ref).abs().max()):.1e}; {share:.0%} of our time in forwards"))

    tiled = [t.repeat(args.tile, *([1] * (t.ndim - 1))) for t in (x, labels, maps, boxes)]
    m = n * args.tile
    if "pointing_game" in only:
        pointing = PointingGame()
        tolerance = pointing.tolerance_for(x.shape[2], x.shape[3])
        ours_t, ref_t, ours, ref = side_by_side(
            lambda: pointing.score(model, *tiled),
            lambda: torchray_pointing_hits(tiled[2], tiled[3], tolerance), args.repeats, m)
        rows.append(("pointing_game", f"TorchRay PointingGame.evaluate, per image ({m})", ours_t, ref_t,
                     f"{int((ours.numpy() == np.array(ref)).sum())}/{m} decisions equal"))
    if "wsl" in only:
        wsl = WSL()         # on distinct maps: ours sweeps a repeated map once
        ours_t, ref_t, ours, ref = side_by_side(
            lambda: wsl.score(model, x, labels, maps, boxes),
            lambda: max_box_acc_scores(maps.numpy(), boxes.numpy()), args.repeats, n)
        rows.append(("wsl", f"wsolevaluation per-threshold loop ({n})", ours_t, ref_t,
                     f"{int((ours.numpy() == ref).sum())}/{n} decisions equal"))

    for masks in [int(k) for k in args.rise.split(",") if k and "rise" in only]:
        from torchray.attribution.rise import rise as torchray_rise

        k = args.rise_images
        ours_method = dataclasses.replace(configured(registry.methods["rise"], model.spec, "paper"), n_masks=masks)
        for batch in (32, 256):      # TorchRay's default batch, then a larger one, for both
            method = dataclasses.replace(ours_method, batch_size=batch)

            def reference(batch: int = batch) -> torch.Tensor:
                return torch.stack([torchray_rise(model.net, x[i:i + 1], num_masks=masks,
                                                  batch_size=batch)[0, int(labels[i])] for i in range(k)])

            def ours_run(method: RISE = method) -> torch.Tensor:
                return explain(method, model, x[:k], labels[:k])

            ours_t, ref_t, ours, ref = side_by_side(ours_run, reference, args.repeats, k)
            rho = statistics.fmean(float(spearmanr(o.flatten(), r.flatten()).statistic) for o, r in zip(ours, ref))
            shares = (forward_share(model, ours_run), forward_share(model, reference))
            rows.append((f"rise {masks}", f"torchray.attribution.rise, same masks, batch {batch}", ours_t, ref_t,
                         f"Spearman of maps {rho:.2f} (mean over {k} images); in forwards: ours {shares[0]:.0%}, "
                         f"TorchRay {shares[1]:.0%}"))

    if "ep" in only:
        from studies.ep_schedule import torchray_maps

        k, iterations = args.ep_images, args.ep_iterations
        method = dataclasses.replace(configured(registry.methods["ep"], model.spec, "paper"), max_iter=iterations)
        ours_t, ref_t, ours, ref = side_by_side(
            lambda: explain(method, model, x[:k], labels[:k]),
            lambda: torchray_maps(model.net, x[:k], labels[:k], iterations), args.repeats, k)
        pearson = min(float(torch.corrcoef(torch.stack([o.flatten(), r.flatten()]))[0, 1]) for o, r in zip(ours, ref))
        rows.append((f"ep {iterations}", "torchray extremal_perturbation, per image", ours_t, ref_t,
                     f"smallest Pearson of maps {pearson:.3f} ({k} images); max |diff| "
                     f"{float((ours - ref).abs().max()):.1e}"))

    print(f"mini {args.model}, {n} test images of seed 0 ({args.repeats} interleaved repeats, median):")
    print(f"{'engine':<14} {'reference':<50} {'ours s/img':>11} {'ref s/img':>10} {'speed-up':>9}  agreement")
    for name, reference, ours_t, ref_t, agreement in rows:
        print(f"{name:<14} {reference:<50} {ours_t:>11.3g} {ref_t:>10.3g} {ref_t / ours_t:>8.1f}x  {agreement}")


if __name__ == "__main__":
    main()
