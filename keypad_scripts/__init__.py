"""Keypad scripts shipped with rig: `<model>-<firmware>-<procedure>.yaml`, read by rig.phone.keyscript."""
