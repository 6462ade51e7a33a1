"""verify: the fetched files are the right ones and the phone is out of its bad state.

Four named checks, each a step with evidence, all run even when one fails (the report shows every
finding); the first failure is the phone's reason:
- verify_itl: the fetched ITL parses and verifies against the cluster's trust anchor;
- verify_config: the fetched SEP<MAC>.cnf.xml.sgn verifies against that ITL;
- verify_load: the phone reports the expected load;
- verify_trust_list: no `Trust List Update Failed` since the erase (or the restart).
"""

from __future__ import annotations

from cryptography import x509

from drivers.macaddr import sep_name
from drivers.phone_web import PhoneWebError
from rig import trust
from rig.procedures.job import PhoneJob
from rig.procedures.steps import PhoneFailed, Step

TRUST_FAILURE = "Trust List Update Failed"


class _CheckFailed(Exception):
    pass


def _content(job: PhoneJob, name: str) -> bytes:
    kept = [t for t in job.fetches if t.ok and t.file == name]
    if not kept:
        raise _CheckFailed(f"{name} was not fetched")
    content = kept[-1].content
    if content is None:
        raise _CheckFailed(f"{name} was fetched but the tap did not keep its content")
    return content


def _anchor(job: PhoneJob) -> x509.Certificate | None:
    cucm = job.config.cucm
    if cucm is None or cucm.trust_anchor is None:
        return None
    try:
        return x509.load_pem_x509_certificate(cucm.trust_anchor.read_bytes())
    except (OSError, ValueError) as error:
        raise _CheckFailed(f"trust anchor {cucm.trust_anchor} unreadable: {error}") from None


def _parse(data: bytes, name: str) -> trust.TrustFile:
    try:
        return trust.parse(data)
    except trust.TrustFileError as error:
        raise _CheckFailed(f"{name} does not parse: {error}") from None


def check_itl(job: PhoneJob, step: Step) -> trust.TrustFile:
    name = f"ITL{sep_name(job.phone.mac)}.tlv"
    itl = _parse(_content(job, name), name)
    anchor = _anchor(job)
    verdict = trust.verify(itl, cert=anchor)
    step.data.update(file=name, signer=itl.signer.name, serial=itl.signer.serial,
                     records=[f"{r.function_name} {r.subject}" for r in itl.records])
    job.itl_signer = itl.signer.name
    against = "the trust anchor" if anchor is not None else "its own SAST record (no trust anchor configured)"
    if not verdict.valid:
        raise _CheckFailed(f"{name} does not verify against {against}: {verdict.reason}")
    step.detail = f"{name} signed by {itl.signer.name}, verifies against {against}"
    return itl


def check_config(job: PhoneJob, step: Step, itl: trust.TrustFile | None) -> None:
    name = f"{sep_name(job.phone.mac)}.cnf.xml.sgn"
    if itl is None:
        raise _CheckFailed(f"{name} not checked: no valid ITL to check it against")
    sgn = _parse(_content(job, name), name)
    verdict = trust.verify(sgn, itl=itl)
    step.data.update(file=name, signer=sgn.signer.name)
    if not verdict.valid:
        raise _CheckFailed(f"{name} does not verify against the fetched ITL: {verdict.reason}")
    step.detail = f"{name} signed by {sgn.signer.name}, a TFTP signer of the ITL"


def check_load(job: PhoneJob, step: Step) -> None:
    expected = job.config.cucm.expected_load if job.config.cucm else None
    step.data.update(load_before=job.load_before, load_after=job.load_after, expected=expected)
    if expected and job.load_after != expected:
        raise _CheckFailed(f"reports load {job.load_after}, expected {expected}")
    step.detail = f"load {job.load_before} -> {job.load_after}"


def check_trust_list(job: PhoneJob, step: Step) -> None:
    if job.console is not None:
        lines = job.console.lines_since(job.console_mark or 0)
        source = "console since the erase"
    elif job.web is not None:
        try:
            lines = job.web.status_messages()
        except PhoneWebError as error:
            raise _CheckFailed(f"status messages unreadable: {error}") from None
        source = "status messages after the restart"
    else:
        step.detail = "unchecked: no console, no HTTP"
        return
    bad = [line for line in lines if TRUST_FAILURE in line]
    step.data.update(source=source, lines_checked=len(lines), failures=bad[:5])
    if bad:
        raise _CheckFailed(f"{TRUST_FAILURE} in the {source}: {bad[0].strip()}")
    step.detail = f"no {TRUST_FAILURE!r} in the {source} ({len(lines)} lines)"


def run(job: PhoneJob) -> None:
    failures: list[str] = []
    itl: trust.TrustFile | None = None

    def checked(name: str, check) -> object:
        with job.steps.step(name) as step:
            try:
                return check(step)
            except _CheckFailed as failure:
                step.fail(str(failure))
                failures.append(str(failure))
                return None

    watching = job.tap is not None and job.phone.ip is not None
    if watching:
        itl = checked("verify_itl", lambda s: check_itl(job, s))  # type: ignore[assignment]
        checked("verify_config", lambda s: check_config(job, s, itl))
    checked("verify_load", lambda s: check_load(job, s))
    checked("verify_trust_list", lambda s: check_trust_list(job, s))
    if failures:
        raise PhoneFailed(failures[0])
