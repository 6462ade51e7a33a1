"""A key press is sent once (issue 29, M9): a board that drops its line after a PRESS may have
pressed the key, so rig reports it naming board and key and never presses it again; a line that
dropped while idle is still reopened before anything is sent."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from rig.drivers.keypad import KeypadError
from rig.drivers.keypad_serial import SerialActuatorKeypad, board_line


class DroppingBoard:
    """A board on 127.0.0.1 speaking the PRESS protocol that hangs up, unanswered, after the
    first PRESS it receives, and answers OK to every PRESS on later connections."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.presses: list[str] = []
        self.url = f"socket://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            with client, client.makefile("rwb", buffering=0) as line:
                for raw in line:
                    self.presses.append(raw.decode().strip())
                    if len(self.presses) == 1:
                        break  # hang up without answering: the key was pressed
                    line.write(b"OK\n")


@pytest.fixture
def dropping() -> Iterator[DroppingBoard]:
    board = DroppingBoard()
    yield board
    board.server.close()
    with board_line(board.url).lock:
        board_line(board.url).close()


def test_a_board_dropping_its_line_after_a_press_fails_the_press_without_pressing_again(dropping):
    pad = SerialActuatorKeypad(dropping.url, target="desk-3", press_ms=10, name="desk-3")
    with pytest.raises(KeypadError) as refused:
        pad.press(["Settings"])
    assert str(refused.value).startswith(f"phone desk-3: actuator board {dropping.url}: the line dropped after PRESS "
                                         "was sent")
    assert str(refused.value).endswith("key Settings not re-sent (it may have been pressed)")
    assert dropping.presses == ["PRESS desk-3 Settings 10"]


def test_after_such_a_drop_the_next_press_goes_out_once_on_a_new_line(dropping):
    pad = SerialActuatorKeypad(dropping.url, target="desk-3", press_ms=10, name="desk-3")
    with pytest.raises(KeypadError):
        pad.press(["Settings"])
    pad.press(["NavBack"])
    assert dropping.presses == ["PRESS desk-3 Settings 10", "PRESS desk-3 NavBack 10"]
