"""The score store: computed once, corrupt entries recomputed, safe across processes."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from pytest_xai.store import ScoreStore

KEY = {"weights": "abc", "method": "gradient", "params": {"batch_size": 32}, "seed": 0}


def test_second_get_computes_nothing(tmp_path: Path) -> None:
    store = ScoreStore(tmp_path)
    calls = []
    compute = lambda: calls.append(1) or b"payload"  # noqa: E731
    assert store.get_or_compute("maps", KEY, compute) == (b"payload", False)
    assert store.get_or_compute("maps", KEY, compute) == (b"payload", True)
    assert ScoreStore(tmp_path).get_or_compute("maps", KEY, compute) == (b"payload", True)
    assert calls == [1]


def test_key_order_does_not_matter_but_content_does(tmp_path: Path) -> None:
    store = ScoreStore(tmp_path)
    assert store.path("maps", KEY) == store.path("maps", dict(reversed(list(KEY.items()))))
    assert store.path("maps", KEY) != store.path("maps", {**KEY, "seed": 1})
    assert store.path("maps", KEY) != store.path("scores", KEY)


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "garbage"])
def test_corrupt_entry_is_recomputed(tmp_path: Path, damage: str) -> None:
    store = ScoreStore(tmp_path)
    store.get_or_compute("maps", KEY, lambda: b"0123456789" * 10)
    path = store.path("maps", KEY)
    data = path.read_bytes()
    damaged = {"truncate": data[:-7], "flip": data[:-1] + bytes([data[-1] ^ 1]), "empty": b"",
               "garbage": b"not a store entry"}[damage]
    path.write_bytes(damaged)
    with pytest.warns(UserWarning, match="corrupt score-store entry"):
        payload, cached = store.get_or_compute("maps", KEY, lambda: b"fresh")
    assert (payload, cached) == (b"fresh", False)
    assert store.get_or_compute("maps", KEY, lambda: b"never") == (b"fresh", True)


def _worker(root: str, log: str) -> None:
    def compute() -> bytes:
        with open(log, "a") as handle:
            handle.write("computed\n")
        return b"x" * 1_000_000

    payload, _ = ScoreStore(Path(root)).get_or_compute("maps", KEY, compute)
    assert payload == b"x" * 1_000_000


def test_concurrent_processes_compute_once(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    context = multiprocessing.get_context("spawn")
    procs = [context.Process(target=_worker, args=(str(tmp_path / "store"), str(log))) for _ in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert log.read_text() == "computed\n"
