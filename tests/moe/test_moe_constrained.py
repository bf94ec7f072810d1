"""Grammar-constrained decoding: every constrained answer parses, also from untrained models."""

import random

import pytest

import helix_lang
from helix_lang.values import Contract, Handle
from helix_moe.constrained import encode_prompt, generate, llg_tokenizer
from helix_moe.finish import lcb_completion
from helix_moe.grammars import FORMATS, grammar

SAMPLES = [None, True, False, 0, -7, 123456789, 2.5, -1e-3, "hi \"there\"\n", "é",
           b"\x00\xff", Handle("users"), (1, (2, 3), ()), {"k": 1, "C2": None, "": "x"},
           Contract(14, {0: 123, 5: "y"}), Contract(900, {}),
           {"a": Contract(1000, {0: "filter", 1: Handle("h_1"), 2: {"k": (1, 2.5, True)}})}]


def _accepts(tok, fmt, text):
    from llguidance import LLMatcher

    m = LLMatcher(llg_tokenizer(tok, len(tok)), grammar(fmt), log_level=0)
    ids = tok(text, add_special_tokens=False)["input_ids"]
    return m.consume_tokens(ids) and m.is_accepting()


@pytest.mark.parametrize("fmt", FORMATS)
def test_grammar_accepts_canonical_dumps(tiny_engine, fmt):
    tok = tiny_engine.tokenizer
    for v in SAMPLES:
        if fmt == "lcb" and v == "é":
            continue  # the LC-B grammar keeps TEXT to ASCII (documented limitation)
        text = helix_lang.dump(v, fmt) + (" " if fmt == "lcb" else "")
        assert _accepts(tok, fmt, text), (fmt, text)


@pytest.mark.parametrize("fmt", FORMATS)
def test_random_models_always_give_parsing_answers(tiny_engine, fmt):
    """Untrained specialists, sampled at temperature 1: the answer always parses."""
    tok = tiny_engine.tokenizer
    stats = {"fallback": 0, "finished": 0, "backtracks": 0}
    for role in ("ascii", "runic"):
        model = tiny_engine.system.model(role)
        for seed in range(6):
            prompt = encode_prompt(tok, [{"role": "user", "content": f"value {seed}"}])
            g = generate(model, tok, prompt, fmt=fmt, max_new_tokens=32, temperature=1.0,
                         seed=seed)
            helix_lang.parse(g.text, fmt)  # raises if invalid
            assert g.valid and g.constrained
            stats["fallback"] += g.fallback
            stats["finished"] += g.finished
            stats["backtracks"] += g.backtracks
    assert stats["fallback"] == 0, stats  # the minimal-value fallback is a last resort only


def test_free_decoding_is_validated_not_forced(tiny_engine):
    tok = tiny_engine.tokenizer
    prompt = encode_prompt(tok, [{"role": "user", "content": "x"}])
    g = generate(tiny_engine.system.model("ascii"), tok, prompt, fmt="lct", constrain=False,
                 max_new_tokens=16)
    assert not g.constrained and g.valid in (True, False)
    if not g.valid:
        assert g.error.startswith("E_")


def test_lcb_completion_closes_every_prefix():
    rng = random.Random(0)
    for v in SAMPLES:
        if v == "é":
            continue  # the completion fills text with ASCII; the grammar keeps TEXT to ASCII
        data = helix_lang.FORMATS["lcb"].encode(v)
        for _ in range(5):
            cut = rng.randrange(len(data) + 1)
            suffix = lcb_completion(data[:cut])
            assert suffix is not None
            helix_lang.parse((data[:cut].hex(" ") + " " + suffix).strip(), "lcb")
