"""The ``pytest-xai`` command (report tools arrive with the reports issue)."""

from __future__ import annotations

import argparse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="pytest-xai",
        description="Tools for pytest-xai reports. Run the benchmark itself with pytest, "
                    "e.g. `pytest benchmarks --xai-models=all`.")
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
