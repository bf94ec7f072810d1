"""The record schema names the bad field; every lint rule fires on its defect."""

from __future__ import annotations

import copy

import pytest

from helix_corpus import lint_records, validate_record
from helix_corpus.schema import schema


@pytest.fixture
def record(runic_corpus):
    return copy.deepcopy(runic_corpus["train"][0])


def test_schema_ships_and_accepts_built_records(runic_corpus):
    assert schema()["title"] == "helix_corpus record"
    for split in runic_corpus.values():
        for r in split:
            assert validate_record(r) == []


@pytest.mark.parametrize("mutate, field", [
    (lambda r: r.pop("task"), "task"),
    (lambda r: r.update(split="dev"), "split"),
    (lambda r: r["meta"].pop("seed"), "meta.seed"),
    (lambda r: r["completion"][0].update(content=""), "completion.0.content"),
    (lambda r: r["grading"].pop("expected"), "grading.expected"),
    (lambda r: r.update(prompt=[{"role": "assistant", "content": "x"}]), "prompt"),
    (lambda r: r.update(phase="one"), "phase"),
])
def test_malformed_record_message_names_the_field(record, mutate, field):
    mutate(record)
    messages = validate_record(record)
    assert messages and any(f"field `{field}`" in m for m in messages), messages


def _rules(records, **kw):
    return {i.rule for i in lint_records(records, **kw)}


def test_clean_corpus_lints_clean(runic_corpus):
    records = [r for s in runic_corpus.values() for r in s]
    assert lint_records(records) == []


def test_lint_rules_fire(record):
    def variant(text=None, answer=None, rid="runic-train-900000"):
        r = copy.deepcopy(record)
        r["id"] = rid
        if text is not None:
            r["prompt"][-1]["content"] = text
        if answer is not None:
            r["completion"][0]["content"] = answer
        return r

    assert "animal-emoji" in _rules([variant(text="convert 🐁 please")], regrade=False)
    assert "glyph" in _rules([variant(text="convert ☃ please")], regrade=False)
    assert "placeholder" in _rules([variant(text="write [1, 2, ...]")], regrade=False)
    assert "placeholder" in _rules([variant(text="write [1, 2, …]")], regrade=False)
    assert "literal-newline" in _rules([variant(text="first line\\nsecond")], regrade=False)
    assert "literal-newline" not in _rules([variant(text='write "a\\nb" in LC-T')],
                                           regrade=False)
    assert "empty" in _rules([variant(text="   ")], regrade=False, schema=False)
    assert "duplicate" in _rules([record, variant()], regrade=False)
    assert "duplicate" in _rules([record, copy.deepcopy(record)], regrade=False)
    assert "conflict" in _rules([record, variant(answer="something else")], regrade=False)
    assert "grade" in _rules([variant(answer=record["completion"][0]["content"] + " oops")])
    assert "schema" in _rules([dict(record, phase=7)])
