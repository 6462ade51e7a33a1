"""report.html for a fleet, in a real headless browser (Debian's chromium driven by selenium):
it renders without script errors, failures come first, and the filter box narrows the rows.

Outside CI the test is skipped, with the reason, when chromium is missing; with CI=true it fails
instead (`.ci/run` installs chromium and chromium-driver)."""

from __future__ import annotations

import os

import pytest

from rig.report import render
from tests.fleet_run import chromium_missing, headless_chromium, write_fleet_run

PHONES = 240


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    missing = chromium_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the headless browser: {missing}")
        pytest.skip(missing)
    driver = headless_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def _visible(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('details.phone')).filter(r => !r.hidden).map(r => r.id)")


def _type(driver, text: str) -> None:
    box = driver.find_element("id", "filter")
    box.clear()
    box.send_keys(text)


def test_the_fleet_report_renders_without_script_errors_and_the_filter_narrows_the_rows(browser, tmp_path):
    run_dir = tmp_path / "20261125-090000-erase"
    outcomes = write_fleet_run(run_dir, PHONES)
    render(run_dir)
    browser.get((run_dir / "report.html").as_uri())

    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    rows = _visible(browser)
    failed = sorted(n for n, o in outcomes.items() if o == "failed")
    assert len(rows) == PHONES and rows[:len(failed)] == failed  # failures first

    _type(browser, "failed")
    assert sorted(_visible(browser)) == failed
    _type(browser, "sw2 no answer")  # words of a reason
    assert sorted(_visible(browser)) == sorted(n for n, o in outcomes.items() if o == "error")
    _type(browser, "desk-017")
    assert _visible(browser) == ["desk-017"]
    assert browser.find_element("id", "shown").text == "1"
    _type(browser, "7942")  # the model, as the switch announced it
    assert len(_visible(browser)) == PHONES


def test_a_click_on_a_reason_shows_only_the_phones_that_gave_it_and_a_second_click_all(browser, tmp_path):
    run_dir = tmp_path / "20261125-090000-erase"
    outcomes = write_fleet_run(run_dir, PHONES)
    render(run_dir)
    browser.get((run_dir / "report.html").as_uri())
    failed = sorted(n for n, o in outcomes.items() if o == "failed")
    [button] = [b for b in browser.find_elements("css selector", "#reasons button") if "ITLSEP<MAC>.tlv" in b.text]
    assert button.text.startswith(str(len(failed)))  # one line for the reason, with its count
    button.click()
    assert sorted(_visible(browser)) == failed
    assert button.get_attribute("aria-pressed") == "true"
    button.click()
    assert len(_visible(browser)) == PHONES
