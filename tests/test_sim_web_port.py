"""`simulation.web_port`: by default each simulated phone serves its web pages on a free port of
its own address (benches started at once reuse the same 127.0.1.N addresses); a fixed port the
bench cannot bind on some phone's address is one error naming the knob, the address and why,
before anything is started."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import yaml

from rig.config.simulation import Simulation
from rig.errors import ConfigError
from rig.sim.bench import SimBench, phone_ip
from tests.test_validation_cli import rig_in_process


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port some other server already listens on at the second phone's address."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind((phone_ip(1), 0))
        taken.listen()
        yield taken.getsockname()[1]


def test_benches_running_at_once_each_serve_their_phones_web_pages(tmp_path):
    simulation = Simulation(phones=2, scenarios={}, time_scale=0.004, image_kb=4, risport=False)
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    with SimBench(simulation, "a", tmp_path / "a") as one, SimBench(simulation, "b", tmp_path / "b") as other:
        ports = {(p.ip, p.http_port) for bench in (one, other) for p in bench.lab_config().phones}
    assert len(ports) == 4 and all(port != 80 for _, port in ports)


def test_a_fixed_web_port_taken_on_a_phones_address_is_one_clear_error(tmp_path, taken_port):
    simulation = Simulation(phones=2, scenarios={}, time_scale=0.004, image_kb=4, risport=False, web_port=taken_port)
    with pytest.raises(ConfigError) as refused:
        SimBench(simulation, "taken", tmp_path)
    assert str(refused.value).startswith(f"simulation.web_port: {taken_port}: cannot serve a phone's web pages on "
                                         f"{phone_ip(1)}:{taken_port} (Address already in use)")


def test_rig_sim_refuses_it_in_one_line_exit_2(tmp_path, taken_port, monkeypatch, capsys):
    config = tmp_path / "lab.yaml"
    config.write_text(yaml.safe_dump({"bench": "taken", "simulation": {"phones": 2, "web_port": taken_port}}))
    code, out, err = rig_in_process(["sim", "--config", str(config)], monkeypatch, capsys)
    assert code == 2 and err.count("\n") == 1 and f"simulation.web_port: {taken_port}: cannot serve" in err
