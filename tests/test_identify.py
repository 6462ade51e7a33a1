"""rig.bench.identify against the simulated IOS switch over real SSH: the evidence a port is touched on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest

from rig.drivers.ios_switch import IosSwitch
from rig.config.lab import PhoneConfig
from rig.bench.identify import identify, identify_unpowered, phone_neighbour
from rig.sim.clock import SimClock
from rig.sim.switch import SimSwitch
from tests.switch_devices import StubPhone

USER, PASSWORD = "labadmin", "pw-identify"
DESK1, DESK3 = "001D705F9EA8", "001D705F9EB0"


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[tuple[IosSwitch, dict[str, StubPhone]]]:
    devices = {
        "Gi1/0/1": StubPhone("desk-1", DESK1),
        "Gi1/0/3": StubPhone("desk-3", DESK3),
    }
    key = paramiko.RSAKey.generate(1024)
    with SimSwitch("sw1", {**devices, "Gi1/0/2": None}, SimClock(), username=USER, password=PASSWORD,
                   enable_secret="en", host_key=key) as sim:
        host, port = sim.address
        known = tmp_path / "known_hosts"
        known.write_text(f"[{host}]:{port} {key.get_name()} {key.get_base64()}\n")
        with IosSwitch("sw1", host, USER, port=port, password=PASSWORD, enable_secret="en",
                       known_hosts=str(known), timeout=3) as ios:
            yield ios, devices


def phone(name: str, mac: str, port: str) -> PhoneConfig:
    return PhoneConfig(name=name, mac=mac, switch="sw1", port=port)


def test_phone_is_identified_by_its_mac_on_its_port(bench):
    ios, _ = bench
    identity = identify(ios, phone("desk-1", DESK1, "GigabitEthernet1/0/1"))
    assert identity.ok and "001d.705f.9ea8" in identity.evidence and "Gi" in identity.evidence


def test_phone_configured_on_the_wrong_port_is_refused_with_what_is_there(bench):
    ios, _ = bench
    identity = identify(ios, phone("desk-1", DESK1, "Gi1/0/3"))
    assert not identity.ok
    assert "desk-1 (SEP001D705F9EA8) not seen on sw1 Gi1/0/3" in identity.evidence and "001d.705f.9eb0" in identity.evidence


def test_empty_port_is_refused(bench):
    ios, _ = bench
    identity = identify(ios, phone("desk-2", DESK1, "Gi1/0/2"))
    assert not identity.ok and "no MAC and no CDP neighbour" in identity.evidence


def test_powered_off_phone_cannot_be_identified_but_its_free_port_may_be_powered_on(bench):
    ios, _ = bench
    desk3 = phone("desk-3", DESK3, "Gi1/0/3")
    assert not identify_unpowered(ios, desk3).ok  # still powered: not the unpowered case
    ios.power_off("Gi1/0/3")
    assert not identify(ios, desk3).ok
    unpowered = identify_unpowered(ios, desk3)
    assert unpowered.ok and "powered off" in unpowered.evidence


def test_the_phones_own_cdp_entry_gives_its_platform_and_announced_load(bench):
    ios, _ = bench
    neighbour = phone_neighbour(ios.cdp_neighbors(), phone("desk-1", DESK1, "Gi1/0/1"))
    assert neighbour is not None
    assert (neighbour.platform, neighbour.version) == ("Cisco IP Phone 7942", "SCCP42.9-4-2SR3-1S")
    assert phone_neighbour(ios.cdp_neighbors(), phone("desk-1", DESK1, "Gi1/0/3")) is None  # desk-3's entry is not desk-1's
