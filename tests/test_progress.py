"""Progress lines: at 10 % steps in a log, in place on a terminal, none under -q."""

from __future__ import annotations

import itertools

import pytest

from pytest_xai.progress import ProgressLine


def run(in_place: bool, total: int = 32, batch: int = 8) -> list[tuple[str, str]]:
    said: list[tuple[str, str]] = []
    clock = itertools.count(0.0, 2.0)            # each batch takes 2 s
    progress = ProgressLine(lambda text, mode: said.append((text, mode)), in_place, clock=lambda: next(clock))
    progress("maps of m / rise", 0, total)       # the start (nothing done yet) says nothing in a log
    for done in range(batch, total + 1, batch):
        progress("maps of m / rise", done, total)
    return said


def test_a_log_gets_a_line_at_each_10_percent_step_and_at_the_end() -> None:
    said = run(in_place=False, total=40, batch=4)     # 10 batches: one line each
    assert [mode for _, mode in said] == ["line"] * 10
    assert said[0][0] == "maps of m / rise: 4/40 images, 2.00 images/s, 2 s, ETA 18 s"
    assert said[-1][0] == "maps of m / rise: 40/40 images, 2.00 images/s, 20 s"
    assert len(run(in_place=False, total=200, batch=1)) == 10


def test_a_terminal_line_is_rewritten_in_place_then_ended() -> None:
    said = run(in_place=True)
    assert [mode for _, mode in said] == ["start", "same", "same", "end"]
    assert said[-1][0].startswith("maps of m / rise: 32/32 images")


SLOW_METHOD = """
import time
from dataclasses import dataclass
from typing import ClassVar

from pytest_xai.methods import Gradient

@dataclass(frozen=True)
class Slow(Gradient):
    name: ClassVar[str] = "slow"
    batch_size: int = 2

    def explain(self, model, images, targets, seed):
        time.sleep(0.8)
        return super().explain(model, images, targets, seed)

def pytest_xai_register(registry):
    registry.add_method(Slow())
"""


def test_work_done_within_two_seconds_says_nothing() -> None:
    said: list[tuple[str, str]] = []
    clock = iter([0.0, 0.5, 1.0, 1.5])
    progress = ProgressLine(lambda text, mode: said.append((text, mode)), False, clock=lambda: next(clock))
    for done in (0, 2, 4, 6):
        progress("maps of m / gradient", done, 6)
    assert said == []


def test_a_run_prints_progress_of_slow_maps_unless_quiet(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(SLOW_METHOD)
    args = ["--xai-benchmark=smoke", "--xai-models=smoke-gap", "--xai-methods=slow,gradient", "--xai-metrics=wsl",
            "--xai-images=6", "-p", "no:cacheprovider", "-k", "test_cell"]
    result = pytester.runpytest_subprocess(*args)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["pytest-xai: maps of smoke-gap / slow: 6/6 images, * images/s, * s"])
    quiet = pytester.runpytest_subprocess(*args, "-q", "--xai-cache-dir=other")
    quiet.assert_outcomes(passed=2)
    assert "maps of" not in quiet.stdout.str()


SLOW_MODEL = """
import time
import torch
from pytest_xai.benchmarks.base import ModelSpec

class Slow(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 3, 1)

    def forward(self, x):
        time.sleep(1.5)             # per call: Deletion's batches of model calls take seconds
        return self.conv(x).mean(dim=(2, 3))

def pytest_xai_register(registry):
    registry.add_model(ModelSpec(name="slow", benchmark="smoke", arch="slow", training="vanilla",
                                 loader=Slow, weights="slow"))
"""


def test_slow_scores_of_a_causal_metric_get_a_progress_line(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(SLOW_MODEL)
    result = pytester.runpytest_subprocess("--xai-benchmark=smoke", "--xai-models=slow", "--xai-methods=gradient",
                                           "--xai-metrics=deletion", "--xai-images=4", "--xai-subset=random",
                                           "--xai-profile=paper", "-p", "no:cacheprovider", "-k", "test_cell")
    result.assert_outcomes(passed=1)  # the paper's 111 steps take long enough for a line
    result.stdout.fnmatch_lines(["pytest-xai: deletion of slow / gradient: 4/4 images, * images/s, * s"])


def test_a_causal_metric_says_how_many_images_are_done() -> None:
    import torch

    from pytest_xai.metrics import Deletion

    calls: list[tuple[int, int]] = []
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 1), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten()).eval()
    images = torch.rand(5, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    maps = torch.rand(5, 8, 8, generator=torch.Generator().manual_seed(1))
    plain = Deletion(step=8, batch_size=7).score(net, images, torch.zeros(5, dtype=torch.long), maps, None)
    told = Deletion(step=8, batch_size=7).score(net, images, torch.zeros(5, dtype=torch.long), maps, None,
                                                 progress=lambda done, total: calls.append((done, total)))
    assert torch.equal(plain, told)
    assert calls[-1] == (5, 5) and [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert len(calls) == -(-5 * 9 // 7)     # one call per batch: 5 images x 9 points, 7 per batch
