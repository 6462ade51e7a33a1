"""One error family: every driver error says which bench part it implicates, and the runner's verdict
reads that from the error, so a new driver needs no change outside its own module."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import rig.drivers
from rig.config.lab import PhoneConfig
from rig.drivers.axl import AxlError
from rig.drivers.bounded import Abandoned, ReadTimeout, TooLarge
from rig.drivers.errors import PHONE, DeviceError
from rig.drivers.operator import OperatorError, OperatorSkipped, OperatorStopped
from rig.drivers.risport import RisPortRateLimited
from rig.drivers.ssh_host_keys import HostKeyRefused
from rig.jobs.runner import verdict_of

PHONE_CONFIG = PhoneConfig(
    name="desk-01", mac="001D705F0001", switch="sw1", port="Gi1/0/1", console="socket://127.0.0.9:7001",
)

OUTSIDE_THE_FAMILY = {
    ReadTimeout: "a bounded read's transport condition: every driver reading through rig.drivers.bounded "
                 "turns it into its own error, which names the device",
    TooLarge: "as ReadTimeout",
    Abandoned: "as ReadTimeout (Ctrl-C)",
    OperatorSkipped: "a person's answer, not a failure: outcome skipped, never caught as a device error",
    OperatorStopped: "a person's answer (Ctrl-C at the prompt): the phone is interrupted",
}


def driver_exceptions() -> list[type[BaseException]]:
    """Every exception class defined in a module under drivers/."""
    found = []
    for info in pkgutil.iter_modules(rig.drivers.__path__, "rig.drivers."):
        module = importlib.import_module(info.name)
        found += [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                  if issubclass(cls, BaseException) and cls.__module__ == module.__name__]
    return found


def test_every_exception_a_driver_defines_belongs_to_the_family_and_names_its_part():
    found = driver_exceptions()
    assert len(found) > 20  # the walk did find the drivers' modules
    strays = [f"{cls.__module__}.{cls.__name__}" for cls in found
              if cls not in OUTSIDE_THE_FAMILY and not issubclass(cls, DeviceError)]
    assert strays == []
    unnamed = [cls.__name__ for cls in found
               if issubclass(cls, DeviceError) and cls is not DeviceError and not hasattr(cls, "part")]
    assert unnamed == []


def test_a_new_driver_error_is_blamed_on_its_part_without_a_change_to_the_runner():
    class HubDown(DeviceError):
        part = "console"

    class LoadServerDown(DeviceError):
        part = "load server"
        device = "ls1"

    verdict = verdict_of(HubDown("desk-01: console hub gone"), PHONE_CONFIG)
    assert (verdict.outcome, verdict.part, verdict.reason) == ("error", "console 127.0.0.9", "desk-01: console hub gone")
    verdict = verdict_of(LoadServerDown("ls1: no answer"), PHONE_CONFIG)
    assert (verdict.outcome, verdict.part) == ("error", "load server ls1")


def test_a_driver_error_implicating_the_phone_itself_fails_the_phone():
    class ScreenGarbled(DeviceError):
        part = PHONE

    verdict = verdict_of(ScreenGarbled("desk-01: /CGI/Screenshot is not a PNG"), PHONE_CONFIG)
    assert (verdict.outcome, verdict.part) == ("failed", None)


@pytest.mark.parametrize("error, part", [
    (RisPortRateLimited("https://127.0.0.1:8443/realtimeservice2/services/RISService70: still rate limited"),
     "cucm risport"),
    (AxlError("https://127.0.0.1:8443/axl/: HTTP 401, user refused"), "cucm axl"),
    (HostKeyRefused("switch 127.0.0.1:2222: host key not in known_hosts"), "switch sw1"),
    (OperatorError("phone desk-01: press 5: needs a technician at a terminal"), None),
])
def test_cucm_errors_are_blamed_on_the_service_and_the_rest_on_the_phones_own_part(error, part):
    """RisPort and AXL errors name their CUCM service; an operator error names no shared part
    (restart wraps it in a BenchFault blaming `operator`)."""
    verdict = verdict_of(error, PHONE_CONFIG)
    assert (verdict.outcome, verdict.part, verdict.reason) == ("error", part, str(error))
