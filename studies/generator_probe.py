"""Probe a world of the mini generator for claim F1: train a pair (ResNet, or ``--arch``)
on it and measure whether robust gradients localize better than vanilla ones, and why.

    python -m studies.generator_probe TAG [--world 4 | world options] [recipe options]

The world is a registered one (``--world VERSION``) or one built from the options
(``--digit``, ``--stroke``, ``--distractors``, ``--letters``, ``--context``, ``--texture``,
``--presence``, ``--fidelity``, ``--digit-fidelity``, ``--faithful-test``, ``--inside``,
``--texture-cell``, ``--texture-groups``, ``--ring``, ``--box-only``, ``--null-patch``,
``--blur``, ``--version``); the recipe is the shipped one for that world unless ``--epochs``,
``--train-images``, ``--batch``, ``--eps``, ``--clean``, ``--ramp``, ``--zoom``, ``--tight``,
``--curriculum``, ``--texture-first``, ``--digit-alone``, ``--feature-mix``,
``--logit-penalty`` or ``--seed`` say otherwise. ``resnet`` and ``resnet-r`` (or the pair of ``--arch``)
are trained into ``runs/probes/TAG/`` (resumable; ``--device cuda`` trains on a GPU; a
model whose card is already there is not retrained), then evaluated on test images of
seed 1, which the default run (seed 0) never shows, so a world is not chosen on the images
its numbers are reported on. Printed, vanilla / robust:

- clean and PGD accuracy (the cards' evaluation attack), mean confidence;
- the diagnostics of the mechanism: accuracy from the digit alone (outside its box
  grey) and from the background alone (its box grey), accuracy without the texture, and
  in a world with ``--digit-fidelity`` < 1 (noisy test images too) accuracy on images whose
  digit is the label's;
- on the images both classify correctly (CL): the share of |gradient| inside the box and
  of the min-max normalised CAM's mass,
  the gradient methods (Gradient, IG, SHAP) and the CAM methods (GradCAM, CAM) under
  Pointing Game and WSL (each model's MaxBoxAcc threshold), with one-sided Mann-Whitney p
  (robust > vanilla);
- the verdicts of claims F1a and F1b on these scores, by the claims' own rules.

One pair takes ~10-20 min of one core (``--threads``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import zlib
from pathlib import Path

import numpy as np
import torch
from scipy.stats import mannwhitneyu

from pytest_xai.benchmarks.base import LoadedModel
from pytest_xai.benchmarks.mini import train
from pytest_xai.benchmarks.mini import world as mini
from pytest_xai.benchmarks.mini import zoo as mini_zoo
from pytest_xai.claims.base import ModelRow, ScoreTable
from pytest_xai.claims.paper import CAM, GRADIENT, f1_cam, f1_gradient
from pytest_xai.methods.base import configured
from pytest_xai.metrics.localization import WSL, PointingGame
from pytest_xai.session import base_registry

PAIR = ("resnet", "resnet-r")
ARCHS = ("resnet", "alexnet", "googlenet", "densenet", "mobilenet")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _range(text: str) -> tuple[int, int]:
    lo, _, hi = text.partition("-")
    return int(lo), int(hi or lo)


WORLD_OPTIONS = ("digit", "stroke", "version", "distractors", "letters", "context", "texture", "presence",
                 "fidelity", "digit_fidelity", "faithful_test", "inside", "texture_cell", "texture_groups", "ring",
                 "box_only", "null_patch", "blur")


def world_from(args: argparse.Namespace) -> mini.World:
    """The registered world ``--world``, or one from the options (version ``--version``, else 900+)."""
    if args.world is not None:
        return mini.WORLDS[args.world]
    fields = dict(digit_side=_range(args.digit), distractors=_range(args.distractors), letters=_range(args.letters),
                  context_p=args.context, texture=args.texture, texture_presence=args.presence,
                  texture_fidelity=args.fidelity, stroke=args.stroke, null_patch=args.null_patch)
    if args.inside:     # only when set, so that the other variants keep their versions
        fields["texture_inside"] = True
    if args.texture_cell != 1:
        fields["texture_cell"] = args.texture_cell
    if args.digit_fidelity != 1:
        fields["digit_fidelity"] = args.digit_fidelity
    if args.faithful_test:
        fields["faithful_test"] = True
    if args.texture_groups != mini.NUM_CLASSES:
        fields["texture_groups"] = args.texture_groups
    if args.blur:
        fields["background_blur"] = args.blur
    if args.ring:
        fields["texture_ring"] = _range(args.ring)
    if args.box_only:
        fields["texture_box_only"] = True
    # A private version keeps the variant's images (and cached training data) apart from the shipped ones.
    version = args.version or 900 + zlib.crc32(repr(sorted(fields.items())).encode()) % 10_000
    return mini.World(version=version, **fields)


def recipe(name: str, world: mini.World, args: argparse.Namespace) -> train.Config:
    cfg = dataclasses.replace(train.default_config(name, world=world), generator_version=world.version)
    overrides = {"epochs": args.epochs, "train_images": args.train_images, "batch_size": args.batch,
                 "eps": args.eps, "clean_epochs": args.clean, "ramp_epochs": args.ramp, "zoom": args.zoom,
                 "tight_epochs": args.tight, "curriculum": args.curriculum, "texture_first": args.texture_first,
                 "digit_alone": args.digit_alone, "feature_mix": args.feature_mix, "logit_penalty": args.logit_penalty,
                 "seed": args.seed}
    return dataclasses.replace(cfg, **{k: v for k, v in overrides.items() if v is not None})


def load_pair(registry, weights_dir: Path, names: tuple[str, ...] = PAIR) -> list[LoadedModel]:
    """The probe's trained models (their cards name the probe's private world, so not via mini_zoo.load)."""
    models = []
    for name in names:
        net = mini_zoo.build(name)
        net.load_state_dict(torch.load(weights_dir / f"{name}.pt", weights_only=True))
        models.append(LoadedModel(spec=registry.models_of("mini")[name], net=net.eval(), device=torch.device("cpu")))
    return models


def logits(model: LoadedModel, images01: torch.Tensor) -> torch.Tensor:
    """The model's logits on ``images01`` ([0, 1] pixels), 250 images a forward."""
    with torch.no_grad():
        return torch.cat([model(b) for b in model.normalize(images01).split(250)])


def accuracy(model: LoadedModel, images01: torch.Tensor, labels: torch.Tensor) -> float:
    return (logits(model, images01).argmax(1) == labels).float().mean().item()


def localization_scores(registry, models: list[LoadedModel], images: torch.Tensor, labels: torch.Tensor,
                        boxes: torch.Tensor) -> tuple[dict[tuple[str, str], list[np.ndarray]], dict[str, list[float]]]:
    """Per (method, metric) of F1's gradient and CAM methods under Pointing Game and WSL, each
    model's per-image scores (fast profile; none for a method that does not apply to both);
    and per model the share of |gradient| and of the min-max normalised CAM's mass inside
    the box (as WSL sees a CAM)."""
    inside = mini.box_mask(boxes)[:, 0]
    hits: dict[tuple[str, str], list[np.ndarray]] = {}
    shares: dict[str, list[float]] = {}
    for method_name in GRADIENT + CAM:
        for metric in (PointingGame(), WSL()):
            hits[method_name, metric.name] = []
        for model in models:
            method = configured(registry.methods[method_name], model.spec, "fast")
            if method.applies_to(model.spec) is not None:     # e.g. CAM on a model without a GAP head
                continue
            x = model.normalize(images)
            maps = torch.cat([method.explain(model, xs, ys, seed=0) for xs, ys in zip(x.split(100), labels.split(100))])
            for metric in (PointingGame(), WSL()):
                hits[method_name, metric.name].append(metric.score(model, x, labels, maps, boxes).numpy())
            if method_name in ("gradient", "cam"):
                low = maps.flatten(1).min(1).values[:, None, None]
                mass = maps.abs() if method_name == "gradient" else maps - low
                share = (mass * inside).sum((1, 2)).div(mass.sum((1, 2))).mean().item()
                shares.setdefault(method_name, []).append(share)
    return {key: scores for key, scores in hits.items() if len(scores) == len(models)}, shares


def pair_table(hits: dict[tuple[str, str], list[np.ndarray]], arch: str = "resnet") -> ScoreTable:
    """The claims' table of per-image scores ``hits[method, metric] = [vanilla scores, robust
    scores]`` of one pair of ``arch``."""
    names = (arch, f"{arch}-r")
    return ScoreTable(
        models={n: ModelRow(n, arch, training, []) for n, training in zip(names, ("vanilla", "robust"))},
        scores={(n, method, metric): s.tolist() for (method, metric), vs in hits.items() for n, s in zip(names, vs)},
        higher_is_better={PointingGame.name: True, WSL.name: True})


def f1_verdicts(table: ScoreTable) -> list[str]:
    """F1a's and F1b's verdicts on ``table`` by the claims' own rules, one line each, with each
    metric's means, p and (F1b) equivalence p."""
    lines = []
    for claim, rule in (("F1a", f1_gradient), ("F1b", f1_cam)):
        outcome = rule(table)
        means = "; ".join(f"{metric} {part['vanilla_mean']:.3f} / {part['robust_mean']:.3f} p {part['p']:.2g}"
                          + (f" TOST p {part['equivalence_p']:.2g}" if "equivalence_p" in part else "")
                          for metric, part in outcome.details.items() if metric != "methods")
        lines.append(f"{claim}: {outcome.verdict} ({means}) {outcome.why}".rstrip())
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tag", help="run name: weights and checkpoints go to runs/probes/TAG/")
    parser.add_argument("--world", type=int, help="a registered world's version (else the options below)")
    parser.add_argument("--digit", default="18-34", help="digit height range, px")
    parser.add_argument("--stroke", type=int, default=0, help="stroke growth, px per side at 32 px glyph height")
    parser.add_argument("--version", type=int, help="the world's version (seeds its images); default 900+")
    parser.add_argument("--distractors", default="0-3")
    parser.add_argument("--letters", default="0")
    parser.add_argument("--context", type=float, default=0.0, help="chance of the class's own photograph")
    parser.add_argument("--texture", type=int, default=0, help="texture amplitude in grey levels (0: none)")
    parser.add_argument("--presence", type=float, default=0.0, help="share of images with the texture")
    parser.add_argument("--fidelity", type=float, default=1.0, help="chance that the texture is the label's")
    parser.add_argument("--digit-fidelity", type=float, default=1.0, help="chance that the digit is the label's")
    parser.add_argument("--faithful-test", action="store_true",
                        help="the digit noise in the training images alone; every test digit the label's")
    parser.add_argument("--inside", action="store_true", help="the texture covers the digit's box too")
    parser.add_argument("--texture-cell", type=_positive, default=1, help="px per cell of the texture's tile")
    parser.add_argument("--texture-groups", type=_positive, default=mini.NUM_CLASSES,
                        help="distinct textures (the label's is that of label %% N): 5 names a pair of digits")
    parser.add_argument("--ring", help="GAP-WIDTH: the texture only in a ring WIDTH px wide, GAP px outside the box")
    parser.add_argument("--box-only", action="store_true", help="the texture inside the digit's box alone")
    parser.add_argument("--null-patch", type=int, default=0, help="side of a fixed striped patch (0: none)")
    parser.add_argument("--blur", type=float, default=0.0, help="Gaussian blur radius of the photograph, px")
    for option, kind in (("--epochs", int), ("--train-images", int), ("--batch", int), ("--eps", float),
                         ("--clean", float), ("--ramp", float), ("--zoom", float), ("--tight", float),
                         ("--curriculum", float), ("--texture-first", float), ("--digit-alone", float),
                         ("--feature-mix", float), ("--logit-penalty", float), ("--seed", int)):
        parser.add_argument(option, type=kind, help="recipe override")
    parser.add_argument("--images", type=int, default=1000, help="test images (seed 1) to evaluate on")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="where the pair trains")
    parser.add_argument("--vanilla-only", action="store_true",
                        help="train and evaluate the vanilla model alone: does it use the world's texture?")
    parser.add_argument("--arch", default="resnet", choices=ARCHS,
                        help="the architecture of the pair (its zoo recipe; one tag per architecture, as "
                             "probe.npz is the tag's last run)")
    args = parser.parse_args()
    changed = [o for o in WORLD_OPTIONS if getattr(args, o) != parser.get_default(o)]
    if args.world is not None and changed:
        parser.error(f"--world {args.world} is a registered world; it takes no world options "
                     f"(got {', '.join('--' + o.replace('_', '-') for o in changed)})")
    torch.set_num_threads(args.threads)
    world = world_from(args)
    out = Path("runs/probes") / args.tag
    print(f"[{args.tag}] {world}", flush=True)
    pair = (args.arch, f"{args.arch}-r")
    names = pair[:1] if args.vanilla_only else pair
    cards = []
    for name in names:
        cfg = recipe(name, world, args)
        card = out / "weights" / f"{name}.json"
        if card.exists() and json.loads(card.read_text())["config"] == dataclasses.asdict(cfg):
            cards.append(json.loads(card.read_text()))
            continue
        print(f"[{args.tag}] {name}: {cfg}", flush=True)
        cards.append(train.train(name, cfg, out / "weights", out / "runs", world, args.device))

    registry = base_registry()
    models = load_pair(registry, out / "weights", names)
    images, labels, boxes = mini.make_split("test", args.images, 1, world=world)
    plain = mini.make_split("test", args.images, 1, world=dataclasses.replace(world, texture=0))[0]
    inside = mini.box_mask(boxes)
    grey = torch.full_like(images, 0.5)
    row = lambda label, values, fmt=".3f": print(  # noqa: E731
        f"[{args.tag}] {label:<34} " + " / ".join(format(v, fmt) for v in values), flush=True)
    row("clean accuracy (card)", [c["clean_accuracy"] for c in cards])
    row("PGD accuracy (card)", [c["pgd_accuracy"] for c in cards])
    row("mean confidence (card)", [c["mean_confidence"] for c in cards])
    row("accuracy, seed-1 test images", [accuracy(m, images, labels) for m in models])
    row("accuracy, digit alone", [accuracy(m, torch.where(inside, images, grey), labels) for m in models])
    row("accuracy, background alone", [accuracy(m, torch.where(inside, grey, images), labels) for m in models])
    if world.texture:
        row("accuracy, texture removed", [accuracy(m, plain, labels) for m in models])
    if world.digit_fidelity < 1 and not world.faithful_test:    # other images of the world, each digit its label's
        faithful, faithful_labels, _ = mini.make_split("test", args.images, 1,
                                                       world=dataclasses.replace(world, digit_fidelity=1.0))
        row("accuracy, every digit the label's", [accuracy(m, faithful, faithful_labels) for m in models])
    right = [logits(m, images).argmax(1).eq(labels) for m in models]
    cl = torch.stack(right).all(0)
    print(f"[{args.tag}] {int(cl.sum())} CL images of {args.images}", flush=True)
    hits, shares = localization_scores(registry, models, images[cl], labels[cl], boxes[cl])
    row("share of |gradient| in the box", shares["gradient"])
    if shares.get("cam"):
        row("share of CAM mass in the box", shares["cam"])
    for (method_name, metric_name), scores in hits.items():
        p = "" if len(scores) < 2 else \
            f"   one-sided p (robust > vanilla) {mannwhitneyu(scores[1], scores[0], alternative='greater').pvalue:.2g}"
        print(f"[{args.tag}] {method_name + ' ' + metric_name:<34} " + " / ".join(f"{s.mean():.3f}" for s in scores)
              + p, flush=True)
    if len(models) == 2:
        for line in f1_verdicts(pair_table(hits, args.arch)):
            print(f"[{args.tag}] {line}", flush=True)
    np.savez(out / "probe.npz", cl=cl.numpy(),
             **{f"{m}_{k}_{n}": v for (m, k), vs in hits.items() for n, v in zip(names, vs)})


def saved_scores(tag: str, name: str, images: int | None = None) -> dict[tuple[str, str], np.ndarray]:
    """{(method, metric): per-image scores} of model ``name`` as probe ``tag`` saved them
    (``runs/probes/TAG/probe.npz``, keys ``METHOD_METRIC_NAME``), each cut to its first ``images``."""
    saved = np.load(Path("runs/probes") / tag / "probe.npz")
    scores = {}
    for key in saved.files:
        head, found, rest = key.rpartition(f"_{name}")
        if not found or rest:       # ``cl``, or another model's key (``..._resnet-r`` for ``resnet``)
            continue
        metric = next(m for m in (PointingGame.name, WSL.name) if head.endswith(m))
        scores[head[:-len(metric) - 1], metric] = saved[key][:images]
    return scores


if __name__ == "__main__":
    main()
