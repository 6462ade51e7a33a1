"""Drivers: one module per piece of hardware or protocol. They know nothing about procedures."""

import logging

# Drivers log what they see for whoever configures logging; unconfigured, they stay quiet.
logging.getLogger(__name__).addHandler(logging.NullHandler())
