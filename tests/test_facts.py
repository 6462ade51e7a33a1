"""`rig facts` on run directories written by hand: each unconfirmed fact is confirmed,
contradicted or not seen by what the journal and console show, per phone, with the line that
shows it; absence is never a contradiction; a profile's own `confirmed: false` fact takes the
verdict of its phones; anything but a run or a bundle is one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from rig.cli import app
from rig.errors import RigError

KEYS = ["Settings", "KeyPad4", "KeyPad5", "KeyPad2", "KeyPadStar", "KeyPadStar", "KeyPadPound", "Soft4", "Soft2"]


def step(phone: str, name: str, ok: bool = True, detail: str = "", **data: Any) -> dict[str, Any]:
    return {"event": "step", "at": "2026-12-07T10:00:01.000Z", "phone": phone, "name": name,
            "started": "2026-12-07T10:00:00.000Z", "ended": "2026-12-07T10:00:01.000Z", "ok": ok,
            "detail": detail, "data": data}


def run_dir(tmp_path: Path, phones: dict[str, list[dict[str, Any]]], consoles: dict[str, str],
            run_id: str = "20261207-100000-erase") -> Path:
    path = tmp_path / "runs" / run_id
    (path / "console").mkdir(parents=True)
    started = {"event": "run_started", "at": "2026-12-07T10:00:00.000Z", "run_id": run_id, "procedure": "erase",
               "bench": "b", "phones": [{"name": n, "mac": "001D705F0000", "switch": "sw1", "port": "Gi1/0/1"}
                                        for n in phones]}
    events = [started] + [event for steps in phones.values() for event in steps]
    (path / "journal.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    for name, text in consoles.items():
        (path / "console" / f"{name}.log").write_text(text)
    return path


def facts(*args: str) -> dict[str, dict[str, Any]]:
    result = CliRunner().invoke(app, ["facts", *args, "--json"])
    assert result.exit_code == 0, result.output
    return {fact["id"]: fact for fact in json.loads(result.stdout)["facts"]}


def erased(phone: str, by: str, script: str = "7942-sccp9-itl_erase.yaml", ok: bool = True) -> dict[str, Any]:
    return step(phone, "erase", ok, "" if ok else "erase not confirmed: no erase signal within 30 s",
                script=script, keys=KEYS, **({"erase_confirmed_by": by, "erase_signals_seen": [by]} if ok else {}))


def test_an_erase_confirmed_otherwise_with_a_silent_console_contradicts_the_console_line(tmp_path):
    path = run_dir(tmp_path, {"a": [erased("a", "ITL fetched after the keys")],
                              "b": [erased("b", "ITL fetched after the keys")],
                              "c": [erased("c", "ITL fetched after the keys")]},
                   {"a": "boot\nTFTP: ITLSEP001D705F0000.tlv: 5075 bytes\n", "b": "x 0.1 SEP1 Erasing CTL and ITL files\n"})
    line = facts(str(path))["console.erase_line"]
    assert line["status"] == "contradicted"
    assert line["phones"] == {"contradicted": 1, "confirmed": 1, "not seen": 1}  # c: no console captured
    assert {"phone": "a", "status": "contradicted", "line": "erase confirmed by ITL fetched after the keys; none of "
            "the 2 console lines matches /Erasing CTL and ITL files/"} in line["evidence"]


def test_keys_sent_without_a_confirmed_erase_contradict_the_key_path_and_no_restart_is_only_not_seen(tmp_path):
    path = run_dir(tmp_path, {"a": [erased("a", "", ok=False)], "b": [erased("b", "ITL fetched after the keys")]}, {})
    found = facts(str(path))
    assert found["key_path"]["phones"] == {"contradicted": 1, "confirmed": 1, "not seen": 0}
    assert found["key_path"]["evidence"][0]["line"].endswith("-> erase not confirmed: no erase signal within 30 s")
    assert found["restart_after_erase"]["status"] == "not seen"


def test_status_lines_without_the_profiles_time_stamp_contradict_the_status_line(tmp_path):
    path = run_dir(tmp_path, {"a": [erased("a", "restart (HTTP gone)"),
                                    step("a", "baseline", status_messages=["Trust List Update Failed"])]}, {})
    found = facts(str(path))["web.status_messages"]
    assert found["status"] == "contradicted"
    assert found["evidence"][0]["line"] == "1 of 1 lines do not match status_line: 'Trust List Update Failed'"


def test_a_profiles_own_unconfirmed_fact_takes_the_verdict_of_its_phones(tmp_path):
    path = run_dir(tmp_path, {"a": [step("a", "identify", cdp_platform="Cisco IP Phone 7965"),
                                    erased("a", "restart (HTTP gone)", script="7965-sccp9-itl_erase.yaml")]}, {})
    found = facts(str(path))
    assert found["79x5-sccp9:cdp_platform"]["status"] == "confirmed"
    assert found["79x5-sccp9:cdp_platform"]["evidence"][0]["line"].startswith("Platform 'Cisco IP Phone 7965' matches")
    assert found["web.device_info"]["status"] == "not seen"


def test_the_newest_run_is_read_by_default_and_anything_else_is_one_line_and_exit_2(tmp_path):
    run_dir(tmp_path, {"old": [erased("old", "restart (HTTP gone)")]}, {}, "20261206-100000-erase")
    run_dir(tmp_path, {"new": [erased("new", "", ok=False)]}, {}, "20261207-100000-erase")
    result = CliRunner().invoke(app, ["facts", "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 0 and "CONTRADICTED  key_path (1 contradicted)" in result.output
    assert "new contradicted: 7942-sccp9-itl_erase.yaml" in result.output
    (tmp_path / "notes.txt").write_text("hello")
    for wrong in (tmp_path / "notes.txt", tmp_path / "nowhere"):
        refused = CliRunner().invoke(app, ["facts", str(wrong)])
        assert isinstance(refused.exception, RigError) and refused.exception.exit_code == 2  # main: one line, exit 2
        assert "neither a run directory" in str(refused.exception) and "\n" not in str(refused.exception)


def tftp(phone: str, file: str, ok: bool = True, **fields: Any) -> dict[str, Any]:
    return {"event": "tftp", "at": "2026-12-07T10:00:02.000Z", "phone": phone, "file": file, "bytes": 5000,
            "ok": ok, **fields}


def test_the_tftp_options_a_phone_asked_and_when_it_asked_again_are_judged_from_the_journal(tmp_path):
    path = run_dir(tmp_path, {
        "a": [erased("a", "ITL fetched after the keys"), tftp("a", "ITLSEP1.tlv", options={"blksize": "1428"}),
              tftp("a", "SEP1.cnf.xml", options={"blksize": "1428"})],
        "b": [erased("b", "ITL fetched after the keys"), tftp("b", "ITLSEP2.tlv", options={}),
              tftp("b", "SEP2.cnf.xml", False, error="upstream did not answer", options={}, resent_after=[4.0, 8.0])],
        "c": [erased("c", "ITL fetched after the keys"), tftp("c", "ITLSEP3.tlv")],  # from before rig kept options
    }, {})
    found = facts(str(path))
    assert found["tftp.options"]["phones"] == {"contradicted": 1, "confirmed": 1, "not seen": 1}
    assert {"phone": "a", "status": "confirmed", "line": "asked blksize=1428 (2 of 2 requests)"} in \
        found["tftp.options"]["evidence"]
    assert {"phone": "b", "status": "contradicted", "line": "asked no options (2 of 2 requests)"} in \
        found["tftp.options"]["evidence"]
    assert found["tftp.timeout"]["evidence"] == [{"phone": "b", "status": "confirmed", "line": (
        "SEP2.cnf.xml: asked again 4 s, 8 s after its request; then no more (it moved on to its next TFTP server, "
        "or gave up): upstream did not answer")}]


def test_a_key_path_line_says_where_the_screens_after_the_keys_are(tmp_path):
    shots = [{"key": k, "file": f"screens/a/erase-{i:02d}-{k}.png"} for i, k in enumerate(KEYS, 1)]
    confirmed = erased("a", "ITL fetched after the keys")
    confirmed["data"]["screenshots"] = shots
    path = run_dir(tmp_path, {"a": [confirmed]}, {})
    assert facts(str(path))["key_path"]["evidence"][0]["line"] == (
        f"7942-sccp9-itl_erase.yaml: {' '.join(KEYS)} (screens screens/a/erase-01-Settings.png .. "
        f"screens/a/erase-09-Soft2.png) -> erase confirmed by ITL fetched after the keys")


def test_an_lldp_software_revision_is_judged_by_verify_load_else_by_what_identify_heard(tmp_path):
    """A 7942's LLDP-MED `S/W revision` being its bare load is unconfirmed (docs/switches.md): the run
    that read it where CDP was off says whether it is."""
    path = run_dir(tmp_path, {
        "a": [erased("a", "ITL fetched after the keys"),
              step("a", "verify_load", agreed=["LLDP S/W revision"], load_after="SCCP42.9-4-2SR3-1S",
                   lldp_software="SCCP42.9-4-2SR3-1S")],
        "b": [step("b", "identify", lldp_software="*SCCP42.9-4-2SR3-1S*"), erased("b", "ITL fetched after the keys")],
        "c": [step("c", "identify", cdp_version="SCCP42.9-4-2SR3-1S"),  # CDP gave an entry: LLDP not read
              erased("c", "ITL fetched after the keys")],
    }, {})
    lldp = facts(str(path))["lldp.software_revision"]
    assert (lldp["status"], lldp["phones"]) == ("contradicted", {"contradicted": 1, "confirmed": 1, "not seen": 1})
    assert lldp["evidence"] == [
        {"phone": "a", "status": "confirmed", "line": "LLDP S/W revision agreed with the load after the run, "
                                                      "SCCP42.9-4-2SR3-1S"},
        {"phone": "b", "status": "contradicted", "line": "LLDP S/W revision '*SCCP42.9-4-2SR3-1S*' is decorated, "
                                                         "not the bare load"}]


def test_every_fact_has_a_judge_and_every_bundle_file_bears_on_facts_that_exist():
    from rig.diagnostics.catalog import BY_ID, FACTS
    from rig.diagnostics.collect import PAGES, PORT_COMMANDS
    from rig.diagnostics.judges import JUDGES, PROFILE_PATHS
    from rig.diagnostics.runs import CONSOLE_FACTS, JOURNAL_FACTS, SCREEN_FACTS

    assert sorted(JUDGES) == sorted(fact.id for fact in FACTS)
    borne = {*(f for _, _, facts in PAGES + PORT_COMMANDS for f in facts), *JOURNAL_FACTS, *CONSOLE_FACTS,
             *SCREEN_FACTS, *PROFILE_PATHS.values()}
    assert sorted(borne - set(BY_ID)) == []


def test_a_restart_by_itself_says_how_long_after_the_keys_it_showed(tmp_path):
    restarted = erased("a", "restart (draw drop 6.3 W -> 1.5 W and HTTP gone)")
    restarted["data"].update(restart_after_s=42.5, keys_took_s=8.25)
    path = run_dir(tmp_path, {"a": [restarted], "b": [erased("b", "restart (HTTP gone)")]}, {})  # b: an older rig's
    assert facts(str(path))["restart_after_erase"]["evidence"] == [
        {"phone": "a", "status": "confirmed", "line": "restart (draw drop 6.3 W -> 1.5 W and HTTP gone), seen 42.5 s "
                                                      "after the first key (the keys took 8.25 s)"},
        {"phone": "b", "status": "confirmed", "line": "restart (HTTP gone)"}]
