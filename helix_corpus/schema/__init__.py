"""The JSON Schema of a corpus record (``record.schema.json``, draft-07) and a validator that
names the offending field.

Every record of a build is checked, so the check is compiled (``fastjsonschema``, about 60 µs a
record); only a record that fails is run through ``jsonschema`` for messages naming each field.

>>> validate_record({"id": "x"})[0]
'record `x`: field `phase` is missing (required)'
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from typing import Any

import fastjsonschema
import jsonschema

__all__ = ["schema", "validate_record", "RecordError"]


class RecordError(ValueError):
    """A record that does not match the schema."""


@functools.cache
def schema() -> dict:
    """The record schema (package data, Draft 2020-12)."""
    text = importlib.resources.files(__name__).joinpath("record.schema.json").read_text("utf-8")
    return json.loads(text)


@functools.cache
def _validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(schema())


@functools.cache
def _fast():
    return fastjsonschema.compile(schema())


def _describe(record: Any, e: jsonschema.ValidationError) -> str:
    rid = record.get("id", "?") if isinstance(record, dict) else "?"
    path = ".".join(str(p) for p in e.absolute_path)
    if e.validator == "required":
        missing = e.message.split("'")[1] if "'" in e.message else e.message
        field = f"{path}.{missing}" if path else missing
        return f"record `{rid}`: field `{field}` is missing (required)"
    if e.validator == "additionalProperties":
        return f"record `{rid}`: {'field `' + path + '`: ' if path else ''}{e.message}"
    hint = f" (expected {e.schema['description']})" if "description" in e.schema else ""
    return f"record `{rid}`: field `{path or '<record>'}`: {e.message}{hint}"


def validate_record(record: Any) -> list[str]:
    """Every schema violation of ``record`` as a message naming the field; empty when valid."""
    try:
        _fast()(record)
        return []
    except fastjsonschema.JsonSchemaException:
        pass
    errors = sorted(_validator().iter_errors(record),
                    key=lambda e: ([str(p) for p in e.absolute_path], e.validator))
    return [_describe(record, e) for e in errors]
