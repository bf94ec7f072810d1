"""Routing by the trained coordinator: compare the likelihoods of the three route labels.

The coordinator was trained (task ``route``) to answer ``ascii``, ``runic`` or ``coordinator`` to a
routing prompt.  Instead of generating, the router scores each complete label — its tokens and the
closing ``<|im_end|>`` — given the rendered prompt, in one batched forward pass, and normalises the
three sequence log-likelihoods with a softmax.  The winner's probability is the confidence.

Fallback: below ``threshold`` (default 0.5) the router does not trust the coordinator and applies
the format rule of the corpus, as ``helix_corpus.core.route_of``'s format rule: the *target* format
named in the request decides (HLX / LC-R → runic, HLXL / LC-T → ascii); a request that names
no format, or LC-B, stays with the coordinator, which is the generalist.  Knowing no task
family, it cannot apply ``route_of``'s family rules (an explicit route, or the fall-back to a
model trained on the family), so it may differ from ``route_of`` there.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import torch

from .constrained import encode_prompt

__all__ = [
    "DEFAULT_THRESHOLD",
    "ROUTES",
    "Route",
    "detect_format",
    "route",
    "route_messages",
    "rule_route",
    "score_routes",
]

ROUTES = ("ascii", "runic", "coordinator")
DEFAULT_THRESHOLD = 0.5
_ROUTE_PROMPT = ("Route this request to the right Helix model. Answer ascii, runic or "
                 "coordinator.\n\nRequest:\n{request}")
_COORDINATOR_SYSTEM = ("You are the Helix coordinator: you route requests to the ascii or runic "
                       "specialist, answer general HLX questions and encode or decode LC-B. Answer "
                       "with exactly the requested text and nothing else.")


def _corpus_texts() -> tuple[str, str]:
    """The first train paraphrase of the route task and the coordinator's system message, from
    ``helix_corpus`` when installed (the wording the coordinator was trained on)."""
    try:
        from helix_corpus.build import SYSTEM
        from helix_corpus.families.routing import ROUTE_TEMPLATES
    except ImportError:  # pragma: no cover - helix_corpus is part of this repository
        return _ROUTE_PROMPT, _COORDINATOR_SYSTEM
    return ROUTE_TEMPLATES.train[0], SYSTEM["coordinator"]


@dataclass
class Route:
    """A routing decision."""

    role: str
    confidence: float
    probs: dict[str, float]
    by: str                  # "coordinator" | "fallback" | "forced"
    reason: str = ""


def route_messages(request: str, *, system: bool = True) -> list[dict]:
    """The routing prompt for a user request: the coordinator's system message (unless the run
    trained without system messages, ``system=False``) and the route template."""
    template, system_text = _corpus_texts()
    head = [{"role": "system", "content": system_text}] if system else []
    return head + [{"role": "user", "content": template.format(request=request)}]


@torch.inference_mode()
def score_routes(model, tokenizer, messages: list[dict]) -> dict[str, float]:
    """Log-likelihood of each complete route label (label tokens + EOS) after ``messages``."""
    prompt = encode_prompt(tokenizer, messages)
    conts = [tokenizer(label, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
             for label in ROUTES]
    width = len(prompt) + max(map(len, conts))
    pad = tokenizer.pad_token_id
    rows = [prompt + c + [pad] * (width - len(prompt) - len(c)) for c in conts]
    mask = [[1] * (len(prompt) + len(c)) + [0] * (width - len(prompt) - len(c)) for c in conts]
    logits = model(input_ids=torch.tensor(rows), attention_mask=torch.tensor(mask)).logits
    logp = torch.log_softmax(logits.float(), dim=-1)
    out = {}
    for i, (label, c) in enumerate(zip(ROUTES, conts)):
        pos = torch.arange(len(prompt) - 1, len(prompt) - 1 + len(c))
        out[label] = float(logp[i, pos, torch.tensor(c)].sum())
    return out


_FORMAT_WORDS = [("lcb", r"LC-B(?:\s+hex)?"), ("lct", r"LC-T"), ("lcr", r"LC-R"),
                 ("hlxl", r"HLXL"), ("hlx", r"HLX(?!L)|runic\s+HLX")]
_TARGET_RE = re.compile(
    r"\b(?:to|into|in|as)\s+(?:the\s+)?(?:canonical\s+|compact\s+|one-line\s+)?(?:"
    + "|".join(f"(?P<{n}>{p})" for n, p in _FORMAT_WORDS) + r")\b", re.IGNORECASE)
_ANY_RE = re.compile("|".join(f"(?P<{n}>\\b{p}\\b)" for n, p in _FORMAT_WORDS))


def detect_format(request: str) -> str | None:
    """The target value format a request names (``…to LC-T``, ``…in canonical HLXL``), or None.

    Requests that may legitimately be answered with an error code or a word (``error code``,
    ``yes or no``, ``which``) name no target.

    >>> detect_format("I have a value written in LC-T:\\n[1]\\nWhat is it in HLXL?")
    'hlxl'
    >>> detect_format("Convert this LC-B hex value to LC-T:\\n05 0B 06")
    'lct'
    >>> detect_format("Diagnose this broken HLXL: error code and position") is None
    True
    """
    if re.search(r"error code|yes or no|which|what kind|how many|type of", request, re.IGNORECASE):
        return None
    hits = [m for m in _TARGET_RE.finditer(request)]
    if not hits:
        return None
    m = hits[-1]
    return next(n for n, _ in _FORMAT_WORDS if m.group(n))


def rule_route(request: str) -> tuple[str, str]:
    """The fallback: the role that serves the target format the request names."""
    fmt = detect_format(request)
    if fmt is None:
        names = [next(n for n, _ in _FORMAT_WORDS if m.group(n)) for m in _ANY_RE.finditer(request)]
        fmt = names[-1] if names else None
    if fmt in ("hlx", "lcr"):
        return "runic", f"names {fmt}"
    if fmt in ("hlxl", "lct"):
        return "ascii", f"names {fmt}"
    return "coordinator", "names no ASCII or runic format" if fmt is None else f"names {fmt}"


def route(model, tokenizer, request: str, *, threshold: float = DEFAULT_THRESHOLD,
          messages: list[dict] | None = None, system: bool = True) -> Route:
    """Route ``request`` with the coordinator (``messages``: a ready routing prompt, e.g. a test
    record's; ``system``: whether the prompt gets the system message); below ``threshold`` fall
    back to :func:`rule_route`."""
    scores = score_routes(model, tokenizer, messages or route_messages(request, system=system))
    top = max(scores.values())
    z = sum(math.exp(v - top) for v in scores.values())
    probs = {k: math.exp(v - top) / z for k, v in scores.items()}
    best = max(probs, key=probs.get)
    if probs[best] >= threshold:
        return Route(best, probs[best], probs, "coordinator")
    role, why = rule_route(request)
    return Route(role, probs[best], probs, "fallback",
                 f"coordinator confidence {probs[best]:.2f} < {threshold}: the request {why}")
