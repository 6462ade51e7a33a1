"""Where a phone's images come from: the config settings the simulated CUCM writes, as rig reads
them back from the fetched (signed) config, and how rig judges the image source from the tap."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rig.config.firmware import Firmware

from rig.config.simulation import Simulation
from rig.phone.firmware_paths import FirmwarePath, firmware_path, image_verdict, tap_sees_images, tap_sees_loads
from rig.phone.profiles import profile_for
from rig.sim.clock import SimClock
from rig.sim.cucm import SimCucm
from rig.sim.device_config import DeviceConfig
from rig.sim.loads import NEW_LOAD, REAL_SIZES, load_file
from rig.sim.load_server import SimLoadServer
from rig.sim.pki import ClusterPki
from tests.sim_helpers import IMAGE_BYTES, mac_of, tftp_get

MAC = mac_of(0)
FIELDS = profile_for("7942", "sccp9").firmware_fields
IMAGES = [image.name for image in load_file(NEW_LOAD, 16).images]


@pytest.fixture(scope="module")
def pki() -> ClusterPki:
    return ClusterPki.generate(key_size=1024)


def test_the_simulated_cucm_writes_peer_sharing_into_the_signed_config_rig_reads(pki: ClusterPki) -> None:
    with SimCucm(SimClock(0.005), pki, [("desk-01", MAC)], image_bytes=IMAGE_BYTES, peer_sharing=True) as cucm:
        signed = tftp_get(cucm.tftp_address, f"SEP{MAC}.cnf.xml.sgn")
        plain = tftp_get(cucm.tftp_address, f"SEP{MAC}.cnf.xml")
    assert b"<peerFirmwareSharing>1</peerFirmwareSharing><loadServer></loadServer></vendorConfig>" in plain
    assert firmware_path(signed, FIELDS) == FirmwarePath(peer_sharing=True)
    assert DeviceConfig.parse(plain, "x").peer_firmware_sharing


def test_a_load_server_is_named_in_the_config_and_serves_the_load_only(pki: ClusterPki) -> None:
    with SimLoadServer(NEW_LOAD, 4096) as server:
        cucm = SimCucm(SimClock(0.005), pki, [("desk-01", MAC)], image_bytes=IMAGE_BYTES)
        cucm.load_server = server.config_value
        with cucm:
            path = firmware_path(tftp_get(cucm.tftp_address, f"SEP{MAC}.cnf.xml.sgn"), FIELDS)
        assert path == FirmwarePath(load_server=server.config_value)
        assert len(tftp_get(server.address, IMAGES[0])) == 4096
        with pytest.raises(Exception, match="not found"):
            tftp_get(server.address, f"SEP{MAC}.cnf.xml")


def test_without_a_config_or_fields_the_images_come_through_the_tap() -> None:
    assert firmware_path(None, FIELDS) == FirmwarePath()
    assert firmware_path(b"<device><vendorConfig><peerFirmwareSharing>1</peerFirmwareSharing>"
                         b"</vendorConfig></device>", None) == FirmwarePath()
    assert firmware_path(b"not xml", FIELDS) == FirmwarePath()


@pytest.mark.parametrize("path, loads, images", [
    (FirmwarePath(), True, True),
    (FirmwarePath(peer_sharing=True), True, False),
    (FirmwarePath(load_server="10.1.1.1"), False, False),
])
def test_what_the_tap_must_see_follows_the_config(path: FirmwarePath, loads: bool, images: bool) -> None:
    assert (tap_sees_loads(path), tap_sees_images(path)) == (loads, images)


def test_images_through_the_tap_are_named_tftp() -> None:
    verdict = image_verdict(FirmwarePath(), IMAGES, set(IMAGES), loads_fetched=True)
    assert (verdict.source, verdict.description) == ("tftp", "images through the tap (5 of 5)")


def test_images_missing_from_the_tap_under_peer_sharing_came_from_a_peer() -> None:
    verdict = image_verdict(FirmwarePath(peer_sharing=True), IMAGES, set(IMAGES[:1]), loads_fetched=True)
    assert verdict.source == "peer"
    assert "4 of 5 not through the tap; 1 through the tap (TFTP fallback)" in verdict.description


def test_a_load_server_behind_rigs_tap_must_show_the_load_and_its_images() -> None:
    path = firmware_path(b"<device><vendorConfig><loadServer>10.0.0.5</loadServer></vendorConfig></device>",
                         FIELDS, taps=[("10.0.0.5", 69)])
    assert path == FirmwarePath(load_server="10.0.0.5", load_server_tapped=True)
    assert tap_sees_loads(path) and tap_sees_images(path)
    verdict = image_verdict(path, IMAGES, set(IMAGES), loads_fetched=True)
    assert (verdict.source, verdict.description) == ("load_server", "images from load server 10.0.0.5 through its tap (5 of 5)")


def test_images_from_a_load_server_are_said_not_observed() -> None:
    verdict = image_verdict(FirmwarePath(load_server="10.1.1.1"), None, set(), loads_fetched=False)
    assert verdict.source == "load_server" and "10.1.1.1: not observed" in verdict.description


def test_a_phone_that_fetched_no_load_needed_no_images() -> None:
    assert image_verdict(FirmwarePath(peer_sharing=True), None, set(), loads_fetched=False).source == "none"


def test_real_image_sizes_are_the_published_ones() -> None:
    load = load_file(NEW_LOAD, "real")
    assert {image.name: image.size for image in load.images} == REAL_SIZES
    assert sum(REAL_SIZES.values()) == 9_567_129


def test_the_simulator_offers_one_firmware_path_at_a_time() -> None:
    with pytest.raises(ValidationError, match="one at a time"):
        Firmware(peer_sharing=True, load_server=True)


def test_image_kb_is_a_positive_number_or_real() -> None:
    assert Simulation(image_kb="real").image_kb == "real"
    for bad in (0, "large"):
        with pytest.raises(ValidationError):
            Simulation(image_kb=bad)
