"""observe: after power-on, watch the phone fetch its trust list, config and (if needed) load.

The run's TFTP tap sees every transfer; this phone's are the ones from its IP that start after
the erase (a phone restarts by itself after an erase) or, for `rig verify`, after its power-on.
It must fetch its ITL and signed config; once it fetched the `.loads` file, every image it names
(file names and the image pattern from the phone's profile). The step ends when all of those are
fetched and the witnesses say the phone runs the expected load (rig.phone.witness: versionID,
appLoadID, appLoadID among the `.loads` images, CDP `Version :`), or fails at `timeouts.boot`.

The phone's config (as fetched) says where its images come from (rig.phone.firmware_paths): through
the tap, from a peer (Peer Firmware Sharing: images are not required from the tap) or from a
load server (neither the `.loads` file nor the images are); the step's detail names the source.

The `.loads` file is required only while the witnesses do not show the expected load after the
power-on. What the phone ran before the job does not decide it: a phone erased by a run that then
died reboots and may upgrade on its own before the resumed run's tap is there, and a phone that
already runs the expected load fetches no `.loads` (the witnesses that showed it are recorded).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime

from rig.drivers.phone_web import PhoneWebError
from rig.drivers.tftp_tap import TftpTransfer
from rig.record.events import TftpFetch
from rig.phone.firmware_paths import FirmwarePath, firmware_path, image_verdict, tap_sees_images, tap_sees_loads
from rig.record.journal import iso
from rig.procedures.context import PhoneContext
from rig.procedures.erase_watch import utc
from rig.procedures.findings import Baseline, Erased, Observed, Restarted, StepView
from rig.procedures.kept_files import keep_fetched
from rig.procedures.steps import PhoneFailed
from rig.phone.witness import LoadDecision, decide_load
from rig.record.steps import OBSERVE

QUIET_PROBE_S = 2.0
"""Longest gap between probes of the load while the phone fetches nothing."""
AFTER_FETCH_S = 1.0
NO_CTL = "expected: a cluster not in mixed mode serves no CTL (rig does not need it)"
"""How long after a new fetch the load is probed at every poll."""


def images_named(ctx: PhoneContext, loads: bytes) -> list[str]:
    """The image file names a `.loads` file lists (as the phone's profile spells them), each once."""
    names: list[str] = []
    for match in re.finditer(ctx.profile.tftp.image.encode(), loads):
        name = match.group(0).decode("ascii", "replace")
        if name not in names:
            names.append(name)
    return names


def last_content(fetches: list[TftpTransfer], name: str | None) -> bytes | None:
    """What the tap kept of the phone's last good fetch of `name` (None: none, or not kept)."""
    kept = [t.content for t in fetches if t.ok and t.file == name and t.content]
    return kept[-1] if kept else None


def loads_images(ctx: PhoneContext, fetches: list[TftpTransfer]) -> list[str] | None:
    """The images the expected load's `.loads` file names, when the phone fetched it (else None)."""
    expected = ctx.expected_load
    loads = last_content(fetches, ctx.profile.loads_file(expected) if expected else None)
    return images_named(ctx, loads) if loads is not None else None


def firmware_of(ctx: PhoneContext, fetches: list[TftpTransfer]) -> FirmwarePath:
    """Where the phone's config (its last fetched one) sends it for its images."""
    config = last_content(fetches, ctx.profile.config_file(ctx.phone.mac))
    tap = ctx.config.tftp_tap
    taps = [(tap.load_server.listen.host, tap.load_server.listen.port)] if tap and tap.load_server else []
    return firmware_path(config, ctx.profile.firmware_fields, taps)


def loads_needed(ctx: PhoneContext, load: LoadDecision | None) -> bool:
    """The phone must fetch the expected load's `.loads` file: the witnesses' latest decision
    (None: not asked or no answer) does not show it running that load."""
    return bool(ctx.expected_load) and not (load is not None and load.running)


def required_files(ctx: PhoneContext, fetches: list[TftpTransfer], with_loads: bool) -> list[str]:
    """Files the phone must have fetched (ok) so far, given what it fetched already."""
    profile, mac, expected = ctx.profile, ctx.phone.mac, ctx.expected_load
    path = firmware_of(ctx, fetches)
    files = [profile.itl_file(mac), profile.config_file(mac)]
    if expected and with_loads and tap_sees_loads(path):
        files.append(profile.loads_file(expected))
    images = loads_images(ctx, fetches) if tap_sees_images(path) else None
    return files + [n for n in images or [] if n not in files]


def fetched_ok(fetches: list[TftpTransfer]) -> set[str]:
    return {t.file for t in fetches if t.ok}


def fetches_since(ctx: PhoneContext, since: datetime) -> list[TftpTransfer]:
    """The phone's transfers the tap saw start at `since` or later (the tap must be watching it)."""
    assert ctx.tap is not None and ctx.phone.ip is not None
    return [t for t in ctx.tap.transfers(client=str(ctx.phone.ip)) if utc(t.started) >= since]


def collect_fetches(ctx: PhoneContext, since: datetime, known: list[TftpTransfer],
                    expected_miss: Callable[[TftpTransfer], str | None]) -> list[TftpTransfer]:
    """The phone's fetches the tap saw from `since` on that are not in `known`, journaled as `tftp`
    events (a failed one with why it is expected, if it is) and kept in the run directory."""
    seen = set(known)  # with a load server tapped too, two taps' records come in two runs
    new = [t for t in fetches_since(ctx, since) if t not in seen]
    ctx.journal.write_all([TftpFetch(phone=ctx.phone.name, file=t.file, at=iso(utc(t.started)), bytes=t.bytes,
                                     ok=t.ok, error=t.error, expected=expected_miss(t), options=dict(t.options),
                                     resent_after=list(t.resent) or None, sha256=t.sha256,
                                     upstream_sha256=t.upstream_sha256, source=t.source) for t in new])
    keep_fetched(ctx.run_dir, ctx.phone.name, new, ctx.profile.tftp.image)
    return new


class _Watch:
    """This phone's fetches (journaled as `tftp` events as they are seen) and its load."""

    def __init__(self, ctx: PhoneContext, since: datetime, web_access: bool) -> None:
        self.ctx, self.since, self.web_access = ctx, since, web_access
        self.fetches: list[TftpTransfer] = []
        self.load: LoadDecision | None = None
        self.probe = _LoadProbe(quiet=min(QUIET_PROBE_S, ctx.config.timeouts.boot / 20))

    def collect(self) -> None:
        self.fetches += collect_fetches(self.ctx, self.since, self.fetches, self.expected_miss)

    def expected_miss(self, transfer: TftpTransfer) -> str | None:
        """Why this failed fetch is expected, or None. A phone asks for its CTL file before its
        ITL (the profile's `tftp.ctl`, source: Cisco Tech Note 116232), and a cluster has a CTL
        only once the Cisco CTL client created one and set the cluster security mode to mixed
        (source: Cisco Unified CallManager Security Guide, "Configuring the Cisco CTL Client",
        http://www.cisco.com/en/US/docs/voice_ip_comm/cucm/security/4_1_3/secuauth.html). No step
        of rig needs the CTL, so its absence is shown as expected, never as a failure."""
        if transfer.ok or transfer.file != self.ctx.profile.ctl_file(self.ctx.phone.mac):
            return None
        return NO_CTL

    def decide(self) -> LoadDecision | None:
        """The witnesses' decision now; None when no witness answered."""
        ctx = self.ctx
        version_id = app_load_id = cdp_version = lldp_software = None
        web = ctx.web
        if self.web_access and web is not None:
            try:
                info = web.device_info()
                version_id, app_load_id = info.version_id, info.app_load_id
            except PhoneWebError:
                return None
        else:  # web access off: the load the phone announces over CDP, else over LLDP-MED
            neighbour = ctx.cdp_entry()
            cdp_version = neighbour.version if neighbour is not None else None
            lldp = ctx.lldp_entry() if cdp_version is None else None
            lldp_software = lldp.software_revision if lldp is not None else None
            if cdp_version is None and lldp_software is None:
                return None
        return decide_load(ctx.expected_load, version_id=version_id, app_load_id=app_load_id,
                           images=loads_images(ctx, self.fetches), cdp_version=cdp_version,
                           lldp_software=lldp_software, witnesses=ctx.profile.load_witnesses)


def witnessed_load(ctx: PhoneContext, since: datetime, fetches: list[TftpTransfer],
                   web_access: bool) -> LoadDecision | None:
    """The witnesses' decision now, given the phone's `fetches` (not journaled here); None when no
    witness answered. For a step that watches a phone before observe does (rig.procedures.restart_first)."""
    watch = _Watch(ctx, since, web_access)
    watch.fetches = list(fetches)
    return watch.decide()


class _LoadProbe:
    """When to ask the phone its load, given what the tap has seen.

    A phone that fetched its images reboots into the new load and stays silent for a minute or
    so; asking each of 240 phones twice a second meanwhile was most of the controller's CPU.
    A phone is asked right after it fetches something (it is booting: its web server comes up
    next) and otherwise at most every `quiet` seconds.
    """

    def __init__(self, quiet: float) -> None:
        self.quiet = quiet
        self.fetches = -1
        self.last_fetch = self.last_probe = float("-inf")

    def due(self, fetches: int) -> bool:
        now = time.monotonic()
        if fetches != self.fetches:
            self.fetches, self.last_fetch = fetches, now
        if now - self.last_fetch < AFTER_FETCH_S or now - self.last_probe >= self.quiet:
            self.last_probe = now
            return True
        return False


def run(ctx: PhoneContext, view: StepView) -> Observed:
    restarted = view.need(Restarted)
    baseline = view.need(Baseline)
    erased = view.use(Erased)
    boot = ctx.config.timeouts.boot
    since = erased.started_at if erased is not None else restarted.power_on_at
    watch = _Watch(ctx, since, baseline.web_access)
    with ctx.steps.step(OBSERVE) as step:
        deadline = restarted.power_on_at.timestamp() + boot

        def done() -> bool | None:
            if ctx.watching:
                watch.collect()
                # the .loads file is left out here: a phone still on another load fails the
                # witnesses below, one already on the expected load never fetches it
                missing = set(required_files(ctx, watch.fetches, False)) - fetched_ok(watch.fetches)
                if missing or not watch.probe.due(len(watch.fetches)):
                    return None
            watch.load = watch.decide()
            if watch.load is None or (ctx.expected_load and not watch.load.running):
                return None
            return True

        finished = ctx.poll(done, max(0.0, deadline - time.time()))
        fetches = watch.fetches
        step.data.update(
            fetched=[t.file for t in fetches if t.ok],
            failed_transfers=[f"{t.file}: {t.error}" for t in fetches if not t.ok],
            required=required_files(ctx, fetches, loads_needed(ctx, watch.load)) if ctx.watching else [],
            load_after=watch.load.load if watch.load else None,
        )
        path = firmware_of(ctx, fetches)
        loads = ctx.profile.loads_file(ctx.expected_load or "")
        images = image_verdict(path, loads_images(ctx, fetches), fetched_ok(fetches), loads in fetched_ok(fetches))
        if not ctx.watching:
            step.data["note"] = "no TFTP tap (or no phone IP) configured: fetches not observed"
        else:
            step.data.update(images=images.source, images_detail=images.description)
            if finished and watch.load is not None and watch.load.running and tap_sees_loads(path) \
                    and loads not in fetched_ok(fetches):
                step.data["note"] = (f"no {loads} needed: after the power-on "
                                     f"{', '.join(watch.load.agreed)} showed {watch.load.expected}")
        observed = Observed(fetches=tuple(fetches), watched=ctx.watching, load=watch.load,
                            images=images.source if ctx.watching else None)
        if not finished:
            raise PhoneFailed(_why(ctx, watch, boot, restarted.power_on_at), observed)
        assert watch.load is not None
        shown = f"; {images.description}" if ctx.watching else ""
        step.detail = f"fetched {len(fetched_ok(fetches))} files{shown}; {watch.load.describe()}"
        return observed


def _why(ctx: PhoneContext, watch: _Watch, boot: float, power_on_at: datetime) -> str:
    if watch.load is None and not any(utc(t.started) >= power_on_at for t in watch.fetches):
        return f"no TFTP request / no answer within {boot:g}s after power-on"
    required = required_files(ctx, watch.fetches, loads_needed(ctx, watch.load)) if ctx.watching else []
    missing = [f for f in required if f not in fetched_ok(watch.fetches)]
    if missing:
        return f"within {boot:g}s after power-on the phone did not fetch {', '.join(missing)}"
    if watch.load is None:
        return f"fetched its files but no witness (web, CDP) told its load within {boot:g}s after power-on"
    return f"{watch.load.describe()}, expected {ctx.expected_load} ({boot:g}s after power-on)"
