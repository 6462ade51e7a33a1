"""lab_config.yaml: the bench, validated in full before anything is touched."""
