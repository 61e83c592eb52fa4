"""Claim F1 on a trained zoo, pair by pair and pooled, before it ships.

    python -m studies.zoo_f1 --weights-dir runs/zoo-v5 [--world 5] [--images 1000] [--first 128]

For every vanilla / robust pair with both weights in ``--weights-dir`` (a partly trained
zoo is fine): the images of 1000 test images of seed 1 (the default run uses seed 0)
that both models classify correctly (the pair's CL subset, as the suite forms it), the
gradient methods (Gradient, IG, SHAP) and CAM methods (GradCAM, CAM) under Pointing Game
and WSL at the fast profile, the shares of |gradient| and of CAM mass inside the box,
and F1a / F1b by the claims' own rules on that pair alone and on all pairs pooled (the
suite pools the zoo); with ``--first N``, pooled again on each pair's first N CL images, the
sample a default run of N localization images per model decides on. It tells whether a zoo
shows the paper's mechanism before its weights replace the shipped ones, on images the
shipped numbers are not reported on.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from pytest_xai.benchmarks.mini import world as mini
from pytest_xai.benchmarks.mini import zoo as mini_zoo
from pytest_xai.claims.base import ModelRow, ScoreTable
from pytest_xai.metrics.localization import WSL, PointingGame
from pytest_xai.session import base_registry
from studies.generator_probe import f1_verdicts, load_pair, localization_scores


def trained_pairs(weights_dir: Path) -> list[tuple[str, str]]:
    """(vanilla, robust) names of the mini zoo whose weights are both in ``weights_dir``."""
    pairs = []
    for name, info in mini_zoo.MINI_INFO.items():
        twin = f"{name}-r"
        if info.training == "vanilla" and twin in mini_zoo.MINI_INFO and all(
                (weights_dir / f"{n}.pt").exists() for n in (name, twin)):
            pairs.append((name, twin))
    return pairs


def verdicts(scores: dict[tuple[str, str, str], list[float]], models: list) -> str:
    table = ScoreTable(models={m.spec.name: ModelRow(m.spec.name, m.spec.arch, m.spec.training, []) for m in models},
                       scores=scores, higher_is_better={PointingGame.name: True, WSL.name: True})
    return "\n    ".join(f1_verdicts(table))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights-dir", type=Path, required=True)
    parser.add_argument("--world", type=int, choices=sorted(mini.WORLDS), default=max(mini.WORLDS),
                        help="the registered world the zoo was trained on (default: the newest)")
    parser.add_argument("--images", type=int, default=1000, help="test images of seed 1")
    parser.add_argument("--first", type=int, action="append", default=[],
                        help="also decide F1 pooled on each pair's first N CL images, as a default run of N "
                             "localization images per model would (repeatable)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    pairs = trained_pairs(args.weights_dir)
    if not pairs:
        parser.error(f"no vanilla / robust pair has both weights in {args.weights_dir}")
    registry = base_registry()
    images, labels, boxes = mini.make_split("test", args.images, 1, world=mini.WORLDS[args.world])
    pooled: dict[tuple[str, str, str], list[float]] = {}
    all_models = []
    for pair in pairs:
        models = load_pair(registry, args.weights_dir, pair)
        with torch.no_grad():
            right = [torch.cat([m(b).argmax(1) for b in m.normalize(images).split(250)]).eq(labels) for m in models]
        cl = torch.stack(right).all(0)
        hits, shares = localization_scores(registry, models, images[cl], labels[cl], boxes[cl])
        scores = {(name, method, metric): s.tolist() for (method, metric), per_model in hits.items()
                  for name, s in zip(pair, per_model)}
        print(f"{pair[0]} / {pair[1]}: {int(cl.sum())} CL images of {args.images}", flush=True)
        print("    share of |gradient| / CAM mass in the box: "
              + ", ".join(f"{k} {v[0]:.3f} / {v[1]:.3f}" for k, v in shares.items()))
        for (method, metric), per_model in hits.items():
            print(f"    {method + ' ' + metric:<30} " + " / ".join(f"{s.mean():.3f}" for s in per_model))
        print("    " + verdicts(scores, models), flush=True)
        pooled.update(scores)
        all_models += models
    if len(pairs) > 1:
        print(f"pooled over {len(pairs)} pairs:\n    " + verdicts(pooled, all_models), flush=True)
    for n in args.first:
        first = {key: values[:n] for key, values in pooled.items()}
        print(f"pooled over {len(pairs)} pair(s), first {n} CL images of each:\n    " + verdicts(first, all_models),
              flush=True)


if __name__ == "__main__":
    main()
