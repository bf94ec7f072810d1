"""Generation budgets: ``max_new_tokens`` of the watchdog, the gates and eval come from the longest
reference answer of the split being graded, so no reference answer can be cut — checked for every
preset with its real tokenizer on a small generated corpus."""

from __future__ import annotations

import logging

import pytest

pytest.importorskip("trl")

from helix_corpus import generate  # noqa: E402
from helix_train.config import PRESETS, load_preset  # noqa: E402
from helix_train.evaluate import expected_answer, generation_budget  # noqa: E402
from helix_train.modeling import (  # noqa: E402
    CORPUS_BPE,
    load_tokenizer,
    render_prompt,
    tokenizer_texts,
    train_corpus_tokenizer,
)

TRACKS = ("general", "ascii", "runic", "coordinator")


class CharTokenizer:
    """One token per character: answer lengths are easy to reason about."""

    def __call__(self, text, add_special_tokens=False):
        return {"input_ids": list(range(len(text)))}


def _recs(*answers: str) -> list[dict]:
    return [{"completion": [{"role": "assistant", "content": a}]} for a in answers]


@pytest.mark.parametrize("answers,configured,budget,warns", [
    (("ab", "abcde"), None, 5 + 8, False),           # margin: at least 8 tokens …
    (("x" * 100, "y"), None, 100 + 10, False),       # … or 10 %, whichever is more
    (("x" * 101,), None, 101 + 11, False),           # 10 % rounds up
    (("x" * 100,), 100, 100, False),                 # a configured value that covers it is kept
    (("x" * 100,), 400, 400, False),
    (("x" * 100,), 99, 110, True),                   # one below: raised, with a warning
])
def test_budget_rules(answers, configured, budget, warns, caplog):
    with caplog.at_level(logging.WARNING, logger="helix_train.evaluate"):
        assert generation_budget(CharTokenizer(), _recs(*answers), configured, what="x") == budget
    assert bool(caplog.records) == warns
    if warns:
        assert "below the longest reference answer" in caplog.text


@pytest.fixture(scope="module")
def corpus() -> dict[str, dict[str, list[dict]]]:
    """Val and test splits of 120 records per track (every family of the track) and a small train
    split for the corpus tokenizer, seed 0."""
    return {t: generate(t, seed=0, sizes={"train": 40, "val": 40, "test": 80}) for t in TRACKS}


def _run_tokenizer(cfg, corpus):
    """The tokenizer a run of ``cfg`` uses (``corpus-bpe``: trained on the train splits, here a
    small sample of them; the budget must hold for any tokenizer).  Offline,
    a Qwen3 model id (``Qwen/Qwen3-1.7B``) is served by the bundled Qwen3 tokenizer: every Qwen3
    size shares one tokenizer."""
    name = cfg.model.tokenizer
    if name == CORPUS_BPE:
        records = [r for t in TRACKS for r in corpus[t]["train"]]
        return train_corpus_tokenizer(tokenizer_texts(records), cfg.model.bpe_vocab_size)
    try:
        return load_tokenizer(name)
    except OSError:
        if not name.startswith("Qwen/Qwen3"):
            raise
        return load_tokenizer("qwen3-bundled")


def _generated_tokens(tok, record) -> int:
    """Tokens the model must generate for the reference answer, after the rendered prompt."""
    prompt = render_prompt(tok, record["prompt"])
    return (len(tok(prompt + expected_answer(record), add_special_tokens=False)["input_ids"])
            - len(tok(prompt, add_special_tokens=False)["input_ids"]))


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_budget_covers_every_reference_answer(preset, corpus, caplog):
    cfg = load_preset(preset)
    tok = _run_tokenizer(cfg, corpus)
    for track in TRACKS:
        for split, configured in (("val", cfg.watchdog.max_new_tokens),
                                  ("test", cfg.eval.max_new_tokens)):
            records = corpus[track][split]
            with caplog.at_level(logging.WARNING, logger="helix_train.evaluate"):
                caplog.clear()
                budget = generation_budget(tok, records, configured, what=f"{track} {split}")
            need = max(_generated_tokens(tok, r) for r in records)
            assert budget >= need, (preset, track, split, budget, need)
            if configured is not None and configured < need:
                assert "raised" in caplog.text  # a too-small configured value never cuts
