"""CPU seconds of each part of `rig.report.render` on a kept run directory.

A run's reports are rendered at the end of every job while nothing else runs, so their time adds
straight to the run's wall time (at 1000 phones it was seconds). The run directory is copied to a
temporary one first: rendering writes into it.

    python bench/report_render.py RUN_DIR          # e.g. a run kept by RIG_SCALE_KEEP
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rig.record.journal import JOURNAL_NAME, read_events  # noqa: E402
from rig.report import cycle_collection_paused, write_results  # noqa: E402
from rig.report.html import render_html  # noqa: E402
from rig.report.junit import render_junit  # noqa: E402
from rig.report.results import build_results  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rig-render-") as tmp:
        run_dir = Path(tmp) / args.run_dir.name
        shutil.copytree(args.run_dir, run_dir)
        parts: dict[str, float] = {}

        def timed(name: str, work):  # type: ignore[no-untyped-def]
            began = time.process_time()
            value = work()
            parts[name] = time.process_time() - began
            return value

        with cycle_collection_paused():  # as rig.report.render does
            events = timed("read_events", lambda: read_events(run_dir / JOURNAL_NAME))
            results = timed("build_results", lambda: build_results(events))
            timed("results.json", lambda: write_results(results, run_dir))
            timed("junit.xml", lambda: (run_dir / "junit.xml").write_text(render_junit(results), encoding="utf-8"))
            timed("report.html", lambda: (run_dir / "report.html").write_text(
                render_html(results, events, run_dir), encoding="utf-8"))
        for name, seconds in parts.items():
            print(f"{name:14} {seconds:6.3f} s")
        print(f"{'total':14} {sum(parts.values()):6.3f} s  ({len(events)} events, {len(results.phones)} phones, "
              f"report.html {(run_dir / 'report.html').stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
