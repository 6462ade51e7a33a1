"""rig.actions.keys: the one keypad fallback policy the CLI and the erase step share."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

import pytest

from rig.drivers.keypad import Keypad, KeypadAuthError, KeypadError
from rig.drivers.keypad_http import HttpKeypad
from rig.actions.keys import EveryBackendRefused, KeypadChain
from rig.procedures.erase import keypad_chain

REFUSED = ("authentication refused (CiscoIPPhoneError 4): either the phone password is wrong, or the phone "
           "still holds a stale ITL/config and so an old authentication URL")


class Board(Keypad):
    """A keypad that presses whatever it is given (a solenoid board)."""

    def __init__(self) -> None:
        self.pressed: list[str] = []

    def press(self, keys: Sequence[str], gap: float = 1.0) -> None:
        self.pressed.extend(keys)


class Refusing(Keypad):
    def __init__(self, error: KeypadError) -> None:
        self.error = error

    def press(self, keys: Sequence[str], gap: float = 1.0) -> None:
        raise self.error


class WebKeypad(HttpKeypad):
    """The web key-press, answering as told, without a network."""

    def __init__(self, init_error: KeypadError | None = None) -> None:
        super().__init__("127.0.0.1", username="u", password="p")
        self.init_error = init_error
        self.sent: list[str] = []

    def press(self, keys: Sequence[str], gap: float = 1.0, *, init: str | None = None) -> None:
        if init is not None:
            if self.init_error is not None:
                raise self.init_error
            self.sent.append(init)
        self.sent.extend(keys)


def test_an_authentication_refusal_moves_to_the_next_backend_with_its_reason():
    board = Board()
    chain = KeypadChain(["http_execute", "serial_actuator"], [Refusing(KeypadAuthError(REFUSED)), board])
    chain.press(["Settings", "KeyPad4"], gap=0)
    assert board.pressed == ["Settings", "KeyPad4"] and chain.backend == "serial_actuator"
    (fallback,) = chain.fallbacks
    assert fallback.backend == "http_execute" and "password is wrong" in fallback.reason
    chain.press(["KeyPad5"], gap=0)  # the refusing backend is not asked again
    assert board.pressed[-1] == "KeyPad5" and len(chain.fallbacks) == 1


def test_any_other_keypad_error_ends_the_press_without_falling_back():
    board = Board()
    chain = KeypadChain(["serial_actuator", "operator"], [Refusing(KeypadError("board unreachable")), board])
    with pytest.raises(KeypadError, match="board unreachable"):
        chain.press(["Settings"], gap=0)
    assert board.pressed == [] and chain.fallbacks == []


def test_every_backend_refusing_names_each_refusal():
    chain = KeypadChain(["http_execute"], [Refusing(KeypadAuthError(REFUSED))])
    with pytest.raises(EveryBackendRefused, match="every keypad backend was refused: http_execute: .*password"):
        chain.press(["Settings"], gap=0)


def test_the_settings_application_is_started_from_its_top_first_where_a_backend_can():
    web, board = WebKeypad(), Board()
    KeypadChain(["http_execute"], [web]).press(["Settings", "KeyPad4"], gap=0, open_app=True)
    KeypadChain(["serial_actuator"], [board]).press(["Settings", "KeyPad4"], gap=0, open_app=True)
    assert web.sent == ["Init:Settings", "Settings", "KeyPad4"]
    assert board.pressed == ["Settings", "KeyPad4"]  # a solenoid has no Init: to send


def test_a_phone_that_does_not_know_the_init_uri_still_gets_its_keys_and_it_is_noted():
    web = WebKeypad(init_error=KeypadError("phone answered Status '6' Data 'URI not found'"))
    chain = KeypadChain(["http_execute"], [web])
    chain.press(["Settings"], gap=0, open_app=True)
    assert web.sent == ["Settings"] and "Init:Settings not executed" in chain.notes[0]


class PhoneWebKeypad(Board):
    """A keypad of no known driver class whose keys go through the phone's web server."""

    through_phone_web = True


def test_erase_leaves_out_a_keypad_that_needs_web_access_when_it_is_off_whatever_its_class():
    web, board = PhoneWebKeypad(), Board()
    phone = SimpleNamespace(name="desk-01", keypad=[SimpleNamespace(backend="custom_web"),
                                                    SimpleNamespace(backend="serial_actuator")])
    ctx = SimpleNamespace(phone=phone, bench=SimpleNamespace(keypads=lambda _: [web, board]))
    script = SimpleNamespace(meta=SimpleNamespace(backends=None), file="erase-itl.keys")
    assert keypad_chain(ctx, script, web_access=True).names == ["custom_web", "serial_actuator"]
    assert keypad_chain(ctx, script, web_access=False).names == ["serial_actuator"]
