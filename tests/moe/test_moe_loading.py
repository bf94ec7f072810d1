"""Loading a run: three full models or LoRA adapters over one base; honest parameter counts."""

import pytest
import torch

from helix_moe.loading import find_run, load_system, qwen3_1_7b_memory


def test_full_and_lora_agree_at_full_rank(tiny_run, tiny_engine):
    full = tiny_engine.system
    lora = load_system(tiny_run, "lora", lora_rank=96)  # ≥ every layer's rank: exact
    ids = torch.tensor([[5, 6, 7, 8, 9]])
    for role in ("coordinator", "ascii", "runic", "coordinator"):
        a = full.model(role)(input_ids=ids).logits
        b = lora.model(role)(input_ids=ids).logits
        assert torch.allclose(a, b, atol=1e-4), role
    rep = lora.report()
    assert rep["mode"] == "lora" and max(rep["lora_rel_error"].values()) < 1e-4


def test_reports_count_what_is_loaded(tiny_run, tiny_engine):
    rep = tiny_engine.system.report()
    per = rep["per_role_parameters"]
    assert rep["unique_parameters"] == sum(per.values())
    assert rep["active_parameters"] == per["coordinator"] + per["ascii"]
    low = load_system(tiny_run, "lora", lora_rank=4).report()
    assert low["lora_rel_error"]["ascii"] > 0  # an approximation, and said so


def test_qwen3_1_7b_computed_memory():
    m = qwen3_1_7b_memory(rank=16)
    assert round(m["model_parameters"] / 1e9, 2) == 1.72
    assert round(m["full"]["unique"] / 1e9, 1) == 5.2 and round(m["full"]["active"] / 1e9, 1) == 3.4
    assert m["lora"]["weights_gib"] < m["full"]["weights_gib"] / 2


def test_missing_run_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no final model for the ascii role"):
        find_run(tmp_path)
