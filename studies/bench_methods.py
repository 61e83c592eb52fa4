"""Seconds per image of every registered method, at the `paper` and `fast` budgets.

    python -m studies.bench_methods [--benchmark smoke] [--model smoke-gap] [--images 4]
                                       [--methods gradient,rise] [--threads 1] [--device cpu]
                                       [--batches 32,256] [--repeats 3]

Prints one line per method and profile. The figure is the wall time of one
``explain`` call on a batch of ``--images`` images (after one warm-up call on one
image), divided by the number of images (median of ``--repeats``). ``--batches``
times each method at each ``batch_size`` (the images or masked copies a forward
holds) instead of its own, and says how far its maps move from those at the first.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", default="smoke")
    parser.add_argument("--model", default="smoke-gap")
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--methods", default="all")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batches", default="", help="batch sizes to time each method at (default: its own)")
    parser.add_argument("--repeats", type=int, default=1, help="timed calls per batch size, interleaved (median)")
    args = parser.parse_args()

    import torch

    from pytest_xai.benchmarks.base import LoadedModel
    from pytest_xai.methods.base import configured
    from pytest_xai.session import base_registry

    torch.set_num_threads(args.threads)
    registry = base_registry()
    spec = registry.models_of(args.benchmark)[args.model]
    device = torch.device(args.device)
    layout = torch.channels_last if spec.channels_last else torch.contiguous_format   # as a run loads it
    model = LoadedModel(spec=spec, net=spec.loader().eval().to(device, memory_format=layout), device=device)
    data = registry.benchmarks[args.benchmark].load(args.images, 0)
    images, targets = model.normalize(data.images.to(device)), data.labels.to(device)
    print(f"{args.benchmark}/{args.model}, {args.images} images of {tuple(images.shape[2:])}, "
          f"{args.threads} thread(s), {device}")
    for name in registry.methods.select(args.methods):
        for profile in ("paper", "fast"):
            method = configured(registry.methods[name], spec, profile)
            if method.applies_to(spec) is not None:
                print(f"{name:<22} {profile:<6} n/a ({method.applies_to(spec)})")
                break
            batches = [int(b) for b in args.batches.split(",") if b] or [method.batch_size]
            variants = [dataclasses.replace(method, batch_size=batch) for batch in batches]
            for variant in variants:
                variant.explain(model, images[:1], targets[:1], seed=0)
            seconds: dict[int, list[float]] = {batch: [] for batch in batches}
            maps = {}
            for _ in range(args.repeats):       # interleaved, so that a change of load hits every batch size
                for variant in variants:
                    start = time.perf_counter()
                    maps[variant.batch_size] = variant.explain(model, images, targets, seed=0)
                    seconds[variant.batch_size].append((time.perf_counter() - start) / len(images))
            first = maps[batches[0]]
            for variant in variants:
                moved = float((maps[variant.batch_size] - first).abs().max() / first.abs().max().clamp_min(1e-12))
                print(f"{name:<22} {profile:<6} {statistics.median(seconds[variant.batch_size]):9.4f} s/image  "
                      f"max |maps - first batch's| / max {moved:.1e}  {variant.params()}")
            if not method.fast_caps:
                break


if __name__ == "__main__":
    main()
