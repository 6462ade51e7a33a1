"""report.html for a fleet of 240 phones: how long it takes to render and to open, and the
the docs' screenshot of its fleet view (Debian's chromium, headless, through selenium).

    python bench/fleet_report.py                                  # timings
    python bench/fleet_report.py --screenshot docs/fleet-report.png
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rig.report import render  # noqa: E402
from tests.fleet_run import chromium_missing, headless_chromium, write_fleet_run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=240)
    parser.add_argument("--screenshot", type=Path, help="write a PNG of the fleet view here")
    args = parser.parse_args()
    missing = chromium_missing()
    if missing:
        raise SystemExit(missing)
    with tempfile.TemporaryDirectory(prefix="rig-fleet-") as tmp:
        run_dir = Path(tmp) / "20261125-090000-erase"
        write_fleet_run(run_dir, args.phones)
        began = time.perf_counter()
        render(run_dir)
        rendered = time.perf_counter() - began
        size = (run_dir / "report.html").stat().st_size
        driver = headless_chromium(Path(tmp) / "profile")
        try:
            driver.set_window_size(1180, 780)
            driver.get((run_dir / "report.html").as_uri())
            loaded = driver.execute_script(
                "const t = performance.timing; return t.loadEventEnd - t.navigationStart;")
            if args.screenshot:
                driver.save_screenshot(str(args.screenshot))
        finally:
            driver.quit()
    print(f"{args.phones} phones: rendered in {rendered:.2f} s, {size / 1e6:.2f} MB, opened in {loaded} ms")


if __name__ == "__main__":
    main()
