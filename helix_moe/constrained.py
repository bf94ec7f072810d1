"""Token-by-token decoding, free or constrained by an answer grammar (llguidance), then validated.

One loop serves both modes, so the cost of the constraint is measured, not guessed: a forward
pass with the KV cache per token; in constrained mode the llguidance matcher computes the mask of
allowed tokens (``LLMatcher.compute_bitmask``, applied with numpy: no torch kernel to compile).

Guarantee: a constrained answer always parses with ``helix_lang``.  Three layers give it:

1. **Grammar** (:mod:`helix_moe.grammars`): only texts of the format's strict grammar are possible.
2. **Backtracking** for what the grammar cannot say (duplicate map keys, field/key order): the
   finished text is parsed by ``helix_lang``; on an error the decoder rolls the matcher and the
   KV cache back to the token that holds the error position, bans that token there, and decodes
   on (at most ``max_backtracks`` times).
3. **Finishing**: when the token budget runs out, the decoder stops following the model and closes
   the value with the shortest pieces the grammar allows (closing brackets, ``0``, ``:`` …).  If even
   that fails, the answer is the format's minimal value (``null`` …), marked ``fallback=True``.
   Tests count how often layers 2 and 3 are needed.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

import helix_lang
from helix_lang import HLXError
from helix_lang.errors import offset_of

from .finish import lcb_prefix_ok
from .grammars import grammar, normalize_format

__all__ = ["MINIMAL", "Generation", "encode_prompt", "generate", "llg_tokenizer", "validate"]

#: The smallest valid answer of each format (the last-resort fallback).
MINIMAL = {"lct": "NULL", "lcr": "∅", "hlxl": "null", "hlx": "null", "lcb": "00"}
#: Pieces the finisher tries, in order, to close a value quickly.
_FINISH = {
    "lct": ["]", "}", '"', "0", ":", "=", "n", "a", "{", ","],
    "lcr": ["🜄", "◆", "🜂", '"', "0", ":", " ", "n", "a", "◇", ","],
    "hlxl": ["]", "}", '"', "0", ":", "n", "a", "{", ","],
    "hlx": ["]", "}", '"', "0", ":", "n", "a", "{", ","],
    "lcb": ["06 ", "0d ", "08 ", "00 ", "01 ", "02 ", "03 ", "04 ", "05 ", "06 ", "07 ", "0a ",
            "10 ", "20 ", "30 ", "40 ", "61 ", "62 ", "63 "],
}


@dataclass
class Generation:
    """One decoded answer and how it was made."""

    text: str
    tokens: int
    fmt: str | None = None
    constrained: bool = False
    valid: bool | None = None          # parses as ``fmt`` (None when no format)
    error: str | None = None
    backtracks: int = 0
    finished: bool = False             # the finisher closed the value
    fallback: bool = False             # the minimal value was returned
    forward_s: float = 0.0
    mask_s: float = 0.0
    total_s: float = 0.0
    steps: int = 0
    stop: str = "eos"
    extra: dict = field(default_factory=dict)

    @property
    def per_token_ms(self) -> float:
        return 1000 * self.total_s / max(self.steps, 1)


def validate(text: str, fmt: str | None) -> tuple[bool | None, HLXError | None]:
    """Does ``text`` parse as ``fmt`` (``helix_lang.FORMATS``)?  ``(None, None)`` without a format."""
    if fmt is None:
        return None, None
    try:
        helix_lang.FORMATS[fmt].parse(text)
    except HLXError as e:
        return False, e
    return True, None


@functools.lru_cache(maxsize=8)
def _llg_tokenizer(tok_id: int, tok, n_vocab: int):
    import llguidance.hf

    return llguidance.hf.from_tokenizer(tok, n_vocab=n_vocab)


def llg_tokenizer(tok, n_vocab: int):
    """The llguidance tokenizer of ``tok`` (cached per tokenizer object; building one takes ~1 s)."""
    return _llg_tokenizer(id(tok), tok, n_vocab)


@functools.lru_cache(maxsize=64)
def _matcher_template(llt_id: int, llt, fmt: str):
    from llguidance import LLMatcher

    m = LLMatcher(llt, grammar(fmt), log_level=0)
    if m.is_error():  # pragma: no cover - a grammar bug
        raise RuntimeError(f"llguidance rejected the {fmt} grammar: {m.get_error()}")
    return m


def _new_matcher(llt, fmt: str):
    return _matcher_template(id(llt), llt, fmt).deep_copy()


def encode_prompt(tokenizer, messages: list[dict]) -> list[int]:
    """Token ids of the rendered prompt: ``helix_train.modeling.render_prompt`` (Qwen3 template,
    thinking disabled), exactly as in training."""
    from helix_train.modeling import render_prompt

    return tokenizer(render_prompt(tokenizer, messages), add_special_tokens=False)["input_ids"]


def _allowed(matcher, n_vocab: int) -> np.ndarray:
    bits = np.frombuffer(matcher.compute_bitmask(), dtype=np.uint8)
    return np.unpackbits(bits, bitorder="little")[:n_vocab].astype(bool)


class _Stepper:
    """The model with its KV cache over prompt + generated tokens; can step back."""

    def __init__(self, model, prompt_ids: list[int]):
        self.model = model
        self.prompt = list(prompt_ids)
        self.forward_s = 0.0
        self.length = 0
        self.past = None
        self._run(self.prompt)

    def _run(self, ids: list[int]) -> None:
        t = time.perf_counter()
        with torch.inference_mode():
            out = self.model(input_ids=torch.tensor([ids]), cache=self.past, use_cache=True,
                             logits_to_keep=1)
        self.forward_s += time.perf_counter() - t
        self.past = out.past_key_values
        self.length += len(ids)
        self.logits = out.logits[0, -1].float().numpy()

    def push(self, token: int) -> None:
        self._run([token])

    def back_to(self, tokens: list[int]) -> None:
        """Reset to prompt + ``tokens`` (a prefix of what was pushed)."""
        seq = self.prompt + tokens
        self.past.crop(-(self.length - (len(seq) - 1)))
        self.length = len(seq) - 1
        self._run([seq[-1]])


def _pick(logits: np.ndarray, temperature: float, rng: np.random.Generator | None) -> int:
    if temperature <= 0 or rng is None:
        return int(np.argmax(logits))
    z = logits / temperature
    z = z - np.max(z)
    p = np.exp(z)
    p /= p.sum()
    return int(rng.choice(len(p), p=p))


def _error_token(tokenizer, tokens: list[int], text: str, err: HLXError) -> int:
    """Index of the generated token that holds the position of ``err`` in ``text``."""
    if err.offset is not None and err.line is None:
        pos = 3 * err.offset
    elif err.line is not None:
        pos = offset_of(text, err.line, err.column or 1)
    else:
        return len(tokens) - 1
    lead = len(text) - len(text.lstrip())
    pos += lead
    for i in range(len(tokens)):
        if len(tokenizer.decode(tokens[:i + 1], skip_special_tokens=True)) > pos:
            return i
    return len(tokens) - 1


def _in_string(text: str) -> bool:
    inside = escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\" and inside:
            escaped = True
        elif ch == '"':
            inside = not inside
    return inside


def _finish_path(tokenizer, matcher, tokens: list[int], fmt: str,
                 pieces: list[list[int]]) -> list[int] | None:
    """Token ids that close the answer: the exact LC-B completion, else (text formats) a quote
    when inside a string, else the shortest sequence of closing pieces."""
    text = tokenizer.decode(tokens, skip_special_tokens=True)
    if fmt == "lcb":
        from .finish import lcb_completion

        body = text.strip()
        if body and len(body.split()[-1]) == 1:  # half a byte: complete it first
            for digit in "0123456789abcdef":
                ids = tokenizer(digit + " ", add_special_tokens=False)["input_ids"]
                if matcher.validate_tokens(ids) == len(ids) and lcb_prefix_ok(text + digit):
                    return ids
            return None
        try:
            data = bytes.fromhex(body)
        except ValueError:
            data = None
        suffix = None if data is None else lcb_completion(data)
        if suffix is not None:
            lead = " " if text and not text.endswith(" ") else ""
            ids = tokenizer(lead + suffix, add_special_tokens=False)["input_ids"]
            if ids and matcher.validate_tokens(ids) == len(ids):
                return ids
        return None  # the caller steps one piece forward
    elif _in_string(text):
        ids = tokenizer('"', add_special_tokens=False)["input_ids"]
        if matcher.validate_tokens(ids) == len(ids):
            return ids
    return _closing_path(matcher, pieces)


def _closing_path(matcher, pieces: list[list[int]], max_depth: int = 6,
                  max_nodes: int = 3000) -> list[int] | None:
    """The shortest sequence of ``pieces`` (iterative deepening, tried in order) after which the
    grammar accepts; None when there is none within ``max_depth`` pieces."""

    budget = [max_nodes]

    def dfs(depth: int) -> list[int] | None:
        if matcher.is_accepting():
            return []
        if depth == 0 or budget[0] <= 0:
            return None
        budget[0] -= 1
        for ids in pieces:
            if not ids:
                continue
            n = matcher.try_consume_tokens(ids)
            if n != len(ids):
                if n:
                    matcher.rollback(n)
                continue
            rest = dfs(depth - 1)
            matcher.rollback(len(ids))
            if rest is not None:
                return ids + rest
        return None

    for depth in range(max_depth + 1):
        found = dfs(depth)
        if found is not None:
            return found
    return None


def generate(model, tokenizer, prompt_ids: list[int], *, fmt: str | None = None,
             constrain: bool = True, max_new_tokens: int = 64, temperature: float = 0.0,
             seed: int | None = None, max_backtracks: int = 16,
             finish_reserve: int = 16) -> Generation:
    """Decode an answer to ``prompt_ids``; constrained to ``fmt`` when ``constrain`` and ``fmt``."""
    fmt = normalize_format(fmt)
    t0 = time.perf_counter()
    eos = tokenizer.eos_token_id
    rng = np.random.default_rng(seed) if temperature > 0 else None
    step = _Stepper(model, prompt_ids)
    n_vocab = step.logits.shape[0]
    tokens: list[int] = []
    use_grammar = constrain and fmt is not None
    gen = Generation("", 0, fmt, use_grammar)
    if not use_grammar:
        while len(tokens) < max_new_tokens:
            tok = _pick(step.logits, temperature, rng)
            gen.steps += 1
            if tok == eos:
                break
            tokens.append(tok)
            step.push(tok)
        else:
            gen.stop = "length"
        gen.text = tokenizer.decode(tokens, skip_special_tokens=True).strip()
        gen.tokens = len(tokens)
        gen.valid, err = validate(gen.text, fmt)
        gen.error = None if err is None else f"{err.code}: {err.message}"
        gen.forward_s, gen.total_s = step.forward_s, time.perf_counter() - t0
        return gen

    llt = llg_tokenizer(tokenizer, n_vocab)
    matcher = _new_matcher(llt, fmt)
    banned: dict[int, set[int]] = {}
    finish_ids = [tokenizer(p, add_special_tokens=False)["input_ids"] for p in _FINISH[fmt]]
    budget = 4 * max_new_tokens + 64   # hard cap on steps, finishing included
    while True:
        if gen.steps >= budget:
            break
        if matcher.is_stopped() or (len(tokens) >= max_new_tokens - finish_reserve and
                                    matcher.is_accepting()):
            accepted = True
        elif len(tokens) >= max_new_tokens - finish_reserve:
            # finishing: the first closing piece the grammar allows
            gen.finished = True
            accepted = False
            t = time.perf_counter()
            path = _finish_path(tokenizer, matcher, tokens, fmt, finish_ids)
            if path is None:  # no short way out: one piece forward (or the model's choice)
                path = next((ids for ids in finish_ids if ids and
                             matcher.validate_tokens(ids) == len(ids) and
                             (fmt != "lcb" or lcb_prefix_ok(tokenizer.decode(
                                 tokens + ids, skip_special_tokens=True)))), None)
            if path is None:
                mask = _allowed(matcher, n_vocab)
                mask[eos] = False
                logits = step.logits.copy()
                logits[~mask] = -math.inf
                for cand in np.argsort(-logits)[:int(mask.sum())]:
                    if fmt != "lcb" or lcb_prefix_ok(tokenizer.decode(
                            tokens + [int(cand)], skip_special_tokens=True)):
                        path = [int(cand)]
                        break
                if path is None:
                    break
            gen.mask_s += time.perf_counter() - t
            for tok in path:
                matcher.consume_token(tok)
                tokens.append(tok)
                step.push(tok)
            gen.steps += len(path)
            continue
        else:
            gen.steps += 1
            t = time.perf_counter()
            mask = _allowed(matcher, n_vocab)
            for b in banned.get(len(tokens), ()):
                mask[b] = False
            logits = step.logits.copy()
            logits[~mask] = -math.inf
            gen.mask_s += time.perf_counter() - t
            if not mask.any():
                break
            tok = _pick(logits, temperature, rng)
            if fmt == "lcb" and tok != eos:
                # ordering rules of LC-B, checked on the prefix before the token is taken
                while not lcb_prefix_ok(tokenizer.decode(tokens + [tok],
                                                         skip_special_tokens=True)):
                    logits[tok] = -math.inf
                    if not np.isfinite(logits).any():
                        break
                    tok = _pick(logits, temperature, rng)
            accepted = tok == eos
            if not accepted:
                matcher.consume_token(tok)
                tokens.append(tok)
                step.push(tok)
                continue
        # the grammar is satisfied: check what it cannot express
        text = tokenizer.decode(tokens, skip_special_tokens=True)
        ok, err = validate(text.strip(), fmt)
        if ok:
            gen.text, gen.valid = text.strip(), True
            break
        if gen.backtracks >= max_backtracks:
            break
        gen.backtracks += 1
        j = _error_token(tokenizer, tokens, text, err)
        matcher.rollback(len(tokens) - j)
        banned.setdefault(j, set()).add(tokens[j])
        for k in [k for k in banned if k > j]:
            del banned[k]
        tokens = tokens[:j]
        step.back_to(tokens)
    if not gen.valid:
        text = tokenizer.decode(tokens, skip_special_tokens=True).strip()
        ok, err = validate(text, fmt)
        if ok:
            gen.text, gen.valid = text, True
        else:
            gen.extra["rejected"] = text
            gen.extra["reason"] = None if err is None else f"{err.code}: {err.message}"
            gen.text, gen.valid, gen.fallback = MINIMAL[fmt], True, True
    gen.stop = "fallback" if gen.fallback else ("finished" if gen.finished else "eos")
    gen.tokens = len(tokens)
    gen.forward_s, gen.total_s = step.forward_s, time.perf_counter() - t0
    return gen
