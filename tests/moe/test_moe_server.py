"""The HTTP service, started as a subprocess on 127.0.0.1, driven by the official openai client."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

openai = pytest.importorskip("openai")
pytest.importorskip("fastapi")

pytestmark = pytest.mark.e2e


def _http(method: str, url: str, body: bytes | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=body, method=method,
                                 headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tiny_run):
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen(
        [sys.executable, "-m", "helix_moe.cli", "serve", "--run", str(tiny_run), "--port",
         str(port), "--max-input-chars", "2000", "--timeout", "30"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited: {proc.stdout.read()}")
        try:
            if _http("GET", base + "/health")[0] == 200:
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("server did not start in 60 s")
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def client(server):
    return openai.OpenAI(base_url=server + "/v1", api_key="none", max_retries=0, timeout=30)


def test_health_and_models(server, client):
    h = _http("GET", server + "/health")[1]
    assert h["status"] == "ok" and "total" in h["parameters"]
    assert {m.id for m in client.models.list()} == {"helix", "helix-ascii", "helix-runic",
                                                    "helix-coordinator"}


def test_chat_completion_routes_and_constrains(client):
    r = client.chat.completions.create(
        model="helix", messages=[{"role": "user", "content": "Convert this value to LC-T: [1]"}],
        max_tokens=16)
    assert r.object == "chat.completion" and r.choices[0].message.role == "assistant"
    helix = r.model_extra["helix"]
    assert helix["route"] == "ascii" and helix["format"] == "lct" and helix["valid"] is True
    assert r.usage.completion_tokens >= 1
    r = client.chat.completions.create(
        model="helix-runic", messages=[{"role": "user", "content": "hi"}],
        extra_body={"helix_format": "HLX"}, max_tokens=16)
    assert r.model_extra["helix"]["route"] == "runic" and r.model_extra["helix"]["valid"]


def test_bad_requests_get_openai_error_bodies(server, client):
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="helix", messages=[])
    assert e.value.body["type"] == "invalid_request_error" and "messages" in e.value.body["param"]
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="helix", messages=[{"role": "user", "content": "x"}],
                                       extra_body={"helix_format": "yaml"})
    status, body = _http("POST", server + "/v1/chat/completions", b"{not json")
    assert status == 400 and "error" in body


def test_unknown_model_is_404(client):
    with pytest.raises(openai.NotFoundError) as e:
        client.chat.completions.create(model="gpt-4", messages=[{"role": "user", "content": "x"}])
    assert e.value.body["code"] == "model_not_found"


def test_oversized_input_is_413(client):
    with pytest.raises(openai.APIStatusError) as e:
        client.chat.completions.create(model="helix",
                                       messages=[{"role": "user", "content": "x" * 5000}])
    assert e.value.status_code == 413 and e.value.body["code"] == "input_too_long"


def test_concurrent_requests(client):
    def ask(i):
        r = client.chat.completions.create(
            model="helix", messages=[{"role": "user", "content": f"Rewrite [{i}] in canonical HLXL."}],
            max_tokens=12)
        return r.model_extra["helix"]

    with ThreadPoolExecutor(8) as pool:
        out = list(pool.map(ask, range(8)))
    assert all(h["valid"] and h["format"] == "hlxl" for h in out)
