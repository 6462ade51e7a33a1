"""The simulated CUCM's AXL `listPhone` (POST /axl/ on the same Tomcat as RisPort70).

Written from the AXL 12.5 schema (AXLAPI.wsdl, AXLSoap.xsd, AXLEnums.xsd of Cisco's AXL toolkit,
as redistributed in the MIT-licensed CollabConnector package): `listPhone` in namespace
`http://www.cisco.com/AXL/API/<version>` with unqualified children, `searchCriteria` `name` /
`devicePoolName` with SQL `%` and `_` wildcards, `returnedTags` naming the fields to return; the
answer `listPhoneResponse` > `return` > one `phone uuid="{...}"` per phone, `devicePoolName`
carrying its own `uuid`. Model names are AXLEnums.xsd's (`Cisco 7942`). Every simulated phone is
in the device pool `Default` (the pool a fresh CUCM has).
"""

from __future__ import annotations

import fnmatch
import re
import uuid
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from rig.sim.soap import SOAP_ENV, RisDevice, envelope, fault

AXL_NS = re.compile(r"\{(http://www\.cisco\.com/AXL/API/(\d+\.\d+))\}listPhone$")
MODEL_NAMES = {434: "Cisco 7942"}
DEVICE_POOL = "Default"
FIELDS = ("name", "description", "model", "protocol", "devicePoolName")


def _like(value: str, pattern: str) -> bool:
    """SQL LIKE as AXL's searchCriteria takes it (case-insensitive here, as CUCM names are)."""
    glob = pattern.replace("[", "[[]").replace("%", "*").replace("_", "?")
    return fnmatch.fnmatchcase(value.upper(), glob.upper())


def _uuid(name: str) -> str:
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.rig.sim")).upper() + "}"


def answer(body: bytes, devices: list[RisDevice]) -> tuple[int, bytes]:
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        return 500, fault("soapenv:Client", f"Unmarshalling error: {error}")
    call = next((e for e in root.iterfind(f"{{{SOAP_ENV}}}Body/*") if AXL_NS.match(e.tag)), None)
    if call is None:
        return 500, fault("soapenv:Client", "the simulated AXL answers listPhone only")
    namespace = AXL_NS.match(call.tag).group(1)  # type: ignore[union-attr]
    name = call.findtext("searchCriteria/name")
    pool = call.findtext("searchCriteria/devicePoolName")
    if name is None and pool is None:
        return 500, fault("soapenv:Client", "At least one element under searchCriteria has to be mentioned")
    wanted = [t.tag for t in call.iterfind("returnedTags/*") if t.tag in FIELDS] or list(FIELDS)
    phones = [d for d in devices if (name is None or _like(d.name, name)) and (pool is None or _like(DEVICE_POOL, pool))]
    values = {"model": lambda d: MODEL_NAMES.get(d.model, str(d.model)), "name": lambda d: d.name,
              "description": lambda d: d.description, "protocol": lambda d: "SCCP", "devicePoolName": lambda d: DEVICE_POOL}
    rows = "".join(
        f'<phone uuid="{_uuid(d.name)}">' + "".join(
            f'<devicePoolName uuid="{_uuid(DEVICE_POOL)}">{DEVICE_POOL}</devicePoolName>' if tag == "devicePoolName"
            else f"<{tag}>{escape(values[tag](d))}</{tag}>" for tag in wanted) + "</phone>"
        for d in phones)
    return 200, envelope(f'<ns:listPhoneResponse xmlns:ns="{namespace}"><return>{rows}</return></ns:listPhoneResponse>')
