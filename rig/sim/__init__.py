"""The simulated bench: an IOS switch over SSH, booting 7942 phones, a CUCM TFTP server, a key
actuator board and a VISA power meter. Reached only through the endpoints it opens on loopback."""

import logging

# Simulated devices log what they see (a client hanging up, a lost packet) for whoever configures
# logging; without configuration they stay quiet instead of printing to the host's stderr.
logging.getLogger(__name__).addHandler(logging.NullHandler())
