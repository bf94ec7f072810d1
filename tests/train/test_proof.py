"""Proof on the CPU: the ``helix-5.1b`` curriculum configuration with a tiny model substituted
finishes every stage, writes every deliverable and stays within its disk plan.

Shortened for the test suite: the fixture corpus, 3/5/3 epochs with a checkpoint every 2 epochs
(so every stage has a checkpoint on the cadence and one after its last epoch, as 75/250 epochs
with a checkpoint every 10 do) and a 16-wide model.  Everything else is ``helix-5.1b``'s, through
:func:`helix_train.config.with_tiny_model` (``helix-train run --model tiny``): its optimiser
settings (LR 2e-5, batch 8 × 4; unpacked, as on any CPU), watchdog, retention, gates and phases,
and the CLI
prints the plan and checks the disk before training.
"""

from __future__ import annotations

import json

import pytest
import yaml

pytest.importorskip("trl")

from helix_train import curriculum  # noqa: E402
from helix_train.config import load_preset, to_dict, with_tiny_model  # noqa: E402

ROLES = ("ascii_specialist", "runic_specialist", "coordinator")


def test_helix_curriculum_with_a_tiny_model_finishes_within_its_disk_plan(tmp_path):
    from click.testing import CliRunner

    from helix_train.cli import main

    real = load_preset("helix-5.1b")
    data = to_dict(with_tiny_model(real))
    data["model"]["tiny"].update(hidden_size=16, intermediate_size=32, num_hidden_layers=2)
    data["model"]["bpe_vocab_size"] = 512
    data["curriculum"].update(general_epochs=3, specialist_epochs=5, coordinator_epochs=3,
                              checkpoint_every=2)
    data["corpus"] = {"source": "mini", "preset": "fixture", "seed": 0}
    conf = tmp_path / "proof.yaml"
    conf.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", "--preset", str(conf), "--out", str(out)])
    assert result.exit_code == 0, result.output[-3000:]

    # the plan was printed and enforced before training, and saved
    assert "plan of `helix-5.1b+tiny`" in result.output and "peak disk:" in result.output
    assert ": OK" in result.output
    plan = json.loads((out / "plan.json").read_text())
    assert [s["epochs"] for s in plan["stages"]] == [3, 5, 3, 5, 3]
    assert [s["checkpoints"] for s in plan["stages"]] == [2, 3, 2, 3, 2]
    assert all(s["records"] and s["steps"] and s["tokens"] for s in plan["stages"])

    # every stage finished, every model has its final model, the report is written
    summary = json.loads((out / "summary.json").read_text())
    assert {m: s["status"] for m, s in summary["models"].items()} == {
        f"qwen3_1_7b_{r}": "done" for r in ROLES}
    for role in ROLES:
        final = out / "models" / f"qwen3_1_7b_{role}" / "final_model"
        for name in ("model.safetensors", "config.json", "tokenizer.json", "README.md"):
            assert (final / name).exists(), (role, name)
    assert (out / "report" / "report.md").exists()

    # the watchdog graded each stage on the helix-5.1b cadence; the gates were evaluated with
    # the real thresholds (a tiny model fails them) and phase 2 went on as --model tiny says
    for s in plan["stages"]:
        sdir = out / "models" / s["model"] / s["phase"]
        state = json.loads((sdir / "state.json").read_text())
        graded = [r for a in state["attempts"] for r in curriculum.graded_checkpoints(
            sdir / a["dir"])]
        if len(state["attempts"]) == 1:
            assert [r["epoch"] for r in graded] == [float(e) for e in range(
                2, s["epochs"], 2)] + [float(s["epochs"])]
        assert all(r["grade"] in "ABCDF" and r["train_loss"] is not None for r in graded)
        result_json = json.loads((sdir / "result.json").read_text())
        assert result_json["gates"][0]["line"].endswith("FAIL")
        # retention: a finished stage keeps its checkpoints' records, no weights, no optimizer
        for ckpt in sdir.glob("attempt-*/checkpoint-*"):
            assert {p.name for p in ckpt.iterdir()} <= set(curriculum.RECORD_FILES), ckpt
        assert (sdir / "result" / "model.safetensors").exists()
    events = [json.loads(x) for x in (out / "logs" / "events.jsonl").read_text().splitlines()]
    assert sum(e["event"] == "gate_failure_ignored" for e in events) == 2  # both specialists

    # the disk never went above the plan (measured right after each checkpoint was written)
    disk = [json.loads(x) for x in (out / "logs" / "disk.jsonl").read_text().splitlines()]
    assert len(disk) == sum(s["checkpoints"] for s in plan["stages"])
    peak = max(d["bytes_peak"] for d in disk)
    assert peak <= plan["peak_bytes"], (peak, plan["peak_bytes"])
    assert curriculum.dir_bytes(out) <= plan["peak_bytes"]
