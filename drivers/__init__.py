"""Drivers: one module per piece of hardware or protocol. They know nothing about procedures."""
