"""`rig discover --cucm` writes a config that `rig preflight` accepts (issue 14's done-when),
end to end on a simulated bench whose phones serve their web pages on port 80 of their own
address, as real phones do (`simulation.web_port: 80`): the seed lists the switch and CUCM but
no phone, discovery adds the three phones (their ports from CDP), preflight passes every check
of every phone. Without the switch the phones are written as field-mode entries and pass too.

Port 80 needs the right to bind it (root, or CAP_NET_BIND_SERVICE): without it the test is
skipped, saying so; CI runs as root."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from rig.config.lab import dump_config, load_config

from rig.config.simulation import Simulation
from rig.sim.bench import SimBench, phone_ip
from tests.test_validation_cli import rig_in_process


def _may_bind_port_80() -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((phone_ip(0), 80))
        except PermissionError:
            return False
    return True


pytestmark = pytest.mark.skipif(not _may_bind_port_80(), reason="binding port 80 needs root or CAP_NET_BIND_SERVICE")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The running bench as a seed config: its switch and CUCM (RisPort, AXL), no phone."""
    work = tmp_path_factory.mktemp("site")
    simulation = Simulation(phones=3, scenarios={"stale_itl": 1}, time_scale=0.004, image_kb=4, web_port=80)
    with SimBench(simulation, "site", work) as sim:
        yield {**dump_config(sim.lab_config()), "phones": []}


def _discover_then_preflight(seed: dict[str, Any], tmp_path: Path, monkeypatch, capsys) -> tuple[Path, int, dict]:
    source, out = tmp_path / "seed.yaml", tmp_path / "site.yaml"
    source.write_text(yaml.safe_dump(seed))
    code, _, err = rig_in_process(["discover", "--cucm", "--model", "7942", "--write-config", str(out),
                                   "--config", str(source)], monkeypatch, capsys)
    assert code == 0, err
    code, report, err = rig_in_process(["preflight", "--json", "--config", str(out)], monkeypatch, capsys)
    return out, code, json.loads(report)


def _problems(report: dict[str, Any]) -> list[str]:
    return report["bench"]["problems"] + [f"{p['name']}: {problem}" for p in report["phones"] for problem in p["problems"]]


def test_discovered_phones_on_their_switch_ports_pass_preflight(site, tmp_path, monkeypatch, capsys):
    out, code, report = _discover_then_preflight(site, tmp_path, monkeypatch, capsys)
    phones = load_config(out).phones
    assert [(p.name, p.switch, p.http_port) for p in phones] == [
        (f"SEP001D705F000{i}", "sw1", 80) for i in range(3)]
    assert _problems(report) == [] and code == 0
    checked = {(c["name"], c["ok"] and not c["detail"].startswith("not checked")) for p in report["phones"]
               for c in p["checks"] if c["name"] in ("port", "platform", "web access", "TFTP server", "load")}
    assert checked == {("port", True), ("platform", True), ("web access", True), ("TFTP server", True), ("load", True)}


def test_discovered_phones_without_a_switch_are_field_mode_and_pass_preflight(site, tmp_path, monkeypatch, capsys):
    out, code, report = _discover_then_preflight({**site, "switches": {}}, tmp_path, monkeypatch, capsys)
    assert all(p.switch is None and p.http_port == 80 for p in load_config(out).phones)
    assert _problems(report) == [] and code == 0
