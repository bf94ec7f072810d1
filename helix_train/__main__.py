"""``python -m helix_train`` runs the ``helix-train`` command line."""

from .cli import main

main(prog_name="helix-train")
