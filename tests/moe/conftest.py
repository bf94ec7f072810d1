"""Fixtures of the helix_moe tests: one tiny run directory per session, under a tmp dir.

The run has the layout of a real ``helix-train`` run (``config.yaml``, ``models/<prefix>_{ascii_
specialist,runic_specialist,coordinator}/final_model/`` with safetensors, tokenizer and chat
template, ``corpus/<track>/test.jsonl``).  The two specialists are random-initialised; the
coordinator is genuinely trained (a plain PyTorch loop, 400 steps, ~20 s on a shared core) to route
synthetic requests by the target format they name, so routing can be tested for real.
"""

from __future__ import annotations

import json

import pytest
from tests_moe_helpers import PREFIX, SHAPE, VALUES, synthetic_requests, train_coordinator


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """Path of the session's tiny run directory (built once, ~10 s)."""
    import torch
    import yaml

    from helix_train.config import TinyModelConfig
    from helix_train.modeling import build_tiny_model, train_corpus_tokenizer

    torch.set_num_threads(1)
    run = tmp_path_factory.mktemp("moe_run")
    train = synthetic_requests(0, 400)
    texts = ["system\n", "user\n", "assistant\n", "ascii runic coordinator"] + \
        [r for r, _ in train] + VALUES + ["Route this request to the right Helix model."]
    tok = train_corpus_tokenizer(texts * 2, vocab_size=512)
    shape = TinyModelConfig(**SHAPE)
    (run / "config.yaml").write_text(yaml.safe_dump({
        "name": "moe-test", "model": {"base": "tiny", "tokenizer": "corpus-bpe",
                                      "name_prefix": PREFIX, "tiny": SHAPE},
        "training": {"seed": 0}}), encoding="utf-8")
    loss = None
    for role, seed in (("ascii", 1), ("runic", 2), ("coordinator", 3)):
        model = build_tiny_model(tok, shape, seed=0 if role == "coordinator" else seed)
        if role == "coordinator":
            loss = train_coordinator(model, tok, train)
        suffix = "coordinator" if role == "coordinator" else f"{role}_specialist"
        out = run / "models" / f"{PREFIX}_{suffix}" / "final_model"
        model.save_pretrained(str(out))
        tok.save_pretrained(str(out))
    corpus = run / "corpus"
    from helix_moe.routing import route_messages

    tracks = {"coordinator": [], "general": [], "ascii": [], "runic": []}
    for i, (req, role) in enumerate(synthetic_requests(1, 60)):
        tracks["coordinator"].append({
            "id": f"route-{i}", "task": "route", "track": "coordinator", "split": "test",
            "prompt": route_messages(req), "completion": [{"role": "assistant", "content": role}],
            "meta": {}})
    for track, fmt, value in (("general", "hlxl", "[1, 2]"), ("ascii", "lct", "[1,2]"),
                              ("runic", "lcr", "🜃1,2🜄")):
        for i in range(3):
            tracks[track].append({
                "id": f"{track}-{i}", "task": f"convert_{fmt}", "track": track, "split": "test",
                "prompt": [{"role": "user", "content": f"Convert [1, 2] to {fmt.upper()}."}],
                "completion": [{"role": "assistant", "content": value}],
                "meta": {"answer_format": fmt}})
    for track, rows in tracks.items():
        (corpus / track).mkdir(parents=True, exist_ok=True)
        (corpus / track / "test.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    (run / "fixture.json").write_text(json.dumps({"coordinator_final_loss": loss}))
    return run


@pytest.fixture(scope="session")
def tiny_engine(tiny_run):
    from helix_moe.engine import Engine
    from helix_moe.loading import load_system

    return Engine(load_system(tiny_run, "full"), max_new_tokens=32)
