"""`rig init`'s output: a real bench's lab config, commented line by line, from a few answers.

The text is rendered here and validated by rig's own config schema (rig.config.lab.parse_config)
before it is written, so `rig init` never writes a file rig would refuse. The files the config
names (the CallManager certificate, known_hosts) are checked later by `rig config check`: on a new
bench they do not exist yet, and the quickstart says how to get them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields

import yaml

from rig.config.lab import LabConfig, parse_config


@dataclass(frozen=True)
class InitAnswers:
    """What `rig init` asks; each field is also its flag (`switch_host` -> `--switch-host`)."""

    bench: str = "lab"
    switch_host: str = ""
    switch_username: str = "rig"
    switch_password_env: str = "RIG_SWITCH_PASSWORD"
    known_hosts: str = "known_hosts"
    cucm_tftp: str = ""
    expected_load: str = ""
    trust_anchor: str = "certs/callmanager.pem"
    tap_host: str = ""
    tap_port: int = 69
    phone_name: str = "desk-01"
    phone_mac: str = ""
    phone_port: str = ""
    phone_ip: str = ""
    phone_username: str = "rig"
    phone_password_env: str = "RIG_PHONE_PASSWORD"


REQUIRED = ("switch_host", "cucm_tftp", "expected_load", "tap_host", "phone_mac", "phone_port")
"""Answers with no sensible default: asked on a terminal, else a flag is needed."""
QUESTIONS = {
    "bench": "Bench name",
    "switch_host": "PoE switch address (SSH)",
    "switch_username": "Switch username",
    "switch_password_env": "Environment variable holding the switch password",
    "known_hosts": "known_hosts file with the switch's SSH host key (ssh-keyscan)",
    "cucm_tftp": "CUCM TFTP node address",
    "expected_load": "Load every phone must run afterwards (e.g. SCCP42.9-4-2SR3-1S)",
    "trust_anchor": "Where the TFTP node's CallManager certificate (PEM) is saved",
    "tap_host": "This host's address on the bench VLAN (the TFTP tap; DHCP option 150 names it first)",
    "tap_port": "UDP port the tap listens on (69 needs root, CAP_NET_BIND_SERVICE or a redirect)",
    "phone_name": "First phone's name",
    "phone_mac": "First phone's MAC",
    "phone_port": "First phone's switch port (e.g. Gi1/0/5)",
    "phone_ip": "First phone's IP (empty if it gets one by DHCP and you do not know it)",
    "phone_username": "Phone web user for key presses (CUCM application user)",
    "phone_password_env": "Environment variable holding that user's password",
}
assert set(QUESTIONS) == {f.name for f in fields(InitAnswers)}


def _q(value: object) -> str:
    """A YAML scalar that reads back as the same string (JSON strings are YAML)."""
    return json.dumps(value)


def render_config(a: InitAnswers) -> str:
    ip = f"\n    ip: {_q(a.phone_ip)}                       # the phone's address (key presses, status pages)" \
        if a.phone_ip else ""
    return f"""\
# rig lab config written by `rig init`. Check it with `rig config check --config THIS_FILE`,
# then `rig preflight --config THIS_FILE`. Every key: lab_config.example.yaml and docs/configuration.md.
bench: {_q(a.bench)}
switches:
  sw1:
    host: {_q(a.switch_host)}
    username: {_q(a.switch_username)}
    password_env: {_q(a.switch_password_env)}   # export it before running rig; never written anywhere
    known_hosts: {_q(a.known_hosts)}   # ssh-keyscan SWITCH >> this file; an unknown key is refused
cucm:
  tftp: {{host: {_q(a.cucm_tftp)}, port: 69}}
  expected_load: {_q(a.expected_load)}
  # The TFTP node's CallManager certificate: Cisco Unified OS Administration > Security >
  # Certificate Management > CallManager > Download .PEM File. Every fetched ITL is checked with it.
  trust_anchor: {_q(a.trust_anchor)}
tftp_tap:
  # Phones fetch through this host: DHCP option 150 on the bench VLAN lists it first, CUCM second.
  listen: {{host: {_q(a.tap_host)}, port: {a.tap_port}}}
phones:
  - name: {_q(a.phone_name)}
    mac: {_q(a.phone_mac)}
    model: "7942"
    firmware: sccp9
    switch: sw1
    port: {_q(a.phone_port)}                  # rig powers this port only once the switch shows the phone on it{ip}
    keypad:                                  # tried in order: the phone's web keys, then a person
      - {{backend: http_execute, username: {_q(a.phone_username)}, password_env: {_q(a.phone_password_env)}}}
      - {{backend: operator}}
"""


def validated(text: str, source: str) -> LabConfig:
    """The config the text describes, as rig's loader sees it (ConfigError, exit 2, otherwise)."""
    return parse_config(yaml.safe_load(text), source)
