"""Phase gates: phase 2 starts from phase 1's best checkpoint only when phase 1's completion gates
pass; otherwise the run stops with a clear report, unless ``curriculum.continue_on_gate_failure``.
Gate lines say which way passes."""

from __future__ import annotations

import json

import pytest
import yaml

pytest.importorskip("trl")

from helix_train import curriculum  # noqa: E402
from helix_train.config import GateConfig, HelixConfig, from_dict, load_preset, to_dict  # noqa: E402
from helix_train.gates import evaluate_gates  # noqa: E402

ASCII, COORD = "qwen3_1_7b_ascii_specialist", "qwen3_1_7b_coordinator"


def _config(models, *, proceed: bool) -> HelixConfig:
    """tiny-cpu shrunk to seconds (fixture corpus, one-step epochs), gating as asked."""
    data = to_dict(load_preset("tiny-cpu"))
    data["name"] = "gates-test"
    data["model"]["tiny"].update(hidden_size=16, intermediate_size=32, num_hidden_layers=2)
    data["model"]["bpe_vocab_size"] = 512
    data["training"].update(per_device_train_batch_size=16, logging_steps=1, warmup_steps=0)
    data["curriculum"].update(general_epochs=1, specialist_epochs=1, coordinator_epochs=1,
                              checkpoint_every=1, models=models, parallel=False,
                              continue_on_gate_failure=proceed)
    data["watchdog"].update(val_limit=4, generation_batch_size=8)
    data["gates"].update(test_limit=6)
    data["eval"].update(batch_size=8)
    data["corpus"] = {"source": "mini", "preset": "fixture", "seed": 0,
                      "max_records": {"train": 16, "val": 4, "test": 6}}
    return from_dict(HelixConfig, data)


def _events(run_dir) -> list[dict]:
    return [json.loads(x) for x in (run_dir / "logs" / "events.jsonl").read_text().splitlines()]


def test_gate_lines_say_which_way_passes():
    recs = [{"task": "lct_mastery", "meta": {"formats": ["hlxl", "lct"]},
             "grading": {"kind": "value"}}] * 2
    rows = [{"task": "lct_mastery", "grade": {"parsed": True, "correct": c}} for c in (1, 0)]
    lines = [g["line"] for g in evaluate_gates("ascii", recs, rows, 0.97, GateConfig())]
    assert lines == ["test loss 0.97, needs < 0.15: FAIL",
                     "LC-T generation fully valid: valid answers 100 % (n = 2), needs ≥ 100 %: PASS",
                     "HLXL tasks: accuracy 50 % (n = 2), needs ≥ 100 %: FAIL",
                     "HLXL-LS tasks: no test records, needs accuracy ≥ 100 %: NO DATA"]


def test_failed_phase_one_gates_stop_the_run_until_the_config_allows_it(tmp_path):
    """The tiny model fails phase 1's gates (test loss ≫ 0.2): phase 2 does not start and the run
    stops (the coordinator, next in the plan, is not trained either), with STOPPED.md saying
    which gates failed.  With `continue_on_gate_failure: true` in the run's config, `resume`
    trains the rest."""
    cfg = _config(["ascii", "coordinator"], proceed=False)
    summary = curriculum.run(cfg, tmp_path)
    stop = summary["stopped"]
    assert stop["model"] == ASCII and "completion gates" in stop["reason"]
    assert stop["gates"][0].startswith("test loss ") and stop["gates"][0].endswith(
        ", needs < 0.2: FAIL")
    report = (tmp_path / "STOPPED.md").read_text()
    assert "Run stopped" in report and stop["gates"][0] in report
    assert "continue_on_gate_failure: true" in report and "helix-train resume" in report
    assert {m: s["status"] for m, s in summary["models"].items()} == {ASCII: "stopped",
                                                                      COORD: "stopped"}
    models = tmp_path / "models"
    assert json.loads((models / ASCII / "general" / "state.json").read_text())["status"] == "done"
    assert json.loads((models / ASCII / "specialist" / "state.json").read_text())[
        "status"] == "stopped"
    assert not (models / ASCII / "specialist" / "attempt-0").exists()
    assert not (models / COORD / "coordinator" / "attempt-0").exists()
    assert not list(models.glob("*/final_model"))
    assert [e["event"] for e in _events(tmp_path)].count("run_stopped") == 1

    conf = tmp_path / "config.yaml"
    data = yaml.safe_load(conf.read_text())
    data["curriculum"]["continue_on_gate_failure"] = True
    conf.write_text(yaml.safe_dump(data, sort_keys=False))
    summary = curriculum.resume(tmp_path)
    assert {m: s["status"] for m, s in summary["models"].items()} == {ASCII: "done", COORD: "done"}
    assert "stopped" not in summary
    ignored = [e for e in _events(tmp_path) if e["event"] == "gate_failure_ignored"]
    assert len(ignored) == 1 and ignored[0]["gates"] == stop["gates"]
    state = json.loads((models / ASCII / "specialist" / "state.json").read_text())
    assert state["attempts"][0]["init"] == f"models/{ASCII}/general/result"  # phase 1's best


def test_passing_phase_one_gates_start_phase_two(tmp_path, monkeypatch):
    def passing(track, records, rows, loss, gates):
        return [{**g, "status": "PASS"} for g in evaluate_gates(track, records, rows, loss, gates)]

    monkeypatch.setattr(curriculum, "evaluate_gates", passing)
    summary = curriculum.run(_config(["ascii"], proceed=False), tmp_path)
    assert summary["models"][ASCII]["status"] == "done" and "stopped" not in summary
    assert not (tmp_path / "STOPPED.md").exists()
    assert "gate_failure_ignored" not in {e["event"] for e in _events(tmp_path)}
