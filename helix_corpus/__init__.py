"""helix_corpus (see its issue)."""
