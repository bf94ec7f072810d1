"""helix_train (see its issue)."""
