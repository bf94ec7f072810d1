"""helix_moe — serve a Helix run as one model: learned routing, specialists, grammar-constrained
answers that always parse, a CLI (``helix-moe``) and an OpenAI-compatible HTTP service.

Heavy imports (torch, transformers, llguidance, fastapi) happen in the submodules.  See
docs/inference.md.
"""
