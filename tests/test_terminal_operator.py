"""The terminal's Operator on a pseudo-terminal: one ask at a time, a stop ends every wait, and
nobody at a terminal is refused (the job's screen itself: tests/test_operator_screen.py)."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator

import pytest

from rig.drivers.operator import Ask, OperatorError, OperatorSkipped, OperatorStopped
from rig.terminal_operator import TerminalOperator, prompt_text
from tests.waiting import wait_for


@pytest.fixture
def tty() -> Iterator[tuple[io.TextIOWrapper, int]]:
    leader, follower = os.openpty()
    with open(follower, "r", closefd=True) as stdin:
        yield stdin, leader
    os.close(leader)


def test_the_prompt_names_the_phone_the_step_the_action_and_the_ways_out():
    assert prompt_text(Ask("desk-03 (SEP001D705F0002)", "press Settings", 2, 9)) == (
        "Phone desk-03 (SEP001D705F0002), step 2 of 9: press Settings "
        "[Enter: done | s Enter: skip this phone | Ctrl-C: stop the run] ")
    assert "step" not in prompt_text(Ask("desk-03", "press Settings"))


def test_enter_confirms_and_s_skips(tty):
    stdin, keyboard = tty
    operator = TerminalOperator(threading.Event(), io.StringIO(), stdin=stdin)
    os.write(keyboard, b"\n")
    operator.ask(Ask("desk-01", "press 4"))
    os.write(keyboard, b"s\n")
    with pytest.raises(OperatorSkipped, match=r"press 5 \(step 1 of 1\)"):
        operator.ask(Ask("desk-01", "press 5"))


def test_asks_wait_their_turn_and_a_stop_ends_every_wait(tty):
    stdin, _ = tty
    stop, out = threading.Event(), io.StringIO()
    operator = TerminalOperator(stop, out, stdin=stdin)
    ended: dict[str, BaseException] = {}

    def ask(phone: str) -> None:
        try:
            operator.ask(Ask(phone, "unplug it now"))
        except BaseException as error:  # noqa: BLE001 - the test looks at what ended it
            ended[phone] = error

    threads = [threading.Thread(target=ask, args=(p,)) for p in ("desk-01", "desk-02")]
    for thread in threads:
        thread.start()
    wait_for(lambda: "Phone desk-0" in out.getvalue(), what="the first prompt")
    assert out.getvalue().count("Phone ") == 1  # the other phone waits for its turn
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    assert {type(e) for e in ended.values()} == {OperatorStopped} and len(ended) == 2


def test_without_a_terminal_or_once_input_closes_nobody_can_answer(tty):
    with pytest.raises(OperatorError, match="stdin is not one"):
        TerminalOperator(threading.Event(), io.StringIO(), stdin=io.StringIO("\n")).ask(Ask("desk-01", "press 4"))
    stdin, keyboard = tty
    os.write(keyboard, b"\x04")  # Ctrl-D at the start of a line: end of input
    with pytest.raises(OperatorError, match="input closed"):
        TerminalOperator(threading.Event(), io.StringIO(), stdin=stdin).ask(Ask("desk-01", "press 4"))
