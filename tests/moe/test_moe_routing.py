"""Likelihood routing by the trained coordinator of the tiny run."""

import math

from helix_moe.routing import ROUTES, detect_format, route, rule_route, score_routes


def test_scores_are_label_likelihoods(tiny_engine):
    model = tiny_engine.system.model("coordinator")
    s = score_routes(model, tiny_engine.tokenizer, [{"role": "user", "content": "hi"}])
    assert set(s) == set(ROUTES)
    assert all(v < 0 and math.isfinite(v) for v in s.values())


def test_routing_accuracy_on_held_out_requests(tiny_engine):
    from tests_moe_helpers import held_out

    model = tiny_engine.system.model("coordinator")
    pairs = held_out()
    hits = sum(route(model, tiny_engine.tokenizer, req).role == want for req, want in pairs)
    assert hits / len(pairs) >= 0.9, hits


def test_threshold_falls_back_to_the_format_rule(tiny_engine):
    model = tiny_engine.system.model("coordinator")
    r = route(model, tiny_engine.tokenizer, "Convert [1] to LC-R.", threshold=1.01)
    assert r.by == "fallback" and r.role == "runic" and "names lcr" in r.reason
    r = route(model, tiny_engine.tokenizer, "Contract 22 is called what?", threshold=1.01)
    assert r.by == "fallback" and r.role == "coordinator"
    assert abs(sum(r.probs.values()) - 1) < 1e-6


def test_rule_route_and_detect_format():
    assert rule_route("Translate the following LC-R into HLX.")[0] == "runic"
    assert rule_route("Rewrite this in canonical HLXL.")[0] == "ascii"
    assert rule_route("Convert this LC-T value to LC-B hex.")[0] == "coordinator"
    assert detect_format("Convert this LC-B hex value to LC-T: 05 0B 06") == "lct"
    assert detect_format("What is it in HLX?") == "hlx"
    assert detect_format("Diagnose this broken HLXL: error code") is None


def test_no_system_message_when_the_run_trained_without_one():
    """A run built with `corpus.system_share: 0` (tiny-cpu) saw no system messages in training,
    so the engine adds none, to the routing prompt or to the answer prompt."""
    from types import SimpleNamespace

    from helix_moe.engine import Engine
    from helix_moe.routing import route_messages

    def engine(corpus):
        run = SimpleNamespace(config={"corpus": corpus})
        return Engine(SimpleNamespace(tokenizer=None, run=run))

    assert engine({"system_share": 0.0}).system_prompts is False
    assert engine({}).system_prompts is True  # the helix_corpus default: 80 % carry one
    assert [m["role"] for m in route_messages("Convert [1] to LC-T.", system=False)] == ["user"]
    assert [m["role"] for m in route_messages("Convert [1] to LC-T.")] == ["system", "user"]
