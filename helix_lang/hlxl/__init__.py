"""HLXL programs and their runic twin HLX: parsing, loading, formatting, types and running."""
