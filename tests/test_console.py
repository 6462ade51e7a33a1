"""Console capture over pyserial socket:// against a real TCP console server on loopback."""

from __future__ import annotations

import re
import socket
import socketserver
import threading
import time

import pytest

from rig.drivers.console import Console, ConsoleError, ConsoleTimeout
from rig.drivers.console_hub import ConsoleHub
from tests.descriptors import held_past
from tests.waiting import wait_for


class _Reusable(socketserver.ThreadingTCPServer):
    allow_reuse_address = True  # the restart test binds the same port again at once
    daemon_threads = True


class ConsoleServer:
    """A console server port: whatever is `send()`-ed goes to every connected client."""

    def __init__(self, port: int = 0) -> None:
        self.clients: list[socket.socket] = []
        self.connected = threading.Event()
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer.clients.append(self.request)
                outer.connected.set()
                while self.request.recv(1024):
                    pass

        self.server = _Reusable(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def send(self, data: bytes) -> None:
        assert self.connected.wait(5), "console never connected"
        for c in self.clients:
            c.sendall(data)

    def sync(self, console: Console) -> int:
        """Make sure `console` is reading, then return its mark: pyserial discards whatever
        arrives while it opens the port, so a test may only count on lines sent after this."""
        deadline = time.monotonic() + 5
        while "sync" not in console.lines_since(0):
            assert time.monotonic() < deadline, "console never read anything"
            self.send(b"sync\n")
            time.sleep(0.02)
        self.send(b"ready\n")
        console.expect("^ready$", 5, since=0)
        return console.mark()

    def stop(self) -> None:
        self.server.shutdown()
        for c in self.clients:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # the client already hung up
            c.close()
        self.server.server_close()


@pytest.fixture
def server():
    s = ConsoleServer()
    yield s
    s.stop()


@pytest.fixture
def console(server, tmp_path):
    with Console(f"socket://127.0.0.1:{server.port}", name="desk-12", log_path=tmp_path / "desk-12.log") as c:
        yield c


@pytest.fixture
def start(server, console) -> int:
    """The mark after which every line the server sends is certain to be captured."""
    return server.sync(console)


def test_lines_are_split_on_cr_lf_and_crlf_even_across_reads(server, console, start):
    server.send(b"one\r\ntwo\nthree\rfour\r")
    time.sleep(0.05)
    server.send(b"\nfive\n")
    console.expect("five", 2, since=start)
    assert console.lines_since(start) == ["one", "two", "three", "four", "five"]


def test_undecodable_bytes_are_replaced_not_fatal(server, console, start):
    server.send(b"boot \xff\xfe\x80 garbage\nstill alive\n")
    console.expect("still alive", 2, since=start)
    assert console.lines_since(start)[0] == "boot \ufffd\ufffd\ufffd garbage"


def test_log_file_has_one_timestamped_line_per_console_line(server, console, start):
    server.send(b"Trust List Update Failed\n")
    console.expect("Trust List", 2, since=start)
    logged = console.log_path.read_text().splitlines()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z Trust List Update Failed", logged[-1])


def test_expect_from_a_mark_ignores_older_lines(server, console, start):
    server.send(b"TFTP Timeout\n")
    console.expect("TFTP Timeout", 2, since=start)
    mark = console.mark()
    server.send(b"noise\nTFTP Timeout again\n")
    assert console.expect(r"TFTP Timeout(.*)", 2, since=mark).group(1) == " again"
    assert console.lines_since(mark) == ["noise", "TFTP Timeout again"]


def test_expect_waits_for_a_line_that_arrives_later(server, console, start):
    threading.Timer(0.2, server.send, args=(b"Erasing CTL and ITL files\n",)).start()
    assert console.expect("Erasing (CTL)", 3).group(1) == "CTL"


def test_timeout_names_phone_pattern_timeout_and_log(console):
    with pytest.raises(ConsoleTimeout) as caught:
        console.expect("Trust List Updated", 0.2)
    message = str(caught.value)
    assert "desk-12" in message and "'Trust List Updated'" in message and "0.2 s" in message
    assert str(console.log_path) in message


def test_tail_returns_the_last_lines(server, console, start):
    server.send(b"".join(b"line %d\n" % i for i in range(30)))
    console.expect("line 29", 2, since=start)
    assert console.tail(3) == ["line 27", "line 28", "line 29"]


def test_memory_is_bounded_and_marks_stay_absolute(server):
    with Console(f"socket://127.0.0.1:{server.port}", name="desk-1", max_lines=10) as c:
        start = server.sync(c)
        server.send(b"".join(b"l%d\n" % i for i in range(25)))
        c.expect("l24", 2, since=start)
        assert c.mark() == start + 25
        assert c.lines_since(start + 20) == ["l20", "l21", "l22", "l23", "l24"]
        assert c.lines_since(0) == [f"l{i}" for i in range(15, 25)]


def test_console_survives_the_server_restarting_on_the_same_port(server, console, start):
    server.send(b"before\n")
    console.expect("before", 2, since=start)
    port = server.port
    server.stop()
    console.expect(r"\[rig\] console .* lost", 2, since=start)
    restarted = ConsoleServer(port)
    try:
        console.expect(r"\[rig\] console .* reconnected", 5, since=start)
        restarted.send(b"after\n")
        console.expect("after", 2, since=start)
    finally:
        restarted.stop()
    assert "reconnected" in console.log_path.read_text()


def test_unreachable_console_names_phone_and_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConsoleError, match=f"console of desk-3 \\(socket://127.0.0.1:{port}\\): cannot open"):
        Console(f"socket://127.0.0.1:{port}", name="desk-3").open()


def test_a_closed_console_reads_nothing_more_and_never_reports_its_line_lost(server, tmp_path):
    console = Console(f"socket://127.0.0.1:{server.port}", name="desk-12", log_path=tmp_path / "desk-12.log")
    console.open()
    start = server.sync(console)
    console.close()
    server.stop()  # the console server hangs up on a console that is closed already
    time.sleep(0.2)
    assert console.lines_since(start) == []
    assert "lost" not in (tmp_path / "desk-12.log").read_text()


def test_socket_consoles_share_one_reader_thread(server):
    consoles = [Console(f"socket://127.0.0.1:{server.port}", name=f"desk-{n}") for n in range(20)]
    try:
        for c in consoles:
            c.open()
        readers = [t for t in threading.enumerate() if t.name.startswith("console")]
        assert [t.name for t in readers] == ["console-hub"]
        marks = [c.mark() for c in consoles]
        wait_for(lambda: len(server.clients) == len(consoles), 5, "every console connected to the server")
        server.send(b"one\r\ntwo\n")
        for c, mark in zip(consoles, marks):
            c.expect("^two$", 5, since=mark)
            assert c.lines_since(mark)[-2:] == ["one", "two"]
    finally:
        for c in consoles:
            c.close()


def test_a_console_opened_past_descriptor_1024_still_captures(server):
    """pyserial's socket:// port selects on its descriptor, and select() cannot watch one past
    1024: a controller holding many sockets (about 500 phones) could not open more consoles."""
    with held_past(1100), Console(f"socket://127.0.0.1:{server.port}", name="desk-1100") as c:
        server.sync(c)


def test_a_tty_console_is_read_by_a_thread_of_its_own_which_close_ends():
    console = Console("loop://", name="desk-tty")  # pyserial's loopback port stands in for a tty
    console.open()
    try:
        console._port.write(b"boot\r\nready\r\n")
        console.expect("^ready$", 5, since=0)
        assert console.lines_since(0) == ["boot", "ready"]
        reader = console._thread
    finally:
        console.close()
    assert reader is not None and not reader.is_alive()


def test_a_console_whose_handler_fails_stops_alone_the_others_are_still_read():
    hub = ConsoleHub()
    pairs = [socket.socketpair() for _ in range(2)]
    received: list[bytes] = []

    def broken(chunk: bytes) -> None:
        raise ValueError("a bug in one console's handling")

    try:
        hub.add(pairs[0][0], broken, lambda error: None)
        hub.add(pairs[1][0], received.append, lambda error: None)
        pairs[0][1].sendall(b"first\n")
        pairs[1][1].sendall(b"one\n")
        wait_for(lambda: received == [b"one\n"], 5, "the healthy console's first chunk")
        pairs[0][1].sendall(b"again\n")
        pairs[1][1].sendall(b"two\n")
        wait_for(lambda: received == [b"one\n", b"two\n"], 5, "the healthy console's chunk after the failure")
    finally:
        for ours, theirs in pairs:
            hub.remove(ours)
            ours.close()
            theirs.close()
