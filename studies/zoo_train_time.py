"""How long ``train --all --jobs N`` takes to retrain the whole mini zoo on this machine,
estimated from timed training steps instead of hours of training.

    python -m studies.zoo_train_time [--world 5] [--jobs 2] [--repeats 3]

For each zoo model, with its recipe for the world (``train.default_config``) on one torch
thread: the seconds of one training step (``train._train_step``, backward and AdamW, on
random images of the recipe's batch), clean and at its attack, median of ``--repeats``
after a warm-up step; times the steps of its clean and adversarial epochs (a robust twin
starts after its vanilla twin's clean epochs, as ``train`` resumes it), plus each epoch's
evaluation on 1000 test images and the PGD evaluation of its card. Each worker first makes
the world's training images (parallel jobs may make the same split), then takes the chains
of ``train.chains`` in order as the process pool hands them out. Run it on an idle machine:
every figure is this machine's, and other jobs on the cores inflate them all.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import torch

from pytest_xai.benchmarks.mini import train
from pytest_xai.benchmarks.mini import world as mini
from pytest_xai.benchmarks.mini import zoo as mini_zoo

BUDGET_HOURS = 4.0      # the zoo's retraining budget on a 2-core machine (the world issue's)
GENERATION_SAMPLE = 100  # images generated to time the generator


def pool_wall(job_seconds: list[float], workers: int, start: float = 0.0) -> float:
    """Wall time of jobs handed out in order to the worker that frees first, each worker
    busy for ``start`` seconds before its first job."""
    free = [start] * workers
    for seconds in job_seconds:
        index = free.index(min(free))
        free[index] += seconds
    return max(free)


def step_seconds(name: str, cfg: train.Config, eps: float, repeats: int) -> float:
    """Median seconds of one training step of ``name`` at attack ``eps`` (0: clean)."""
    info = mini_zoo.TRAINABLE[name]
    torch.manual_seed(0)
    net = mini_zoo.build(name).to(memory_format=torch.channels_last).train()
    optimizer = torch.optim.AdamW(net.parameters(), lr=cfg.lr)
    images = torch.rand(cfg.batch_size, 3, mini.IMAGE_SIZE, mini.IMAGE_SIZE).contiguous(
        memory_format=torch.channels_last)
    labels = torch.randint(mini.NUM_CLASSES, (cfg.batch_size,))
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        loss, _ = train._train_step(net, info, images, labels, eps)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def evaluation_seconds(name: str, cfg: train.Config) -> tuple[float, float]:
    """Seconds of one epoch's evaluation (1000 test images) and of the card's PGD evaluation."""
    net = mini_zoo.build(name).eval()
    images = torch.randint(0, 256, (1000, 3, mini.IMAGE_SIZE, mini.IMAGE_SIZE), dtype=torch.uint8)
    labels = torch.randint(mini.NUM_CLASSES, (1000,))
    start = time.perf_counter()
    train.evaluate(net, images, labels)
    clean = time.perf_counter() - start
    start = time.perf_counter()
    train.pgd_accuracy(net, images[:250], labels[:250])
    return clean, (time.perf_counter() - start) * cfg.pgd_images / 250


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--world", type=int, choices=sorted(mini.WORLDS), default=mini.WORLD.version)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    world = mini.WORLDS[args.world]
    names = list(train.TRAIN_ORDER)
    configs = {name: train.default_config(name, world=world) for name in names}
    start = time.perf_counter()
    mini.make_split("train", GENERATION_SAMPLE, 0, world=world)
    per_image = (time.perf_counter() - start) / GENERATION_SAMPLE
    cfg = configs[names[0]]
    copies = 2 if cfg.digit_alone or cfg.feature_mix else 1     # the texture-free copy of the training images
    generation = per_image * (copies * cfg.train_images + cfg.test_images)
    print(f"generating the world's images: {per_image * 1000:.1f} ms each, {generation / 60:.1f} min per worker")
    step_seconds(names[0], configs[names[0]], 0.0, 2)     # a process's first steps run slow: not timed
    print("| model | clean s/step | attack s/step | clean epochs | attack epochs | minutes |")
    print("| --- | --- | --- | --- | --- | --- |")
    seconds = {}
    for name in names:
        cfg = configs[name]
        info = mini_zoo.TRAINABLE[name]
        steps = math.ceil(cfg.train_images / cfg.batch_size)
        attack_epochs = 0.0 if info.training == "vanilla" else cfg.epochs - cfg.clean_epochs
        clean_epochs = 0.0 if train.shares_clean_epochs(name, cfg) else cfg.epochs - attack_epochs
        clean = step_seconds(name, cfg, 0.0, args.repeats)
        attack = step_seconds(name, cfg, cfg.eps, args.repeats) if attack_epochs else 0.0
        per_epoch_eval, pgd = evaluation_seconds(name, cfg)
        seconds[name] = (steps * (clean_epochs * clean + attack_epochs * attack)
                         + (clean_epochs + attack_epochs) * per_epoch_eval + pgd)
        print(f"| `{name}` | {clean:.3f} | {attack:.3f} | {clean_epochs:g} | {attack_epochs:g} | "
              f"{seconds[name] / 60:.1f} |", flush=True)
    jobs = train.chains(names)
    wall = pool_wall([sum(seconds[n] for n in job) for job in jobs], args.jobs, generation)
    print(f"one thread in all: {(sum(seconds.values()) + generation) / 3600:.2f} h; "
          f"`train --all --jobs {args.jobs}` ({' | '.join(' > '.join(job) for job in jobs)}): "
          f"{wall / 3600:.2f} h of wall time (budget {BUDGET_HOURS:g} h)")


if __name__ == "__main__":
    main()
