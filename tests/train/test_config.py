"""Presets, YAML overrides, validation, the curriculum plan, graders and the fixture corpus."""

from __future__ import annotations

import doctest

import pytest

import helix_train.config as config
import helix_train.graders as graders
import helix_train.minicorpus as minicorpus
from helix_train.config import HelixConfig, from_dict, load_config, load_preset, plan
from helix_train.data import SPLITS, TRACKS, load_split


@pytest.mark.parametrize("name", config.PRESETS)
def test_presets_load(name):
    cfg = load_preset(name)
    assert isinstance(cfg, HelixConfig) and cfg.name == name
    assert [s.phase for s in plan(cfg)] == ["general", "specialist", "general", "specialist",
                                           "coordinator"]


def test_helix_preset_defaults():
    cfg = load_preset("helix-5.1b")
    assert cfg.model.base == "Qwen/Qwen3-1.7B"
    assert (cfg.curriculum.general_epochs, cfg.curriculum.specialist_epochs,
            cfg.curriculum.coordinator_epochs, cfg.curriculum.checkpoint_every) == (75, 250, 75, 10)
    assert (cfg.watchdog.max_interventions, cfg.watchdog.max_restarts) == (3, 2)
    names = {s.model for s in plan(cfg)}
    assert names == {"qwen3_1_7b_ascii_specialist", "qwen3_1_7b_runic_specialist",
                     "qwen3_1_7b_coordinator"}


def test_yaml_file_overrides_a_preset(tmp_path):
    f = tmp_path / "run.yaml"
    f.write_text("preset: tiny-cpu\ntraining: {method: lora, learning_rate: 0.01}\n"
                 "curriculum: {models: [coordinator]}\n")
    cfg = load_config(f)
    assert cfg.training.method == "lora" and cfg.training.learning_rate == 0.01
    assert cfg.model.base == "tiny"  # kept from the preset
    assert [s.role for s in plan(cfg)] == ["coordinator"]


@pytest.mark.parametrize("data,match", [
    ({"trainnig": {}}, "unknown key.*`trainnig`"),
    ({"training": {"method": "qlora"}}, "`training.method`.*not one of"),
    ({"watchdog": {"mode": "vibes"}}, "`watchdog.mode`"),
    ({"curriculum": {"models": ["ascii", "kanji"]}}, "`curriculum.models`"),
    ({"model": 3}, "`model.` must be a mapping"),
])
def test_bad_configs_are_rejected(data, match):
    with pytest.raises(ValueError, match=match):
        from_dict(HelixConfig, data)


def test_unknown_preset():
    with pytest.raises(ValueError, match="unknown preset `huge`"):
        load_preset("huge")


@pytest.mark.parametrize("track", TRACKS)
def test_fixture_corpus_is_consistent(corpus_dir, track):
    seen = {}
    for split in SPLITS:
        rows = load_split(corpus_dir, track, split)
        assert rows and all(r["split"] == split and r["track"] == track for r in rows)
        for r in rows:  # every reference answer passes its own grader
            assert graders.grade(r, r["completion"][0]["content"]).correct, r["id"]
            key = r["prompt"][-1]["content"]
            assert seen.setdefault(key, split) == split, f"{key!r} in two splits"


def test_fixture_corpus_is_reproducible(tmp_path, corpus_dir):
    minicorpus.build_corpus(tmp_path, size="fixture")
    for track in TRACKS:
        for split in SPLITS:
            assert (tmp_path / track / f"{split}.jsonl").read_bytes() == (
                corpus_dir / track / f"{split}.jsonl").read_bytes()


GRADE_CASES = [  # (answer_format, expected, answer, correct, parsed)
    ("lct", "{C:14,0=123}", "{C:14, 0=123}", True, True),
    ("lct", "{C:14,0=123}", "{C:14,0=12}", False, True),
    ("lct", "{C:14,0=123}", "{C:14,1=1,0=2}", False, False),
    ("hlxl", "[1, 2]", "[1,2]", True, True),
    ("lcr", "🜃1, 2🜄", "🜃1, 2", False, False),
    (None, "ascii", " ascii\n", True, True),
    (None, "ascii", "runic", False, True),
]


@pytest.mark.parametrize("fmt,expected,answer,correct,parsed", GRADE_CASES)
def test_fixture_records_are_graded_by_the_corpus_graders(fmt, expected, answer, correct, parsed):
    from helix_corpus.core import Grade

    ex = {"completion": [{"role": "assistant", "content": expected}], "meta": {"answer_format": fmt}}
    g = graders.grade(ex, answer)
    assert type(g) is Grade  # one Grade: helix_corpus's
    assert (g.correct, g.parsed) == (correct, parsed)
    assert (g.error is None) == correct
    # the same verdict as the corpus grader of a record carrying that grading
    kind = "exact" if fmt is None else "value"
    same = graders.grade({**ex, "grading": {**graders.grading_of(ex), "kind": kind},
                          "task": "route" if fmt is None else "convert"}, answer)
    assert (same.correct, same.parsed) == (correct, parsed)


@pytest.mark.parametrize("module", [config, graders, minicorpus])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0
