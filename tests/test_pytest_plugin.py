"""The rig pytest plugin, exercised the way a lab uses it: a small suite run by pytest itself."""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rig.pytest_plugin import PhoneOutcome, assert_fetched, assert_passed, assert_step_ok
from rig.report.model import FetchRecord, PhoneResult, StepRecord
from tests.results import phone_result

pytest_plugins = ["pytester"]

REAL_BENCH = """\
bench: lab-a
switches:
  sw1: {host: 127.0.0.1, username: rig}
cucm:
  tftp: {host: 127.0.0.1, port: 69}
  expected_load: SCCP42.9-4-2SR3-1S
phones:
  - {name: desk-a, mac: 001D705F0001, model: "7942", switch: sw1, port: Gi1/0/1}
  - {name: desk-b, mac: 001D705F0002, model: "7962", switch: sw1, port: Gi1/0/2}
"""

SIM_BENCH = """\
bench: tiny
simulation:
  phones: 2
  scenarios: {stale_itl: 1}
  time_scale: 0.004
  image_kb: 4
  faults: {lost_keys: {desk-02: 100}}
"""


@pytest.fixture(autouse=True)
def _private_leases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIG_LEASE_DIR", str(tmp_path / "leases"))


@pytest.fixture(autouse=True)
def _lean_runs(pytester: pytest.Pytester) -> None:
    """Inner runs without the plugins these tests do not need (hypothesis alone costs ~0.5 s a run)."""
    pytester.makeini("[pytest]\naddopts = -p no:hypothesispytest -p no:cacheprovider\n")


def collected(pytester: pytest.Pytester, config: str, suite: str) -> list[str]:
    (pytester.path / "bench.yaml").write_text(config)
    pytester.makepyfile(test_suite=textwrap.dedent(suite))
    result = pytester.runpytest("--lab-config", "bench.yaml", "--collect-only", "-q")
    return [line for line in result.outlines if "::" in line]


def test_phone_tests_run_once_per_phone_with_the_phone_name_as_id(pytester: pytest.Pytester) -> None:
    ids = collected(pytester, REAL_BENCH, "def test_x(phone): pass\n")
    assert ids == ["test_suite.py::test_x[desk-a]", "test_suite.py::test_x[desk-b]"]


def test_the_bench_can_be_named_in_the_ini_file(pytester: pytest.Pytester) -> None:
    (pytester.path / "bench.yaml").write_text(REAL_BENCH)
    pytester.makeini("[pytest]\naddopts = -p no:hypothesispytest\nrig_lab_config = bench.yaml\n")
    pytester.makepyfile(test_suite="def test_x(phone): pass\n")
    result = pytester.runpytest("--collect-only", "-q")
    assert [line for line in result.outlines if "::" in line][-1] == "test_suite.py::test_x[desk-b]"


def test_without_a_config_the_built_in_simulated_bench_has_eight_phones(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite="def test_x(phone): pass\n")
    result = pytester.runpytest("--collect-only", "-q")
    ids = [line for line in result.outlines if "::" in line]
    assert ids == [f"test_suite.py::test_x[desk-{i:02d}]" for i in range(1, 9)]


def test_rig_model_keeps_only_phones_of_that_model(pytester: pytest.Pytester) -> None:
    suite = """
        import pytest
        @pytest.mark.rig_model("7962")
        def test_x(phone): pass
    """
    assert collected(pytester, REAL_BENCH, suite) == ["test_suite.py::test_x[desk-b]"]


def test_rig_scenario_on_a_real_bench_skips_the_test_and_says_why(pytester: pytest.Pytester) -> None:
    (pytester.path / "bench.yaml").write_text(REAL_BENCH)
    pytester.makepyfile(test_suite="""
        import pytest
        @pytest.mark.rig_scenario("stale_itl")
        def test_x(phone): pass
    """)
    result = pytester.runpytest("--lab-config", "bench.yaml", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*rig_scenario*selects simulated phones; bench lab-a is real*"])


def test_a_model_no_phone_has_skips_the_test_with_the_reason(pytester: pytest.Pytester) -> None:
    (pytester.path / "bench.yaml").write_text(REAL_BENCH)
    pytester.makepyfile(test_suite="""
        import pytest
        @pytest.mark.rig_model("8845")
        def test_x(phone): pass
    """)
    result = pytester.runpytest("--lab-config", "bench.yaml", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*bench lab-a has no phone of model 8845*"])


def test_a_suites_own_phone_fixture_is_left_alone(pytester: pytest.Pytester) -> None:
    suite = """
        import pytest
        @pytest.fixture
        def phone(): return "mine"
        def test_x(phone): assert phone == "mine"
    """
    assert collected(pytester, REAL_BENCH, suite) == ["test_suite.py::test_x"]


def test_a_bad_lab_config_is_one_error_naming_the_file_and_field(pytester: pytest.Pytester) -> None:
    (pytester.path / "bench.yaml").write_text(REAL_BENCH.replace("username: rig", "username: rig, pasword: x"))
    pytester.makepyfile(test_suite="def test_x(phone): pass\n")
    result = pytester.runpytest("--lab-config", "bench.yaml")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["rig: bench.yaml: switches.sw1.pasword: unknown key (did you mean 'password' or*"])


def _result(outcome: str, steps: list[tuple[str, bool, str]], fetched: list[str]) -> PhoneResult:
    return phone_result(
        "desk-07", outcome, next((d for _, ok, d in steps if not ok), None),
        steps=tuple(StepRecord(n, 1, "t0", "t1", ok, d) for n, ok, d in steps),
        tftp_fetches=tuple(FetchRecord(f, "t1", 100, True) for f in fetched),
        load_before="SCCP42.9-3-1", load_after="SCCP42.9-3-1", symptoms=("Trust List Update Failed",),
    )


def test_a_failed_phone_is_explained_by_its_failed_step_and_evidence(tmp_path: Path) -> None:
    outcome = PhoneOutcome.of(
        _result("failed", [("identify", True, "SEP001D705F0006 on Gi1/0/7"),
                           ("verify_itl", False, "ITLSEP001D705F0006.tlv was not fetched")],
                ["SEP001D705F0006.cnf.xml"]),
        "erase", tmp_path,
    )
    with pytest.raises(AssertionError) as failure:
        assert_passed(outcome)
    message = str(failure.value)
    assert message.startswith("desk-07: erase failed at step verify_itl: ITLSEP001D705F0006.tlv was not fetched")
    assert "fetched: SEP001D705F0006.cnf.xml" in message
    assert f"report: {tmp_path / 'report.html'}" in message
    with pytest.raises(AssertionError, match="never fetched \\*.sbn"):
        assert_fetched(outcome, "*.cnf.xml", "*.sbn")
    with pytest.raises(AssertionError, match="step verify_itl failed: ITLSEP001D705F0006.tlv was not fetched"):
        assert_step_ok(outcome, "verify_itl")
    assert ("rig.failed_step", "verify_itl") in outcome.properties()
    assert ("step.02.verify_itl", "FAILED: ITLSEP001D705F0006.tlv was not fetched") in outcome.properties()


def test_junit_xml_carries_each_phones_steps_fetches_loads_and_signer(pytester: pytest.Pytester) -> None:
    (pytester.path / "bench.yaml").write_text(SIM_BENCH)
    pytester.makepyfile(test_suite="""
        from rig.pytest_plugin import assert_passed
        def test_erase(erased):
            assert_passed(erased)
    """)
    result = pytester.runpytest("--lab-config", "bench.yaml", "--junitxml", "out.xml", "--rig-runs", "runs")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*desk-02: erase failed at step *"])
    cases = {c.get("name"): c for c in ET.parse(pytester.path / "out.xml").getroot().iter("testcase")}
    props = {name: {p.get("name"): p.get("value") for p in case.iter("property")} for name, case in cases.items()}
    good, bad = props["test_erase[desk-01]"], props["test_erase[desk-02]"]
    assert good["rig.outcome"] == "passed" and good["load_after"] == "SCCP42.9-4-2SR3-1S" and good["itl_signer"]
    assert any(k.startswith("step.") and k.endswith(".verify_config") and v.startswith("ok") for k, v in good.items())
    assert any(k.startswith("tftp.") and "ITLSEP001D705F0000.tlv" in v for k, v in good.items())
    assert bad["rig.outcome"] == "failed" and bad["rig.failed_step"] and bad["rig.reason"]
    runs = list((pytester.path / "runs").iterdir())
    assert len(runs) == 1 and (runs[0] / "report.html").is_file(), "one erase run for both phones"


def test_a_job_that_cannot_start_fails_each_test_with_the_reason_without_retrying(pytester: pytest.Pytester) -> None:
    (pytester.path / "bench.yaml").write_text(REAL_BENCH.replace('model: "7942"', 'model: "7940"'))
    pytester.makepyfile(test_suite="def test_erase(erased): pass\n")
    result = pytester.runpytest("--lab-config", "bench.yaml", "--rig-runs", "runs")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*rig erase could not run: *bench.yaml: phones[[]0[]] (desk-a).model: *"])
    assert not (pytester.path / "runs").exists(), "refused before any run directory is made"
