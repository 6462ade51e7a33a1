"""Shared pieces of the simulated phone / CUCM tests: a small lab on loopback, standard clients."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import requests
import tftpy

from rig.sim.clock import SimClock
from rig.sim.cucm import SimCucm
from rig.sim.phone import SimPhone
from rig.sim.pki import ClusterPki
from tests.waiting import wait_for

SCALE = 0.005
"""Real seconds per device second: a 70 s cold boot takes 0.35 s."""
IMAGE_BYTES = 6000
NEW_LOAD = "SCCP42.9-4-2SR3-1S"
OLD_LOAD = "SCCP42.8-5-4S"
USER, PASSWORD = "rig", "rig-sim"
STATUS_PATH = "/CGI/Java/Serviceability?adapter=device.settings.status.messages"
SETTLED = ("registered", "stuck")


def mac_of(index: int) -> str:
    return f"{0x001D705F1000 + index:012X}"


def direct_session() -> requests.Session:
    """requests without proxies from the environment: everything here is on loopback."""
    session = requests.Session()
    session.trust_env = False
    return session


def tftp_get(address: tuple[str, int], name: str, *, localip: str = "") -> bytes:
    out = io.BytesIO()
    tftpy.TftpClient(address[0], address[1], options={"blksize": 1428}, localip=localip).download(
        name, out, timeout=1.0
    )
    return out.getvalue()


@dataclass
class Lab:
    """SimCucm and some phones (one per scenario given), all started."""

    clock: SimClock
    pki: ClusterPki
    cucm: SimCucm
    phones: dict[str, SimPhone] = field(default_factory=dict)
    web: requests.Session = field(default_factory=direct_session)

    def url(self, phone: SimPhone, path: str) -> str:
        return f"http://{phone.ip}:{phone.http_port}{path}"

    def get(self, phone: SimPhone, path: str, **kwargs: object) -> requests.Response:
        return self.web.get(self.url(phone, path), timeout=3, **kwargs)  # type: ignore[arg-type]

    def device_field(self, phone: SimPhone, tag: str) -> str:
        match = re.search(rf"<{tag}>([^<]*)</{tag}>", self.get(phone, "/DeviceInformationX").text)
        assert match, f"DeviceInformationX has no {tag}"
        return match.group(1)

    def running_load(self, phone: SimPhone) -> str:
        """The load the phone reports: its versionID without the asterisks real phones add."""
        return self.device_field(phone, "versionID").strip("*")

    def status(self, phone: SimPhone) -> str:
        return self.get(phone, STATUS_PATH).text

    def fetched(self, phone: SimPhone) -> list[str]:
        """Files this phone got from CUCM, in order."""
        return [read.file for read in self.cucm.reads() if read.served and read.client == phone.ip]

    def asked(self, phone: SimPhone) -> list[str]:
        return [read.file for read in self.cucm.reads() if read.client == phone.ip]

    def power_cycle_and_settle(self, phone: SimPhone, timeout: float = 15.0) -> None:
        phone.power_off()
        phone.power_on()
        wait_for(lambda: phone.status().state in SETTLED, timeout, f"{phone.name} to settle after power-up")


@contextmanager
def running_lab(
    scenarios: dict[str, str], *, tftp_first: list[tuple[str, int]] | None = None, loss: float = 0.0,
    web_access_off: tuple[str, ...] = (), tvs_reachable: bool = True, **phone_options: object,
) -> Iterator[Lab]:
    """A started SimCucm and one started SimPhone per (name -> scenario), on 127.0.2.N; the
    phones named in `web_access_off` have web access disabled in their configuration; without
    `tvs_reachable` the phones look for TVS on a port that refuses them."""
    clock = SimClock(SCALE)
    pki = ClusterPki.generate(key_size=1024)
    macs = {name: mac_of(i) for i, name in enumerate(scenarios)}
    with ExitStack() as stack:
        cucm = SimCucm(clock, pki, list(macs.items()), image_bytes=IMAGE_BYTES, loss=loss,
                       web_access_off=web_access_off)
        cucm.start()
        stack.callback(cucm.stop)
        lab = Lab(clock, pki, cucm)
        for i, (name, scenario) in enumerate(scenarios.items()):
            phone = SimPhone(
                name, macs[name], f"127.0.2.{i + 1}", clock, scenario=scenario, pki=pki,
                cucm_auth_url=cucm.auth_url, tftp_servers=[*(tftp_first or []), cucm.tftp_address],
                tvs=cucm.tvs_address if tvs_reachable else ("127.0.0.1", 9),
                web_access=name not in web_access_off,
                **phone_options,  # type: ignore[arg-type]
            )
            phone.start()
            stack.callback(phone.stop)
            lab.phones[name] = phone
        yield lab
