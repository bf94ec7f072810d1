"""The format-aligned corpus tokenizer (``model.tokenizer: corpus-bpe``).

A conversion between formats should be copying wherever the formats spell a scalar the same way,
so the tokenizer must cut such a scalar the same way whatever surrounds it: digits and
punctuation are one token each, every glyph is one token, and merges stay inside letter runs.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("tokenizers")

from lang.value_strategies import scalars  # noqa: E402

from helix_lang import FORMATS  # noqa: E402

FORMATS4 = ("hlxl", "hlx", "lct", "lcr")


@pytest.fixture(scope="module")
def tok():
    """Trained on a small real corpus sample of every track (what a run trains it on)."""
    from helix_corpus.build import generate
    from helix_train.modeling import tokenizer_texts, train_corpus_tokenizer

    records = [r for t in ("general", "ascii", "runic", "coordinator")
               for r in generate(t, seed=3, sizes={"train": 120, "val": 5, "test": 5})["train"]]
    return train_corpus_tokenizer(tokenizer_texts(records), 768)


def ids(tok, text: str) -> list[int]:
    return tok(text, add_special_tokens=False)["input_ids"]


def pieces(tok, text: str) -> list[str]:
    return [tok.decode([i]) for i in ids(tok, text)]


def test_every_glyph_is_one_token(tok):
    from helix_train.modeling import runic_glyphs

    glyphs = runic_glyphs()
    assert {"🜊", "🜁", "🜂", "🜃", "🜄", "◇", "◆", "⟁", "⊢", "⚳", "▷"} <= set(glyphs)
    for g in glyphs:
        assert len(ids(tok, g)) == 1, g
        assert tok.decode(ids(tok, g)) == g


def test_digits_and_punctuation_are_single_tokens(tok):
    assert pieces(tok, "{C:14,0=-123.5e+20}") == [
        "{", "C", ":", "1", "4", ",", "0", "=", "-", "1", "2", "3", ".", "5", "e", "+", "2", "0",
        "}"]
    assert pieces(tok, "🜊14🜁0 123🜂") == ["🜊", "1", "4", "🜁", "0", " ", "1", "2", "3", "🜂"]


def test_chat_tokens_are_kept(tok):
    from helix_train.modeling import QWEN3_SPECIAL_TOKENS

    for text, _ in QWEN3_SPECIAL_TOKENS:
        assert len(ids(tok, text)) == 1, text
    assert tok.eos_token == "<|im_end|>" and tok.pad_token == "<|endoftext|>"


#: Containers a scalar is printed in, and whether it is their first or last member.
CONTAINERS = ((lambda s: (s,), "first"), (lambda s: (1, s), "last"), (lambda s: {"k": s}, "last"),
              (lambda s: {"a b": 0, "k": s}, "last"), (lambda s: (s, "x"), "first"))


def _tokens_of(tok, text: str, start: int, end: int) -> list[int]:
    """The ids of the tokens of ``text`` that overlap ``text[start:end]``."""
    enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
    return [i for i, (a, b) in zip(enc["input_ids"], enc["offset_mapping"]) if a < end and b > start]


@settings(max_examples=150, deadline=None)
@given(s=scalars(), fmts=st.sampled_from([(a, b) for a in FORMATS4 for b in FORMATS4 if a < b]))
def test_a_scalar_spelled_alike_tokenizes_alike_in_every_format(tok, s, fmts):
    """Where two formats spell a scalar the same way, the tokens that spell it are the same in
    both, in every container the formats print it in (alone, first, after a member, as a map value,
    before a member)."""
    a, b = fmts
    spelled = FORMATS[a].dump(s)
    if FORMATS[b].dump(s) != spelled:
        return  # spelled differently (a handle, bytes, null, a boolean): nothing to compare
    for wrap, where in CONTAINERS:
        runs = []
        for fmt in (a, b):
            text = FORMATS[fmt].dump(wrap(s))
            i = text.index(spelled) if where == "first" else text.rindex(spelled)
            runs.append(_tokens_of(tok, text, i, i + len(spelled)))
        assert runs[0] == runs[1], (a, b, wrap(s))


def test_any_text_round_trips(tok):
    text = "Convert this LC-T value to HLX:\n{\"ü\":\"Ωmega 😀\",x:#00ff} \u2028 中文"
    assert tok.decode(ids(tok, text)) == text


def test_the_vocabulary_is_too_small_for_bytes_chat_tokens_and_glyphs():
    from helix_train.modeling import train_corpus_tokenizer

    with pytest.raises(ValueError, match="bpe_vocab_size"):
        train_corpus_tokenizer(["abc"], 280)


def test_glyphs_survive_saving_and_skip_special_tokens(tok, tmp_path):
    """Glyphs are plain added tokens: answers decoded with `skip_special_tokens=True` (as the
    watchdog and the gates decode them) keep them, also after a save and reload."""
    from helix_train.modeling import load_tokenizer

    tok.save_pretrained(tmp_path)
    again = load_tokenizer(str(tmp_path))
    text = "🜊14🜁0 ⟁users🜁1 ◇a: ⊤◆🜂 LC-R"
    ids = again(text + "<|im_end|>", add_special_tokens=False)["input_ids"]
    assert again.decode(ids, skip_special_tokens=True) == text
    assert ids == tok(text + "<|im_end|>", add_special_tokens=False)["input_ids"]
