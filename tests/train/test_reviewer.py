"""The two Claude agents of the watchdog (grader and auditor) against a local fake Messages API,
driven through the real SDK.

The fake server (stdlib ``http.server`` on 127.0.0.1, port 0, in a thread) answers
``POST /v1/messages`` like the Messages API: for a request that offers a tool, a message with one
``tool_use`` block of that tool (its input is what the test set for the tool), or a text block, or
an error body.  Nothing here builds a torch model; the watchdog tests feed synthetic metrics to its
decision path.
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
    ALLOWED_POINTS, AUDIT_SCHEMA, AUDIT_TOOL, CATEGORIES, GRADE_SCHEMA, GRADE_TOOL, ClaudeReviewer,
    ReviewError, build_payload, judge,
)

# --------------------------------------------------------------------------- the fake API

GOOD_A = {"points": {"loss_convergence": 30, "validation_accuracy": 30, "format_correctness": 20,
                     "progress_consistency": 20, "total": 100},
          "recommendation": {"action": "continue", "reason": "smooth loss and high accuracy"},
          "rationale": "Training loss falls smoothly; every validation answer is right."}
GOOD_D = {"points": {"loss_convergence": 30, "validation_accuracy": 10, "format_correctness": 5,
                     "progress_consistency": 20, "total": 65},
          "recommendation": {"action": "intervene", "reason": "accuracy is far below 80 %"},
          "rationale": "Accuracy 0 % and every sampled answer fails to parse: the model has not "
                       "learnt the format yet."}


def agree(grade: dict) -> dict:
    """The auditor's answer agreeing with ``grade``."""
    return {"agrees": True, "points": dict(grade["points"]),
            "rationale": "Checked every category against the numbers: the score holds."}


def disagree(points: dict) -> dict:
    return {"agrees": False, "points": dict(points), "issues": ["format points too high"],
            "rationale": "Most sampled answers do not parse, so format correctness is 5."}


class FakeMessagesAPI:
    """What the next ``POST /v1/messages`` answers per tool, and every request it got."""

    def __init__(self):
        self.status: int | dict = 200    # HTTP status, or {tool name: status}
        self.inputs = {GRADE_TOOL: GOOD_A, AUDIT_TOOL: agree(GOOD_A)}  # tool_use input per tool
        self.text: dict = {}             # tool name → answer with this text block instead
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
                request = json.loads(body or b"null")
                fake.requests.append({"path": self.path, "headers": headers, "key": sent_key,
                                      "json": request})
                tool = ((request or {}).get("tools") or [{}])[0].get("name")
                status = fake.status.get(tool, 200) if isinstance(fake.status, dict) \
                    else fake.status
                if fake.delay:
                    fake.release.wait(fake.delay)
                if self.path.split("?")[0] != "/v1/messages":
                    status, out = 404, {"type": "error", "error": {"type": "not_found_error",
                                                                   "message": self.path}}
                elif status != 200:
                    # echo the key: the reviewer must scrub it from its fallback reason
                    out = {"type": "error", "error": {"type": "api_error",
                                                      "message": f"boom for key {sent_key}"}}
                else:
                    if tool in fake.text:
                        content = [{"type": "text", "text": fake.text[tool]}]
                    else:
                        content = [{"type": "text", "text": "Here is my score."},
                                   {"type": "tool_use", "id": "toolu_fake01", "name": tool,
                                    "input": fake.inputs[tool]}]
                    out = {"id": "msg_fake01", "type": "message", "role": "assistant",
                           "model": request["model"], "content": content,
                           "stop_reason": "end_turn" if tool in fake.text else "tool_use",
                           "stop_sequence": None,
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

    def answer(self, grade: dict, audit: dict | None = None) -> None:
        """The grader answers ``grade``; the auditor ``audit`` (default: agrees with it)."""
        self.inputs = {GRADE_TOOL: grade, AUDIT_TOOL: audit if audit is not None else agree(grade)}

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
                                     total=4, train_loss=3.2)]


ROWS = [{"id": i, "task": t, "prompt": f"question {i}", "expected": "{C:14,0=1}", "answer": a,
         "grade": {"correct": False, "parsed": p, "error": e}}
        for i, (t, a, p, e) in enumerate([("lct_mastery", "{C:14,0=", False, "E_LC_PARSE: eof"),
                                          ("lct_mastery", "{C:14,0=2}", True, "value differs"),
                                          ("hlxl_ls", "x" * 1000, False, "E_PARSE: junk")])]


# --------------------------------------------------------------------------- good answers

def test_llm_mode_grader_decides_when_the_auditor_agrees(api, key):
    api.answer(GOOD_A)
    h = _history()
    v = judge(h, "llm", reviewer=_reviewer(api), payload=build_payload(
        h, model_name="m", phase="general", step=8, learning_rate=1e-3,
        log_history=[{"step": 1, "loss": 11.9}, {"step": 8, "loss": 3.1}], rows=ROWS, sample=2))
    assert v.decided_by == "llm" and v.fallback is None
    assert v.points == GOOD_A["points"] and v.grade == "A"  # the rubric's band for 100
    assert v.rules_grade == "D" and v.rules_points["total"] == 65
    assert v.llm["recommendation"]["action"] == "continue"
    assert v.llm["rationale"] == GOOD_A["rationale"] and v.audit["agrees"] is True
    # what went over the wire: two requests (grader, then auditor) through the real SDK, the env
    # key, the configured model, each forcing its tool whose input schema is the answer's schema
    grader, auditor = api.requests
    for req, tool, schema in ((grader, GRADE_TOOL, GRADE_SCHEMA), (auditor, AUDIT_TOOL,
                                                                  AUDIT_SCHEMA)):
        assert req["path"] == "/v1/messages" and req["key"] == key
        assert "anthropic-version" in req["headers"]
        body = req["json"]
        assert body["model"] == "claude-haiku-4-5" and body["max_tokens"] == 1024
        assert body["tools"] == [{"name": tool, "input_schema": schema,
                                  "description": body["tools"][0]["description"]}]
        assert body["tool_choice"] == {"type": "tool", "name": tool}
        assert "Loss convergence" in body["system"] and "progress_consistency" in body["system"]
    assert "GRADER" in grader["json"]["system"] and "AUDITOR" in auditor["json"]["system"]
    sent = json.loads(grader["json"]["messages"][0]["content"])
    assert sent["latest"]["accuracy"] == 0.0 and sent["train_loss_history"] == [[1, 11.9], [8, 3.1]]
    assert sent["latest"]["train_loss"] == 3.2
    # the evidence: wrong answers with the parser's verdict, one per family first, cut to length
    assert [(w["task"], w["parsed"], w["error"]) for w in sent["wrong_answers"]] == [
        ("lct_mastery", False, "E_LC_PARSE: eof"), ("hlxl_ls", False, "E_PARSE: junk")]
    assert len(sent["wrong_answers"][1]["answer"]) <= 401
    audited = json.loads(auditor["json"]["messages"][0]["content"])
    assert audited["grader"]["points"] == GOOD_A["points"]
    assert audited["wrong_answers"] == sent["wrong_answers"]  # the same evidence


def test_llm_mode_rules_decide_when_the_auditor_disagrees(api, key, caplog):
    fixed = {**GOOD_A["points"], "format_correctness": 5, "total": 85}
    api.answer(GOOD_A, disagree(fixed))
    with caplog.at_level(logging.WARNING, logger="helix_train.reviewer"):
        v = judge(_history(), "llm", reviewer=_reviewer(api))
    assert v.decided_by == "rules" and v.grade == "D" and v.points["total"] == 65
    assert v.llm["grade"] == "A" and v.audit["agrees"] is False and v.audit["grade"] == "B"
    assert v.fallback.startswith("the auditor disagrees with the grader (format_correctness "
                                 "20→5; total 100→85)")
    assert "format correctness is 5" in v.fallback and "the rules decide" in caplog.text


def test_llm_mode_agrees_flag_with_other_points_is_a_disagreement(api, key):
    api.answer(GOOD_A, {**agree(GOOD_D)})  # "agrees" but with other points: not an agreement
    v = judge(_history(), "llm", reviewer=_reviewer(api))
    assert v.decided_by == "rules" and "the auditor disagrees" in v.fallback


def test_llm_mode_a_failing_auditor_leaves_the_decision_to_the_rules(api, key):
    api.answer(GOOD_A)
    api.status = {AUDIT_TOOL: 500}
    v = judge(_history(), "llm", reviewer=_reviewer(api))
    assert v.decided_by == "rules" and v.llm["grade"] == "A" and v.audit is None
    assert v.fallback.startswith("auditor: HTTP 500 from the Messages API") and key not in v.fallback


def test_both_mode_rules_decide_and_disagreements_are_logged(api, key, caplog):
    api.answer(GOOD_A)
    with caplog.at_level(logging.WARNING, logger="helix_train.reviewer"):
        v = judge(_history(), "both", reviewer=_reviewer(api), rules_action=lambda g: "intervene")
    assert v.decided_by == "rules" and v.grade == "D" and v.points["total"] == 65
    assert v.llm["grade"] == "A" and v.audit["agrees"] is True
    fields = {d["field"]: (d["rules"], d["llm"]) for d in v.disagreements}
    assert fields == {"validation_accuracy": (10, 30), "format_correctness": (5, 20),
                      "total": (65, 100), "grade": ("D", "A"), "action": ("intervene", "continue")}
    assert "disagrees with the rules" in caplog.text and "grade: rules D, llm A" in caplog.text
    assert key not in caplog.text


def test_both_mode_agreement_records_no_disagreement(api, key):
    api.answer(GOOD_D)
    v = judge(_history(), "both", reviewer=_reviewer(api), rules_action=lambda g: "intervene")
    assert v.decided_by == "rules" and v.disagreements == [] and v.llm["points"] == GOOD_D["points"]


def test_rules_mode_never_calls_claude(api, key):
    v = judge(_history(), "rules", reviewer=_reviewer(api))
    assert v.decided_by == "rules" and v.llm is None and api.requests == []


# --------------------------------------------------------------------------- fallbacks

BAD_GRADES = [
    ({"points": {k: v for k, v in GOOD_D["points"].items() if k != "total"},
      "recommendation": GOOD_D["recommendation"], "rationale": "r"}, "schema violation at points"),
    ({**GOOD_D, "points": {**GOOD_D["points"], "format_correctness": "5"}},
     "schema violation at points/format_correctness"),
    ({**GOOD_D, "recommendation": {"action": "panic", "reason": "x"}},
     "schema violation at recommendation/action"),
    ({**GOOD_D, "extra": 1}, "schema violation"),
    ({k: v for k, v in GOOD_D.items() if k != "rationale"}, "schema violation at (root)"),
    ({**GOOD_D, "points": {**GOOD_D["points"], "loss_convergence": 25, "total": 60}},
     "schema violation at points/loss_convergence: 25 is not one of [0, 10, 20, 30]"),
    ({**GOOD_D, "points": {**GOOD_D["points"], "total": 70}},
     "out of bounds: total 70 is not the sum"),
    ({**GOOD_D, "grade": "B"}, "out of bounds: grade B does not match total 65"),
]


@pytest.mark.parametrize("answer, reason", BAD_GRADES,
                         ids=["missing-total", "string-points", "bad-action", "extra-key",
                              "no-rationale", "disallowed-value", "wrong-sum", "wrong-grade"])
@pytest.mark.parametrize("mode", ["llm", "both"])
def test_bad_grades_fall_back_to_the_rules(api, key, mode, answer, reason):
    api.answer(answer, agree(GOOD_D))
    v = judge(_history(acc=1.0, fmt=0), mode, reviewer=_reviewer(api))
    assert v.decided_by == "rules" and v.llm is None
    assert v.points == v.rules_points and v.grade == "A"
    assert v.fallback.startswith(reason) or reason in v.fallback, v.fallback
    assert len(api.requests) == 1  # no audit of an invalid grade


def test_a_bad_audit_is_an_auditor_failure(api, key):
    api.answer(GOOD_A, {"agrees": "yes", "points": GOOD_A["points"], "rationale": "ok"})
    v = judge(_history(), "llm", reviewer=_reviewer(api))
    assert v.decided_by == "rules" and v.fallback.startswith("auditor: schema violation at agrees")


def test_text_instead_of_the_tool_falls_back(api, key):
    api.text = {GRADE_TOOL: json.dumps(GOOD_A)}  # JSON, but as text rather than a tool call
    v = judge(_history(), "llm", reviewer=_reviewer(api))
    assert v.decided_by == "rules"
    assert v.fallback == ("bad answer: no `submit_grade` tool_use block in the response "
                          "(stop_reason end_turn)")


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
    accs = [[0.5], [0.5, 0.6], [0.5, 0.5], [0.5] * 5, [0.9, 0.2]]
    for a in accs:
        h = [rubric.CheckpointMetrics(epoch=i, eval_loss=1.0, accuracy=x, format_errors=0,
                                      total=100) for i, x in enumerate(a)]
        seen["progress_consistency"].add(rubric.progress_points(h))
    for cat in CATEGORIES:
        assert seen[cat] == set(ALLOWED_POINTS[cat]), cat


def test_reviewer_config_and_repr_hold_no_key(key):
    cfg = WatchdogConfig(mode="llm", llm_base_url="http://127.0.0.1:9", llm_timeout=2.0)
    r = ClaudeReviewer.from_config(cfg)
    assert (r.model, r.base_url, r.timeout, r.max_retries) == ("claude-haiku-4-5",
                                                               "http://127.0.0.1:9", 2.0, 0)
    assert key not in repr(r) and key not in repr(vars(r))
    assert r.auditor.model == "claude-haiku-4-5"
    two = ClaudeReviewer.from_config(WatchdogConfig(mode="llm", llm_auditor_model="claude-x"))
    assert (two.grader.model, two.auditor.model) == ("claude-haiku-4-5", "claude-x")
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
    records = [{"id": f"x{i}", "task": "t", "prompt": [{"role": "user", "content": "q"}],
                "completion": [{"role": "assistant", "content": "a"}]} for i in range(4)]
    def chars(text, add_special_tokens=False):  # a stand-in tokenizer: one token per character
        return {"input_ids": list(text)}

    return Watchdog(chars, records, cfg, phase="general", model_name="tiny")


def _measured(correct: int, fmt: int, total: int = 4, loss: float = 2.0):
    from helix_train.evaluate import SplitResult

    rows = [{"id": i, "task": "t", "template": None, "prompt": "q", "expected": "a",
             "answer": "a" if i < correct else "?",
             "grade": {"correct": i < correct, "parsed": i < total - fmt,
                       "error": None if i < correct else "wrong"}} for i in range(total)]
    return loss, SplitResult(rows, correct, fmt, total)


def test_watchdog_llm_mode_records_and_falls_back(tmp_path, api, key, caplog):
    """Three checkpoints through the watchdog: the agents decide the first, the second and the
    third fall back; the grader's and the auditor's rationale are in the CHECKPOINT REPORT."""
    wd = _watchdog(api, "llm")
    out = tmp_path / "run"
    caplog.set_level(logging.DEBUG)  # the SDK's and httpx's debug logs included
    # checkpoint 1: the rules would say A (perfect metrics); the agents agree on D -> they decide
    # the grade, and the rules the action: D intervenes (an F could not restart: no failure).
    api.answer(GOOD_D)
    c1 = out / "checkpoint-4"
    c1.mkdir(parents=True)
    r1 = wd.grade_checkpoint(None, epoch=1.0, step=4, lr=1e-3, ckpt=c1,
                             log_history=[{"step": 4, "loss": 2.5}], measured=_measured(4, 0))
    assert r1["grade"] == "D" and r1["points"] == GOOD_D["points"]
    assert r1["action"]["kind"] == "intervene" and r1["train_loss"] == 2.5
    rv = r1["reviewer"]
    assert rv["mode"] == "llm" and rv["decided_by"] == "llm" and rv["rules_grade"] == "A"
    assert rv["llm"]["model"] == "claude-haiku-4-5" and rv["fallback"] is None
    assert rv["audit"]["agrees"] and rv["audit"]["model"] == "claude-haiku-4-5"
    saved = json.loads((c1 / "watchdog.json").read_text())
    assert saved["reviewer"] == rv
    report = (c1 / "checkpoint_report.txt").read_text()
    assert "Scored by:           llm (watchdog.mode llm)" in report
    assert "recommends intervene" in report
    assert f"Grader rationale:    {GOOD_D['rationale']}" in report
    assert "Auditor (claude-haiku-4-5): agrees, 65/100 grade D" in report
    assert "Auditor rationale:   Checked every category" in report
    # checkpoint 2: an invalid grade -> the rules decide, the reason is in the record.
    api.answer({**GOOD_D, "points": {**GOOD_D["points"], "total": 70}})
    c2 = out / "checkpoint-8"
    c2.mkdir()
    r2 = wd.grade_checkpoint(None, epoch=2.0, step=8, lr=5e-4, ckpt=c2,
                             measured=_measured(4, 0, loss=1.5))
    assert r2["reviewer"]["decided_by"] == "rules" and r2["grade"] == "A"
    assert r2["reviewer"]["fallback"].startswith("out of bounds")
    assert json.loads((c2 / "watchdog.json").read_text())["reviewer"]["fallback"].startswith(
        "out of bounds")
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
    # grader + auditor, then one grader call each for the invalid grade and the HTTP 500
    assert len(api.requests) == 4 and all(r["key"] == key for r in api.requests)


def test_watchdog_both_mode_on_save_applies_the_rules_decision(tmp_path, api, key):
    """The callback path: the rules (D) decide and halve the LR; Claude's A is a disagreement."""
    wd = _watchdog(api, "both")
    wd.measure = lambda model: _measured(0, 4)  # synthetic metrics instead of a model
    api.answer(GOOD_A)
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
    assert len(wd.records_out) == 1 and len(api.requests) == 2  # grader and auditor, once
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
