"""F1a and F1b on a placebo pair: the vanilla models of two probes, the second registered
as the first's robust twin, as `mini-control` registers a vanilla ResNet of another seed.

    python -m studies.placebo_pair TAG_A TAG_B [--images N]

Reads the per-image scores each probe saved (``runs/probes/TAG/probe.npz``: its vanilla
model's Pointing Game and WSL under each method, on that probe's CL images) and prints the
two claims' verdicts by their own rules, both ways round; ``--images N`` keeps each model's
first N scored images (the default run scores 128 per model for F1a). A world fit for the
control gives no verdict but inconclusive or does-not-hold here: two trainings that differ
only in their seed must not look like a vanilla model and its robust twin.
"""

from __future__ import annotations

import argparse

from studies.generator_probe import f1_verdicts, pair_table, saved_scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tags", nargs=2, metavar="TAG", help="two probes under runs/probes/")
    parser.add_argument("--arch", default="resnet")
    parser.add_argument("--images", type=int, help="each model's first N scored images (default: all)")
    args = parser.parse_args()
    scores = [saved_scores(tag, args.arch, args.images) for tag in args.tags]
    for first, second in ((0, 1), (1, 0)):
        cells = {key: [scores[first][key], scores[second][key]] for key in scores[first] if key in scores[second]}
        for line in f1_verdicts(pair_table(cells, args.arch)):
            print(f"[{args.tags[first]} as vanilla, {args.tags[second]} as robust] {line}", flush=True)


if __name__ == "__main__":
    main()
