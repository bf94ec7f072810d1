"""One module per value format, each with ``parse(text) -> Value`` and ``dump(value) -> str``.

``lcb`` also has ``encode(value) -> bytes`` and ``decode(bytes) -> Value``; its ``parse``/``dump``
work on the hex display form (HLX-SPEC §2.5).
"""
