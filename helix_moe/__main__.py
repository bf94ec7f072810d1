"""``python -m helix_moe`` runs the ``helix-moe`` command line."""

from .cli import main

main(prog_name="helix-moe")
