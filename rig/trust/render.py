"""How `rig itl show` presents a trust file: a JSON document or a CUCM-like table.

The SHA-1 and MD5 of the whole file are included because they are what a phone's
Settings > Security > Trust List menu and CUCM's `show itl` print, so a tech can match the
file on disk to the one on the phone at a glance.
"""

from __future__ import annotations

import hashlib
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from rig.trust.model import TrustFile, TrustRecord, Verdict


def report(tf: TrustFile, verdict: Verdict) -> dict[str, Any]:
    """The `--json` document (its keys are a public contract: see the rig/trust brief)."""
    return {
        "kind": tf.kind,
        "version": tf.version,
        "filename": tf.filename,
        "timestamp": tf.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ") if tf.timestamp else None,
        "signer": {"name": tf.signer.name, "serial": tf.signer.serial, "ca_name": tf.signer.ca_name},
        "digest": tf.digest,
        "signature": {"valid": verdict.valid if verdict.checked else None, "reason": verdict.reason},
        "sha1": hashlib.sha1(tf.raw).hexdigest(),
        "md5": hashlib.md5(tf.raw).hexdigest(),
        "records": [_record(record) for record in tf.records],
    }


def _record(record: TrustRecord) -> dict[str, Any]:
    return {
        "function": record.function_name,
        "subject": record.subject,
        "issuer": record.issuer,
        "serial": record.serial,
        "dns_name": record.dns_name,
        "ip": record.ip,
        "cert_sha1": record.cert_sha1,
    }


def table(tf: TrustFile, verdict: Verdict) -> Group:
    """Header block, then one row per record."""
    doc = report(tf, verdict)
    header = Table.grid(padding=(0, 2))
    header.add_column(style="bold")
    header.add_column()
    signature = (Text("valid", style="green") if verdict.valid
                 else Text(f"not checked: {verdict.reason}", style="yellow") if not verdict.checked
                 else Text(f"NOT VALID: {verdict.reason}", style="bold red"))
    rows: list[tuple[str, str | Text]] = [
        ("Kind", tf.kind),
        ("Version", tf.version),
        ("File name", tf.filename),
        ("Timestamp", doc["timestamp"] or "-"),
        ("Signer", tf.signer.name),
        ("Signer serial", tf.signer.serial),
        ("CA name", tf.signer.ca_name),
        ("Digest", tf.digest),
        ("Signature", signature),
        ("SHA-1", doc["sha1"]),
        ("MD5", doc["md5"]),
    ]
    if tf.payload is not None:
        rows.append(("Payload", f"{len(tf.payload)} bytes"))
    for name, value in rows:
        header.add_row(name, value)
    if not tf.records:
        return Group(header)
    records = Table()
    for column in ("#", "Function", "Subject", "Issuer", "Serial", "DNS name", "IP", "Cert SHA-1"):
        records.add_column(column, overflow="fold")
    for number, record in enumerate(doc["records"], start=1):
        records.add_row(str(number), *(record[key] or "-" for key in
                                       ("function", "subject", "issuer", "serial", "dns_name", "ip", "cert_sha1")))
    return Group(header, Text(""), Text(f"{len(tf.records)} records", style="bold"), records)
