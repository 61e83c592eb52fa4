"""The zoo's Table 1 from its model cards, and how the zoo meets its training targets.

    python -m studies.zoo_cards [--weights-dir DIR]

Prints one markdown row per trained model (clean and PGD-L2 accuracy, confidence on
correctly classified test images, size, training time), then per architecture the
targets the mini zoo is trained to: vanilla clean accuracy >= 85 % (ResNet, GoogLeNet,
DenseNet) or >= 75 % (AlexNet, MobileNet); the robust twin within 15 points of it and
>= 25 points above it in PGD accuracy; vanilla / robust mean confidence in [1.2, 2.0]
(the paper's Table 1: ~1.8). Last, the cards' training time in all: a robust model's
card counts the clean epochs it shares with its twin, so the sum overstates the work.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pytest_xai.benchmarks.mini import zoo as mini_zoo

FLOOR = {"resnet": 0.85, "googlenet": 0.85, "densenet": 0.85, "alexnet": 0.75, "mobilenet": 0.75}
ROBUST_GAP, PGD_GAIN, CONFIDENCE_RATIO = 0.15, 0.25, (1.2, 2.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights-dir", type=Path, default=mini_zoo.WEIGHTS_DIR)
    args = parser.parse_args()
    cards = {}
    for name in mini_zoo.TRAINABLE:
        path = args.weights_dir / f"{name}.json"
        if path.is_file():
            cards[name] = json.loads(path.read_text())
    print("| model | clean acc | PGD-L2 acc | confidence | params | MACs | training |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, card in cards.items():
        print(f"| `{name}` | {card['clean_accuracy']:.1%} | {card['pgd_accuracy']:.1%} | {card['mean_confidence']:.2f} "
              f"| {card['params'] / 1e3:.0f} k | {card['macs'] / 1e6:.1f} M | {card['train_seconds'] / 60:.1f} min |")
    print()
    for arch, floor in FLOOR.items():
        vanilla, robust = cards.get(arch), cards.get(f"{arch}-r")
        if vanilla is None:
            print(f"{arch}: not trained")
            continue
        checks = [f"clean {vanilla['clean_accuracy']:.3f} >= {floor}: {vanilla['clean_accuracy'] >= floor}"]
        if robust is not None:
            gap = vanilla["clean_accuracy"] - robust["clean_accuracy"]
            gain = robust["pgd_accuracy"] - vanilla["pgd_accuracy"]
            ratio = vanilla["mean_confidence"] / robust["mean_confidence"]
            checks += [f"robust {gap:.3f} below <= {ROBUST_GAP}: {gap <= ROBUST_GAP}",
                       f"PGD gain {gain:.3f} >= {PGD_GAIN}: {gain >= PGD_GAIN}",
                       f"confidence ratio {ratio:.2f} in {CONFIDENCE_RATIO}: "
                       f"{CONFIDENCE_RATIO[0] <= ratio <= CONFIDENCE_RATIO[1]}"]
        print(f"{arch}: " + "; ".join(checks))
    total = sum(card["train_seconds"] for card in cards.values())
    print(f"\ntraining time on the cards: {total / 3600:.2f} h in all ({len(cards)} models)")


if __name__ == "__main__":
    main()
