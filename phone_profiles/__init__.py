"""Phone profiles (data only): one YAML per model family and firmware, read by rig.phone.profiles."""
