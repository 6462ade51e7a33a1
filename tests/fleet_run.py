"""A fleet's run directory written as a journal (no bench needed), and the headless browser that
opens its report: shared by the browser test and the script that makes the the docs' screenshot."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from rig.record.journal import Journal

STEPS = [("identify", 0.3), ("console", 0.1), ("baseline", 0.6), ("erase", 2.5), ("restart", 1.2), ("observe", 6.0)]
START = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _outcome(i: int) -> tuple[str, str | None]:
    if i % 23 == 5:
        return "failed", f"within 30s after power-on the phone did not fetch ITLSEP001D705F{i:04X}.tlv"
    if i % 41 == 7:
        return "error", "switch sw2: show power inline: no answer within 10.0s"
    return "passed", None


def write_fleet_run(run_dir: Path, phones: int) -> dict[str, str]:
    """A finished erase of `phones` phones (some failed, some errors), staggered like a real run;
    returns each phone's outcome."""
    listed = [{"name": f"desk-{i + 1:03d}", "mac": f"001D705F{i:04X}", "switch": f"sw{i // 48 + 1}",
               "port": f"Gi1/0/{i % 48 + 1}"} for i in range(phones)]
    outcomes: dict[str, str] = {}
    with Journal(run_dir / "journal.jsonl") as journal:
        journal.append("run_started", run_id=run_dir.name, procedure="erase", bench="fleet",
                       phones=listed, redo=[p["name"] for p in listed], config={})
        for i, phone in enumerate(listed):
            outcome, reason = _outcome(i)
            moment = START + timedelta(seconds=0.02 * i)
            journal.append("phone_started", phone=phone["name"])
            for name, seconds in STEPS:
                ok = not (outcome != "passed" and name == "observe")
                end = moment + timedelta(seconds=seconds * (1 + (i % 7) / 10))
                data: dict[str, Any] = {"cdp_platform": "Cisco IP Phone 7942"} if name == "identify" else {}
                journal.append("step", phone=phone["name"], name=name, started=_iso(moment), ended=_iso(end),
                               ok=ok, detail=f"{name} {'done' if ok else 'failed'}", data=data)
                moment = end
            journal.append("phone_done", phone=phone["name"], outcome=outcome, reason=reason,
                           load_before="SCCP42.9-3-1SR1-1S", load_after=None if reason else "SCCP42.9-4-2SR3-1S",
                           itl_signer=None, symptoms=["Trust List Update Failed"])
            outcomes[phone["name"]] = outcome
        journal.append("run_finished", outcomes=outcomes)
    return outcomes


def chromium_missing() -> str | None:
    """Why the headless browser cannot run here, or None when it can."""
    for program in ("chromium", "chromedriver"):
        if shutil.which(program) is None:
            return f"{program} is not installed (Debian: apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    return None


def headless_chromium(profile: Path) -> Any:
    """Debian's chromium through its own chromedriver: selenium-manager never downloads anything."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                 "--window-size=1280,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
