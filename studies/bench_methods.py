"""Seconds per image of every registered method, at the `paper` and `fast` budgets.

    python -m studies.bench_methods [--benchmark smoke] [--model smoke-gap] [--images 4]
                                       [--methods gradient,rise] [--threads 1] [--device cpu]

Prints one line per method and profile. The figure is the wall time of one
``explain`` call on a batch of ``--images`` images (after one warm-up call on one
image), divided by the number of images.
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", default="smoke")
    parser.add_argument("--model", default="smoke-gap")
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--methods", default="all")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    import torch

    from pytest_xai.benchmarks.base import LoadedModel
    from pytest_xai.methods.base import configured
    from pytest_xai.session import base_registry

    torch.set_num_threads(args.threads)
    registry = base_registry()
    spec = registry.models_of(args.benchmark)[args.model]
    device = torch.device(args.device)
    model = LoadedModel(spec=spec, net=spec.loader().eval().to(device), device=device)
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
            method.explain(model, images[:1], targets[:1], seed=0)
            start = time.perf_counter()
            method.explain(model, images, targets, seed=0)
            seconds = (time.perf_counter() - start) / len(images)
            print(f"{name:<22} {profile:<6} {seconds:9.4f} s/image  {method.params()}")
            if not method.fast_caps:
                break


if __name__ == "__main__":
    main()
