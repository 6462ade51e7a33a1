"""rig: a bench controller for Cisco IP phone labs (first target: the 7942)."""

__version__ = "0.1.0"
