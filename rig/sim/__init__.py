"""The simulated bench: an IOS switch over SSH, booting 7942 phones, a CUCM TFTP server, a key
actuator board and a VISA power meter. Reached only through the endpoints it opens on loopback."""
