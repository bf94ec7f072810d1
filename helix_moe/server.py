"""The HTTP service (FastAPI): ``/health``, ``/v1/models`` and an OpenAI-compatible
``/v1/chat/completions``.

Model names: ``helix`` (the coordinator routes), ``helix-ascii``, ``helix-runic``,
``helix-coordinator`` (that model answers, no routing).  Helix extensions ride in the request body
(the ``openai`` client's ``extra_body``): ``helix_format`` (``HLXL``, ``HLX``, ``LC-T``, ``LC-R``,
``LC-B``: constrain the answer; default: the target format the request names) and
``helix_constrain`` (``false`` decodes freely, still validated).  Each response carries a
``helix`` object: route, confidence, format, validity, backtracks, timings.

Errors use OpenAI's body, ``{"error": {"message", "type", "param", "code"}}``: 400 for a malformed
or unsupported request (validation errors included, instead of FastAPI's 422), 404 for an unknown
model, 413 for an oversized input, 504 when the answer takes longer than the timeout.  Inference
runs in a worker thread; the engine serialises requests.  A timed-out request is answered at once
but its computation finishes in the background (PyTorch cannot be interrupted mid-step).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .engine import MODEL_NAMES, Engine
from .grammars import normalize_format

__all__ = ["create_app"]


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "user", "assistant", "developer"]
    content: str


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    model: str
    messages: list[Message] = Field(min_length=1)
    max_tokens: int | None = Field(default=None, ge=1, le=1024)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=1024)
    temperature: float | None = Field(default=None, ge=0, le=2)
    seed: int | None = None
    n: int | None = Field(default=None, ge=1, le=1)
    stream: bool | None = False
    helix_format: str | None = None
    helix_constrain: bool = True

    @field_validator("messages")
    @classmethod
    def _has_user(cls, v):
        if not any(m.role == "user" for m in v):
            raise ValueError("at least one message must have role `user`")
        return v


class APIError(Exception):
    def __init__(self, status: int, message: str, type_: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = \
            status, message, type_, param, code


def _error(status: int, message: str, type_: str, param=None, code=None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": {
        "message": message, "type": type_, "param": param, "code": code}})


def create_app(engine: Engine, *, timeout: float = 60.0, max_input_chars: int = 8000) -> FastAPI:
    """The FastAPI application serving ``engine``."""
    app = FastAPI(title="Helix MoE", version="1.0")
    started = time.time()
    stats = {"requests": 0, "errors": 0}

    @app.exception_handler(APIError)
    async def _api_error(_: Request, exc: APIError):
        stats["errors"] += 1
        return _error(exc.status, exc.message, exc.type, exc.param, exc.code)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError):
        stats["errors"] += 1
        first = exc.errors()[0] if exc.errors() else {}
        loc = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return _error(400, f"invalid request: {loc or 'body'}: {first.get('msg', 'malformed')}",
                      "invalid_request_error", loc or None, "invalid_request")

    @app.get("/health")
    async def health():
        rep = engine.system.report()
        return {"status": "ok", "mode": rep["mode"], "parameters": rep["summary"],
                "models": list(MODEL_NAMES), "uptime_s": round(time.time() - started, 1),
                **stats}

    @app.get("/v1/models")
    async def models():
        return {"object": "list", "data": [
            {"id": name, "object": "model", "created": int(started), "owned_by": "helix"}
            for name in MODEL_NAMES]}

    @app.post("/v1/chat/completions")
    async def chat(req: ChatRequest):
        stats["requests"] += 1
        if req.model not in MODEL_NAMES:
            raise APIError(404, f"The model `{req.model}` does not exist; available: "
                                f"{', '.join(MODEL_NAMES)}", "invalid_request_error", "model",
                           "model_not_found")
        if req.stream:
            raise APIError(400, "streaming is not supported; send `stream: false`",
                           param="stream", code="unsupported")
        size = sum(len(m.content) for m in req.messages)
        if size > max_input_chars:
            raise APIError(413, f"input too long: {size} characters, the limit is "
                                f"{max_input_chars}", param="messages", code="input_too_long")
        try:
            fmt = normalize_format(req.helix_format)
        except ValueError as e:
            raise APIError(400, str(e), param="helix_format", code="unknown_format") from None
        messages = [{"role": "system" if m.role == "developer" else m.role, "content": m.content}
                    for m in req.messages]
        max_new = req.max_completion_tokens or req.max_tokens
        try:
            a = await asyncio.wait_for(run_in_threadpool(
                engine.answer, messages, model=req.model, fmt=fmt,
                constrain=req.helix_constrain, max_new_tokens=max_new,
                temperature=req.temperature or 0.0, seed=req.seed), timeout)
        except asyncio.TimeoutError:
            raise APIError(504, f"the answer took longer than {timeout:.0f} s", "timeout",
                           code="timeout") from None
        finish = "length" if a.stop == "length" else "stop"
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion",
            "created": int(time.time()), "model": req.model,
            "choices": [{"index": 0, "finish_reason": finish,
                         "message": {"role": "assistant", "content": a.text}}],
            "usage": {"prompt_tokens": a.prompt_tokens, "completion_tokens": a.tokens,
                      "total_tokens": a.prompt_tokens + a.tokens},
            "helix": {"route": a.role, "routed_by": a.route["by"],
                      "confidence": a.route["confidence"], "probs": a.route["probs"],
                      "format": a.format, "constrained": a.constrained, "valid": a.valid,
                      "error": a.error, "backtracks": a.backtracks, "fallback": a.fallback,
                      "route_ms": round(a.route_ms, 2), "generate_ms": round(a.generate_ms, 2)},
        }

    return app
