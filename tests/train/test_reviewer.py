"""The Claude watchdog reviewer against a local fake Messages API, driven through the real SDK.

The fake server (stdlib ``http.server`` on 127.0.0.1, port 0, in a thread) answers
``POST /v1/messages`` like the Messages API: a message with one text block, or an error body.
Nothing here builds a torch model; the watchdog tests feed synthetic metrics to its decision path.
"""

from __future__ import annotations

import doctest
import json
import logging
import math
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("anthropic")

from helix_train import rubric  # noqa: E402
from helix_train.config import WatchdogConfig  # noqa: E402
from helix_train.reviewer import (  # noqa: E402
    ALLOWED_POINTS, CATEGORIES, ClaudeReviewer, ReviewError, build_payload, judge,
)

# --------------------------------------------------------------------------- the fake API

GOOD_A = {"points": {"loss_convergence": 30, "validation_accuracy": 30, "format_correctness": 20,
                     "progress_consistency": 20, "total": 100},
          "recommendation": {"action": "continue", "reason": "smooth loss and high accuracy"}}
GOOD_D = {"points": {"loss_convergence": 30, "validation_accuracy": 10, "format_correctness": 5,
                     "progress_consistency": 20, "total": 65},
          "recommendation": {"action": "intervene", "reason": "accuracy is far below 80 %"}}


class FakeMessagesAPI:
    """What the next ``POST /v1/messages`` answers, and every request it got."""

    def __init__(self):
        self.status = 200
        self.text = json.dumps(GOOD_A)   # the text block of a 200 answer
        self.delay = 0.0                 # simulated latency (seconds)
        self.requests: list[dict] = []
        self.release = threading.Event()  # set at teardown: a delayed answer returns at once
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output clean
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                # the SDK sends the key as `x-api-key` or as `Authorization: Bearer` (2.x)
                sent_key = headers.get("x-api-key") or headers.get(
                    "authorization", "").removeprefix("Bearer ")
                fake.requests.append({"path": self.path, "headers": headers, "key": sent_key,
                                      "json": json.loads(body or b"null")})
                if fake.delay:
                    fake.release.wait(fake.delay)
                if self.path.split("?")[0] != "/v1/messages":
                    status, out = 404, {"type": "error", "error": {"type": "not_found_error",
                                                                   "message": self.path}}
                elif fake.status != 200:
                    # echo the key: the reviewer must scrub it from its fallback reason
                    status, out = fake.status, {"type": "error", "error": {
                        "type": "api_error",
                        "message": f"boom for key {sent_key}"}}
                else:
                    status, out = 200, {
                        "id": "msg_fake01", "type": "message", "role": "assistant",
                        "model": fake.requests[-1]["json"]["model"],
                        "content": [{"type": "text", "text": fake.text}],
                        "stop_reason": "end_turn", "stop_sequence": None,
                        "usage": {"input_tokens": 100, "output_tokens": 50}}
                data = json.dumps(out).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("request-id", "req_fake")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api():
    fake = FakeMessagesAPI()
    yield fake
    fake.close()


@pytest.fixture
def key(monkeypatch) -> str:
    """A fake key in ``$ANTHROPIC_API_KEY`` (and no other Anthropic settings)."""
    value = "sk-ant-api03-FAKE" + secrets.token_hex(16)
    for var in ("ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ANTHROPIC_API_KEY", value)
    return value


def _reviewer(api, timeout: float = 5.0) -> ClaudeReviewer:
    return ClaudeReviewer(base_url=api.url, timeout=timeout)


def _history(acc: float = 0.0, fmt: int = 4) -> list[rubric.CheckpointMetrics]:
    """Rules: loss 30, accuracy 10, format 5, progress 20 = 65 (grade D) for the defaults."""
    return [rubric.CheckpointMetrics(epoch=2, eval_loss=3.0, accuracy=acc, format_errors=fmt,
                                     total=4)]


# --------------------------------------------------------------------------- good answers

def test_llm_mode_claude_decides(api, key):
    api.text = json.dumps(GOOD_A)
    h = _history()
    v = judge(h, "llm", reviewer=_reviewer(api), payload=build_payload(
        h, model_name="m", phase="general", step=8, learning_rate=1e-3,
        log_history=[{"step": 1, "loss": 11.9}, {"step": 8, "loss": 3.1}]))
    assert v.decided_by == "llm" and v.fallback is None
    assert v.points == GOOD_A["points"] and v.grade == "A"  # the rubric's band for 100
    assert v.rules_grade == "D" and v.rules_points["total"] == 65
    assert v.llm["recommendation"]["action"] == "continue"
    # what went over the wire: the real SDK, the env key, the configured model, the metrics
    (req,) = api.requests
    assert req["path"] == "/v1/messages" and req["key"] == key
    assert "anthropic-version" in req["headers"]
    body = req["json"]
    assert body["model"] == "claude-haiku-4-5" and body["max_tokens"] == 1024
    assert "Loss convergence" in body["system"] and "progress_consistency" in body["system"]
    sent = json.loads(body["messages"][0]["content"])
    assert sent["latest"]["accuracy"] == 0.0 and sent["train_loss_history"] == [[1, 11.9], [8, 3.1]]


def test_both_mode_rules_decide_and_disagreements_are_logged(api, key, caplog):
    api.text = json.dumps(GOOD_A)
    with caplog.at_level(logging.WARNING, logger="helix_train.reviewer"):
        v = judge(_history(), "both", reviewer=_reviewer(api), rules_action=lambda g: "intervene")
    assert v.decided_by == "rules" and v.grade == "D" and v.points["total"] == 65
    assert v.llm["grade"] == "A"
    fields = {d["field"]: (d["rules"], d["llm"]) for d in v.disagreements}
    assert fields == {"validation_accuracy": (10, 30), "format_correctness": (5, 20),
                      "total": (65, 100), "grade": ("D", "A"), "action": ("intervene", "continue")}
    assert "disagrees with the rules" in caplog.text and "grade: rules D, llm A" in caplog.text
    assert key not in caplog.text


def test_both_mode_agreement_records_no_disagreement(api, key):
    api.text = "```json\n" + json.dumps(GOOD_D) + "\n```"  # a code fence is tolerated
    v = judge(_history(), "both", reviewer=_reviewer(api), rules_action=lambda g: "intervene")
    assert v.decided_by == "rules" and v.disagreements == [] and v.llm["points"] == GOOD_D["points"]


def test_rules_mode_never_calls_claude(api, key):
    v = judge(_history(), "rules", reviewer=_reviewer(api))
    assert v.decided_by == "rules" and v.llm is None and api.requests == []


# --------------------------------------------------------------------------- fallbacks

@pytest.mark.parametrize("text, reason", [
    ('{"points": {"loss_convergence": 30', "malformed JSON"),
    ("Sure! Here is my review: it looks fine.", "malformed JSON"),
    (json.dumps({"points": {k: v for k, v in GOOD_D["points"].items() if k != "total"},
                 "recommendation": GOOD_D["recommendation"]}), "schema violation at points"),
    (json.dumps({**GOOD_D, "points": {**GOOD_D["points"], "format_correctness": "5"}}),
     "schema violation at points/format_correctness"),
    (json.dumps({**GOOD_D, "recommendation": {"action": "panic", "reason": "x"}}),
     "schema violation at recommendation/action"),
    (json.dumps({**GOOD_D, "extra": 1}), "schema violation"),
    (json.dumps({**GOOD_D, "points": {**GOOD_D["points"], "loss_convergence": 25,
                                      "total": 60}}),
     "out of bounds: loss_convergence = 25 is not one of [0, 10, 20, 30]"),
    (json.dumps({**GOOD_D, "points": {**GOOD_D["points"], "total": 70}}),
     "out of bounds: total 70 is not the sum"),
    (json.dumps({**GOOD_D, "grade": "B"}), "out of bounds: grade B does not match total 65"),
], ids=["truncated", "prose", "missing-total", "string-points", "bad-action", "extra-key",
        "disallowed-value", "wrong-sum", "wrong-grade"])
@pytest.mark.parametrize("mode", ["llm", "both"])
def test_bad_answers_fall_back_to_the_rules(api, key, mode, text, reason):
    api.text = text
    v = judge(_history(acc=1.0, fmt=0), mode, reviewer=_reviewer(api))
    assert v.decided_by == "rules" and v.llm is None
    assert v.points == v.rules_points and v.grade == "A"
    assert v.fallback.startswith(reason) or reason in v.fallback, v.fallback


def test_timeout_falls_back(api, key):
    api.delay = 1.5  # latency inside the fake server; the client gives up after 0.3 s
    t0 = time.monotonic()
    v = judge(_history(), "llm", reviewer=_reviewer(api, timeout=0.3))
    assert time.monotonic() - t0 < 1.4
    assert v.decided_by == "rules" and v.fallback == "timeout: no answer within 0.3 s"


def test_http_500_falls_back_without_leaking_the_key(api, key):
    api.status = 500
    v = judge(_history(), "llm", reviewer=_reviewer(api))
    assert v.decided_by == "rules"
    assert v.fallback.startswith("HTTP 500 from the Messages API: api_error: boom for key")
    assert key not in v.fallback and "[redacted]" in v.fallback
    assert len(api.requests) == 1  # no retries


def test_no_key_falls_back_without_a_request(api, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    v = judge(_history(), "llm", reviewer=_reviewer(api))
    assert v.decided_by == "rules" and v.fallback == "no API key: $ANTHROPIC_API_KEY is not set"
    assert api.requests == []


def test_sdk_auth_type_error_falls_back(api, key, monkeypatch):
    """The SDK raises TypeError when it cannot resolve authentication: handled like any failure."""
    import anthropic

    def create(**kw):
        raise TypeError("Could not resolve authentication method. Expected one of api_key, "
                        "auth_token, or credentials to be set.")

    class NoAuth:
        def __init__(self, **kw):
            self.messages = SimpleNamespace(create=create)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(anthropic, "Anthropic", NoAuth)
    v = judge(_history(), "both", reviewer=_reviewer(api))
    assert v.decided_by == "rules"
    assert v.fallback.startswith("client error (TypeError): Could not resolve authentication")


def test_connection_refused_falls_back(key):
    fake = FakeMessagesAPI()
    url = fake.url
    fake.close()  # nothing listens there any more
    v = judge(_history(), "llm", reviewer=ClaudeReviewer(base_url=url, timeout=1.0))
    assert v.decided_by == "rules" and v.fallback.startswith("connection error")


def test_doctests():
    from helix_train import reviewer

    assert doctest.testmod(reviewer).failed == 0


def test_allowed_points_match_the_rubric():
    """Every value the rubric functions produce is allowed, and the maxima agree."""
    for cat in CATEGORIES:
        assert max(ALLOWED_POINTS[cat]) == rubric.MAX_POINTS[cat]
    seen = {c: set() for c in CATEGORIES}
    seen["validation_accuracy"] = {rubric.accuracy_points(a / 100) for a in range(101)}
    seen["format_correctness"] = {rubric.format_points(r / 100) for r in range(101)}
    series = [[3.0, 2.0, 1.0], [3.0, 2.0, 2.2, 1.0], [3.0, 3.3, 2.9, 3.1, 2.0], [1.0, 2.0],
              [1.0, math.nan]]
    seen["loss_convergence"] = {rubric.loss_points(s) for s in series}
    accs = [[0.5], [0.5, 0.6], [0.5, 0.5], [0.5] * 5, [0.9, 0.5]]
    for a in accs:
        h = [rubric.CheckpointMetrics(epoch=i, eval_loss=1.0, accuracy=x, format_errors=0,
                                      total=10) for i, x in enumerate(a)]
        seen["progress_consistency"].add(rubric.progress_points(h))
    for cat in CATEGORIES:
        assert seen[cat] == set(ALLOWED_POINTS[cat]), cat


def test_reviewer_config_and_repr_hold_no_key(key):
    cfg = WatchdogConfig(mode="llm", llm_base_url="http://127.0.0.1:9", llm_timeout=2.0)
    r = ClaudeReviewer.from_config(cfg)
    assert (r.model, r.base_url, r.timeout, r.max_retries) == ("claude-haiku-4-5",
                                                               "http://127.0.0.1:9", 2.0, 0)
    assert key not in repr(r) and key not in repr(vars(r))
    with pytest.raises(ValueError, match="timeout"):
        ClaudeReviewer(timeout=0)
    with pytest.raises(ValueError, match="unknown watchdog mode"):
        judge(_history(), "claude")
    with pytest.raises(ReviewError, match="no reviewer configured"):
        raise ReviewError(judge(_history(), "llm").fallback)


# --------------------------------------------------------------------------- through the watchdog

def _watchdog(api, mode: str, **kw):
    pytest.importorskip("transformers")
    from helix_train.watchdog import Watchdog

    cfg = WatchdogConfig(mode=mode, llm_base_url=api.url, llm_timeout=1.0, **kw)
    record = {"id": "x", "prompt": [{"role": "user", "content": "q"}], "completion": []}
    return Watchdog(None, [record], cfg, phase="general", model_name="tiny")


def _measured(correct: int, fmt: int, total: int = 4, loss: float = 2.0):
    from helix_train.evaluate import SplitResult

    rows = [{"id": i, "prompt": "q", "expected": "a", "answer": "a" if i < correct else "?",
             "grade": {}} for i in range(total)]
    return loss, SplitResult(rows, correct, fmt, total)


def test_watchdog_llm_mode_records_and_falls_back(tmp_path, api, key, caplog):
    """Two checkpoints through the watchdog: Claude decides the first, the second falls back."""
    wd = _watchdog(api, "llm")
    out = tmp_path / "run"
    caplog.set_level(logging.DEBUG)  # the SDK's and httpx's debug logs included
    # checkpoint 1: the rules would say A (perfect metrics); Claude says D -> the LLM decides.
    api.text = json.dumps(GOOD_D)
    c1 = out / "checkpoint-4"
    c1.mkdir(parents=True)
    r1 = wd.grade_checkpoint(None, epoch=1.0, step=4, lr=1e-3, ckpt=c1,
                             log_history=[{"step": 4, "loss": 2.5}], measured=_measured(4, 0))
    assert r1["grade"] == "D" and r1["points"] == GOOD_D["points"]
    assert r1["action"]["kind"] == "intervene"
    rv = r1["reviewer"]
    assert rv["mode"] == "llm" and rv["decided_by"] == "llm" and rv["rules_grade"] == "A"
    assert rv["llm"]["model"] == "claude-haiku-4-5" and rv["fallback"] is None
    saved = json.loads((c1 / "watchdog.json").read_text())
    assert saved["reviewer"] == rv
    report = (c1 / "checkpoint_report.txt").read_text()
    assert "Scored by:           llm (watchdog.mode llm)" in report
    assert "recommends intervene" in report
    # checkpoint 2: a malformed answer -> the rules decide, the reason is in the record.
    api.text = "{not json"
    c2 = out / "checkpoint-8"
    c2.mkdir()
    r2 = wd.grade_checkpoint(None, epoch=2.0, step=8, lr=5e-4, ckpt=c2,
                             measured=_measured(4, 0, loss=1.5))
    assert r2["reviewer"]["decided_by"] == "rules" and r2["grade"] == "A"
    assert r2["reviewer"]["fallback"].startswith("malformed JSON")
    assert json.loads((c2 / "watchdog.json").read_text())["reviewer"]["fallback"].startswith(
        "malformed JSON")
    assert "LLM fallback:" in (c2 / "checkpoint_report.txt").read_text()
    # checkpoint 3: the server fails with a body that echoes the key.
    api.status = 500
    c3 = out / "checkpoint-12"
    c3.mkdir()
    r3 = wd.grade_checkpoint(None, epoch=3.0, step=12, lr=5e-4, ckpt=c3,
                             measured=_measured(4, 0, loss=1.2))
    assert r3["reviewer"]["fallback"].startswith("HTTP 500")
    assert len((out / "watchdog.jsonl").read_text().splitlines()) == 3
    # the key is nowhere: not in any written file, not in the logs
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) >= 10
    for path in written:
        assert key.encode() not in path.read_bytes(), path
    assert key not in caplog.text
    assert len(api.requests) == 3 and all(r["key"] == key for r in api.requests)


def test_watchdog_both_mode_on_save_applies_the_rules_decision(tmp_path, api, key):
    """The callback path: the rules (D) decide and halve the LR; Claude's A is a disagreement."""
    wd = _watchdog(api, "both")
    wd.measure = lambda model: _measured(0, 4)  # synthetic metrics instead of a model
    api.text = json.dumps(GOOD_A)
    (tmp_path / "checkpoint-4").mkdir()
    args = SimpleNamespace(output_dir=str(tmp_path))
    state = SimpleNamespace(global_step=4, epoch=1.0, is_world_process_zero=True,
                            log_history=[{"step": 4, "loss": 3.0}])
    control = SimpleNamespace(should_training_stop=False)
    optimizer = SimpleNamespace(param_groups=[{"lr": 1e-3}])
    wd.on_save(args, state, control, model=None, optimizer=optimizer, lr_scheduler=None)
    (rec,) = wd.records_out
    assert rec["grade"] == "D" and rec["action"]["kind"] == "intervene"
    assert rec["reviewer"]["decided_by"] == "rules" and rec["reviewer"]["llm"]["grade"] == "A"
    assert {d["field"] for d in rec["reviewer"]["disagreements"]} >= {"grade", "total", "action"}
    assert optimizer.param_groups[0]["lr"] == pytest.approx(5e-4)
    assert not control.should_training_stop and wd.drift_state.interventions == 1
    # the same step again is ignored
    wd.on_save(args, state, control, model=None, optimizer=optimizer, lr_scheduler=None)
    assert len(wd.records_out) == 1 and len(api.requests) == 1
    for path in Path(tmp_path).rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes()


def test_watchdog_rules_mode_record(tmp_path, api, key):
    wd = _watchdog(api, "rules")
    (tmp_path / "checkpoint-2").mkdir()
    rec = wd.grade_checkpoint(None, epoch=1.0, step=2, lr=None, ckpt=tmp_path / "checkpoint-2",
                              measured=_measured(0, 4))
    assert rec["reviewer"]["decided_by"] == "rules" and rec["reviewer"]["llm"] is None
    assert "Scored by" not in (tmp_path / "checkpoint-2" / "checkpoint_report.txt").read_text()
    assert api.requests == [] and wd.reviewer is None
