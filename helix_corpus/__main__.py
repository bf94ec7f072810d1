"""``python -m helix_corpus`` runs the ``helix-corpus`` command line."""

from .cli import cli

cli(prog_name="helix-corpus")
