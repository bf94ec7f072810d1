"""``python -m helix_lang`` runs the ``helix-lang`` command line."""

from .cli import main

main(prog_name="helix-lang")
