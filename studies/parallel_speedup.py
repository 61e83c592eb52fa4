"""Wall time of the default grid, cold, without and with pytest-xdist workers.

    python -m studies.parallel_speedup [--workers 2] [--models all] [--keep DIR] [-- extra pytest args]

Runs ``pytest benchmarks --xai-models=MODELS`` twice from empty stores (temporary
cache folders): ``-n 0``, then ``-n WORKERS --dist loadgroup``. Prints both wall times,
the speed-up, the thread count each process used and whether the two reports are equal
apart from their run-dependent fields (timings, cache hits, threads, cache folder).
Measure on an otherwise idle machine: every core is in use.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pytest_xai.report.schema import read_report, without_run_dependent


def run(folder: Path, name: str, workers: int, models: str, extra: list[str]) -> tuple[float, dict]:
    """One cold run; its wall seconds and its report."""
    report = folder / f"{name}.json"
    command = [sys.executable, "-m", "pytest", "benchmarks", f"--xai-models={models}", "-q", "-p", "no:cacheprovider",
               f"--xai-cache-dir={folder / name}", f"--xai-report={report}", "-n", str(workers), *extra]
    if workers:
        command += ["--dist", "loadgroup"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    print(f"{' '.join(command[3:])}\n  -> exit {done.returncode}: {done.stdout.strip().splitlines()[-1]}", flush=True)
    return seconds, read_report(report)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--models", default="all")
    parser.add_argument("--keep", type=Path, help="keep the stores and reports here (default: a temporary folder)")
    args, extra = parser.parse_known_args()
    extra = [a for a in extra if a != "--"]
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        serial_s, serial = run(folder, "serial", 0, args.models, extra)
        parallel_s, parallel = run(folder, "parallel", args.workers, args.models, extra)
    threads = lambda report: sorted({c["threads"] for c in report["cells"]})  # noqa: E731
    print(f"-n 0: {serial_s:.0f} s (threads {threads(serial)}); -n {args.workers}: {parallel_s:.0f} s "
          f"(threads per worker {threads(parallel)}); speed-up {serial_s / parallel_s:.2f}x")
    same = without_run_dependent(serial) == without_run_dependent(parallel)
    print(f"reports equal apart from run-dependent fields: {same}")


if __name__ == "__main__":
    main()
