"""How many steps Insertion and Deletion need on the mini zoo.

    python -m studies.causal_steps [--models resnet,resnet-r,mobilenet] [--images 32]

The metrics change 37 pixels per step at 64 px (RISE's 448 at 224 px, scaled by area):
111 steps, 112 model calls per image and cell, most of a default run's time. A coarser
game with ``m`` times the pixels per step visits exactly every m-th state of the fine
one (plus the last), so its AUC is the trapezoid AUC of every m-th point of the fine
curve; the script checks that identity against the metric run with the coarse step,
then prints, for m = 2 (56 steps) and 4 (28 steps), the mean absolute AUC error per
image against 111 steps, the largest such error of one cell, and whether every (model, metric)
ranks the methods the same. Images: the first ``--images`` of test seed 1 (the default
run uses seed 0) that the model's vanilla/robust pair both classify correctly; maps of
the nine methods under the fast profile.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from pytest_xai.benchmarks.mini import world as mini
from pytest_xai.benchmarks.mini import zoo as mini_zoo
from pytest_xai.methods.base import configured
from pytest_xai.metrics.causal import CausalMetric, Deletion, Insertion, auc
from pytest_xai.session import base_registry
from studies.common import correct, explain, mini_model

FACTORS = (2, 4)


def coarse(curves: torch.Tensor, factor: int) -> torch.Tensor:
    """The curve of the game with ``factor`` times the pixels per step: every factor-th
    point of the fine curve, and its last point (all pixels changed)."""
    last = curves.shape[1] - 1
    return curves[:, list(range(0, last, factor)) + [last]]


def check_identity(metric: CausalMetric, model, x: torch.Tensor, y: torch.Tensor, maps: torch.Tensor,
                   curves: torch.Tensor) -> float:
    """Largest difference between the subsampled AUC and the metric run with the coarse step."""
    step = metric.pixels_per_step(x.shape[2], x.shape[3])
    worst = 0.0
    for factor in FACTORS:
        direct = type(metric)(step=step * factor).score(model, x, y, maps, boxes=None)
        worst = max(worst, float((auc(coarse(curves, factor)).float() - direct).abs().max()))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="resnet,resnet-r,mobilenet")
    parser.add_argument("--images", type=int, default=32, help="CL images per model")
    parser.add_argument("--weights-dir", type=Path, default=mini_zoo.WEIGHTS_DIR)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    registry = base_registry()
    images, labels, _ = mini.make_split("test", 400, seed=1)
    metrics = (Insertion(), Deletion())
    errors: dict[tuple[str, str, str, int], torch.Tensor] = {}
    means: dict[tuple[str, str, int], dict[str, float]] = {}
    identity = 0.0
    for name in args.models.split(","):
        info = mini_zoo.MINI_INFO[name]
        pair = (info.arch, f"{info.arch}-r")
        right = [correct(mini_model(registry, m, args.weights_dir), images, labels) for m in pair]
        cl = (right[0] & right[1]).nonzero()[:args.images, 0]
        model = mini_model(registry, name, args.weights_dir)
        x, y = model.normalize(images[cl]), labels[cl]
        for method_name in ("gradient", "integrated_gradients", "shap", "gradcam", "cam", "rise", "lime", "mp", "ep"):
            method = configured(registry.methods[method_name], model.spec, "fast")
            if method.applies_to(model.spec) is not None:
                continue
            maps = explain(method, model, x, y, batch=method.batch_size)
            for metric in metrics:
                curves = metric.curves(model, x, y, maps)
                if not identity:
                    identity = check_identity(metric, model, x[:4], y[:4], maps[:4], curves[:4])
                fine = auc(curves)
                means.setdefault((name, metric.name, 1), {})[method_name] = float(fine.mean())
                for factor in FACTORS:
                    rough = auc(coarse(curves, factor))
                    errors[(name, method_name, metric.name, factor)] = (rough - fine).abs()
                    means.setdefault((name, metric.name, factor), {})[method_name] = float(rough.mean())
            print(f"{name} / {method_name}: " + ", ".join(
                f"{metric.name} x{f} {errors[(name, method_name, metric.name, f)].mean():.4f}"
                for metric in metrics for f in FACTORS), flush=True)
    print(f"\nsubsampled AUC vs the metric run with the coarse step: max difference {identity:.1e}")
    print(f"{'steps':>5} {'metric':<10} {'MAE per image':>14} {'max per image':>14} {'max cell MAE':>13} "
          f"{'method ranks kept':>18}")
    for factor in FACTORS:
        for metric in metrics:
            errs = [e for k, e in errors.items() if k[2] == metric.name and k[3] == factor]
            per_image = torch.cat(errs)
            cell_means = [float(e.mean()) for e in errs]
            keys = [k for k in means if k[1] == metric.name and k[2] == factor]
            kept = sum(sorted(means[k], key=means[k].get) == sorted(means[(k[0], k[1], 1)], key=means[(k[0], k[1], 1)].get)
                       for k in keys)
            steps = -(-(mini.IMAGE_SIZE ** 2) // (metric.pixels_per_step(mini.IMAGE_SIZE, mini.IMAGE_SIZE) * factor))
            print(f"{steps:>5} {metric.name:<10} {per_image.mean():>14.4f} {per_image.max():>14.4f} "
                  f"{max(cell_means):>13.4f} {kept:>11} of {len(keys)}")


if __name__ == "__main__":
    main()
