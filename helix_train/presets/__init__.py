"""YAML run presets shipped as package data (see :func:`helix_train.config.load_preset`)."""
