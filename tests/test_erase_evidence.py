"""Erase evidence both ways: a confirmation that shows in the last look counts, and one missing
answer is not a restart.

The looks are scripted: a bench whose phone answers, drops a request or restarts exactly when the
test says, so the moment a signal shows relative to the end of the wait is the test's to choose
(on a simulated bench it is a race). The watch and the erase step are rig's own code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest

from rig.drivers.phone_web import PhoneWebError
from rig.drivers.tftp_records import TftpTransfer
from rig.config.lab import Timeouts
from rig.procedures import erase
from rig.procedures.erase_watch import SUSTAINED_LOOKS, EraseWatch
from rig.procedures.keyrun import ExpectationNotMet
from rig.procedures.steps import Step
from rig.phone.profiles import profile_for

MAC = "001D70AB0001"
IP = "127.0.1.1"
REGISTERED_W = 6.3


class Web:
    """The phone's web server: `down` says, look by look, whether a request goes unanswered."""

    def __init__(self) -> None:
        self.down = False

    def device_info(self) -> SimpleNamespace:
        if self.down:
            raise PhoneWebError(f"http://{IP}/DeviceInformationX: timed out")
        return SimpleNamespace(version_id="SCCP42.9-4-2SR3-1S", app_load_id=None)

    def status_messages(self) -> list[str]:
        return []


@dataclass
class Tap:
    itl_fetched_at: datetime | None = None

    def transfers(self, client: str) -> list[TftpTransfer]:
        at = self.itl_fetched_at
        if at is None or client != IP:
            return []
        return [TftpTransfer(IP, f"ITLSEP{MAC}.tlv", 4096, True, None, at, at, None)]


@dataclass
class Bench:
    """A scripted bench: each look of the watch is one call of `before_look`."""

    script_scale: float = 1.0
    web: Web = field(default_factory=Web)
    tap: Tap = field(default_factory=Tap)
    watts: float = REGISTERED_W
    before_look: Callable[[int], None] = lambda look: None
    looks: int = 0
    screenshots: bool = False

    # -- the parts of PhoneContext the erase watch and step read ------------------------------
    @property
    def phone(self) -> SimpleNamespace:
        return SimpleNamespace(name="desk-01", mac=MAC, ip=IP, switch="sw1")

    @property
    def profile(self) -> Any:
        return profile_for("7942", "sccp9")

    @property
    def config(self) -> SimpleNamespace:
        return SimpleNamespace(timeouts=Timeouts(expect=1.0))

    @property
    def watching(self) -> bool:
        return True

    def script_seconds(self, hardware_seconds: float) -> float:
        return hardware_seconds * self.script_scale

    def polled_watts(self, since: float, period: float) -> float:
        return self.watts

    @property
    def identification(self) -> SimpleNamespace:
        """The switch's tables, where the phone's CDP entry is gone."""
        return SimpleNamespace(cdp_gone=lambda: True)

    def poll(self, probe: Callable[[], Any], timeout: float, interval: float | None = None) -> Any:
        """Ten looks, then the wait is over (None), as a poll reaching its deadline."""
        for _ in range(10):
            value = self.look(probe)
            if value is not None:
                return value
        return None

    def look(self, probe: Callable[[], Any]) -> Any:
        self.looks += 1
        self.before_look(self.looks)
        return probe()


def watch(bench: Bench) -> EraseWatch:
    return EraseWatch(bench, None, True, datetime.now(timezone.utc))  # type: ignore[arg-type]


def attempt(bench: Bench) -> tuple[erase.Erased, Step]:
    """The erase step's wait for evidence after a script with no keys left to press."""
    step = Step("erase", datetime.now(timezone.utc))
    script = SimpleNamespace(file="7942-sccp9-itl_erase.yaml", steps=[])
    chain = SimpleNamespace(backend="http_execute")
    return erase._attempt(bench, script, chain, None, True, step), step  # type: ignore[arg-type]


def test_an_itl_fetch_first_seen_in_the_last_look_confirms_the_erase():
    bench = Bench()
    original = bench.poll

    def fetched_as_the_wait_ends(probe, timeout, interval=None):
        value = original(probe, timeout, interval)
        bench.tap.itl_fetched_at = datetime.now(timezone.utc) + timedelta(seconds=1)  # the fetch lands now
        return value

    bench.poll = fetched_as_the_wait_ends  # type: ignore[method-assign]
    erased, step = attempt(bench)
    assert erased.proof.confirmed and erased.proof.signal == "ITL fetched after the keys"
    assert step.data["erase_confirmed_by"] == "ITL fetched after the keys"


def test_an_itl_fetch_before_the_last_key_is_not_the_erases():
    """A phone still booting when the keys began fetches its ITL as part of that boot, and the
    keys pressed meanwhile are lost: only a fetch after the last key is the erase's."""
    bench = Bench()
    seen = watch(bench)
    keys_began = seen.last_key
    bench.tap.itl_fetched_at = keys_began
    assert seen.evidence().itl_fetched
    seen.key_sent()  # the script's last key, after the fetch
    assert seen.last_key > keys_began
    assert not seen.evidence().itl_fetched
    bench.tap.itl_fetched_at = datetime.now(timezone.utc) + timedelta(seconds=1)
    assert seen.evidence().itl_fetched


def test_one_dropped_http_request_after_the_keys_is_a_glimpse_not_a_restart():
    bench = Bench()

    def drop_the_third_request(look: int) -> None:
        bench.web.down = look == 3

    bench.before_look = drop_the_third_request
    with pytest.raises(ExpectationNotMet, match="erase not confirmed"):
        attempt(bench)


def test_the_dropped_request_is_recorded_on_the_step_that_was_not_confirmed():
    bench = Bench()
    seen = watch(bench)
    for look in range(1, 8):
        bench.web.down = look == 3
        assert not seen.proof().confirmed
    assert seen.glimpses == {"HTTP gone": 1} and seen.restart == []


def test_a_restart_shows_as_two_independent_signals_in_one_look():
    bench = Bench()
    seen = watch(bench)
    assert not seen.proof().confirmed
    bench.web.down, bench.watts = True, 1.5
    proof = seen.proof()
    assert proof.confirmed
    assert proof.signal == "restart (draw drop 6.3 W -> 1.5 W and HTTP gone)"


def test_a_restart_shows_as_one_signal_sustained_over_several_looks_and_the_minimum_time():
    bench = Bench(script_scale=0.0)  # the minimum time is scaled away: the looks alone decide
    seen = watch(bench)
    bench.web.down = True
    proofs = [seen.proof() for _ in range(SUSTAINED_LOOKS)]
    assert [p.confirmed for p in proofs] == [False] * (SUSTAINED_LOOKS - 1) + [True]
    assert proofs[-1].signal.startswith(f"restart (HTTP gone for {SUSTAINED_LOOKS} looks over ")


def test_one_signal_in_many_quick_looks_is_not_sustained_until_the_minimum_time_passed():
    bench = Bench(script_scale=1.0)  # ten hardware seconds: far longer than these looks take
    seen = watch(bench)
    bench.web.down = True
    assert not any(seen.proof().confirmed for _ in range(3 * SUSTAINED_LOOKS))


def test_a_signal_that_comes_back_starts_its_count_again():
    bench = Bench(script_scale=0.0)
    seen = watch(bench)
    for down in [True] * (SUSTAINED_LOOKS - 1) + [False] + [True] * (SUSTAINED_LOOKS - 1):
        bench.web.down = down
        assert not seen.proof().confirmed
    assert seen.glimpses == {"HTTP gone": 2}


def test_a_restart_by_itself_is_journaled_with_when_it_showed_after_the_keys():
    bench = Bench()

    def restart_at_the_third_look(look: int) -> None:
        if look >= 3:
            bench.web.down, bench.watts = True, 1.5

    bench.before_look = restart_at_the_third_look
    erased, step = attempt(bench)
    assert erased.proof.signal.startswith("restart (")
    assert 0 <= step.data["keys_took_s"] <= step.data["restart_after_s"]


def test_no_restart_journals_no_time():
    bench = Bench()
    bench.tap.itl_fetched_at = datetime.now(timezone.utc) + timedelta(seconds=1)
    _, step = attempt(bench)
    assert "restart_after_s" not in step.data and "keys_took_s" not in step.data
