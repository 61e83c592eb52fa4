"""Render a report's HTML page and screenshot it with headless Chromium (a check to look at, not a test).

    python -m studies.screenshot_report reports/xai-report.json -o /tmp/xai-page

writes DIR/index.html with its figures and DIR/screenshot.png, and prints how long writing
the page and loading it in Chromium took (the fastest of three loads, against the fastest of
three loads of an empty page: Chromium's own start-up is most of either).
Needs Debian's ``chromium`` (``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from pytest_xai.report.html import write_page


def screenshot(url: str, out: Path, size: str) -> float:
    """Seconds headless Chromium took to load ``url`` and write its screenshot to ``out``."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("screenshot_report: no chromium on PATH (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        start = time.perf_counter()
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--no-first-run", "--hide-scrollbars",
                        f"--user-data-dir={profile}", f"--screenshot={out}", f"--window-size={size}", url],
                       check=True, capture_output=True, timeout=120)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("report")
    parser.add_argument("-o", "--output", required=True, help="folder for the page and screenshot.png")
    parser.add_argument("--cache-dir", help="score store with the maps (default: the report's config.cache_dir)")
    parser.add_argument("--window-size", default="1400,3000", help="width,height in pixels (default 1400,3000)")
    args = parser.parse_args()
    out = Path(args.output).resolve()
    start = time.perf_counter()
    page = write_page(json.loads(Path(args.report).read_text()), out,
                      cache_dir=Path(args.cache_dir) if args.cache_dir else None)
    written = time.perf_counter() - start
    blank = min(screenshot("about:blank", out / "blank.png", args.window_size) for _ in range(3))
    loaded = min(screenshot(page.as_uri(), out / "screenshot.png", args.window_size) for _ in range(3))
    (out / "blank.png").unlink()
    size = sum(p.stat().st_size for p in out.iterdir() if p.name != "screenshot.png")
    print(f"page: {page} ({size / 1024:.0f} KiB with its figures), written in {written:.1f} s")
    print(f"chromium: {loaded:.2f} s to load and screenshot it ({blank:.2f} s for an empty page, "
          f"so the page took {loaded - blank:.2f} s)")
    print(f"screenshot: {out / 'screenshot.png'}")


if __name__ == "__main__":
    main()
