"""The curriculum runner end to end on tiny models: stages, drift actions, gates, final models,
report, LoRA, the corpus switch and the grader adapter."""

from __future__ import annotations

import doctest
import json

import pytest

pytest.importorskip("trl")

import helix_train.corpus as corpus_mod  # noqa: E402
import helix_train.gates as gates_mod  # noqa: E402
from helix_train import curriculum  # noqa: E402
from helix_train.config import GateConfig, from_dict, HelixConfig, load_preset, to_dict  # noqa: E402
from helix_train.graders import grade  # noqa: E402


def _config(**over) -> HelixConfig:
    """The tiny-cpu preset shrunk to seconds: fixture corpus, 1-step epochs, 4 validation answers."""
    data = to_dict(load_preset("tiny-cpu"))
    data["name"] = "test"
    data["model"]["tiny"].update(hidden_size=16, intermediate_size=32)
    data["model"]["bpe_vocab_size"] = 512
    data["training"].update(per_device_train_batch_size=16, logging_steps=1, warmup_steps=0)
    data["curriculum"].update(general_epochs=1, specialist_epochs=1, coordinator_epochs=1,
                              checkpoint_every=1)
    # drift actions from the first checkpoint on, as the rubric's default (tiny-cpu waits for 2)
    data["watchdog"].update(val_limit=4, max_new_tokens=4, generation_batch_size=8,
                            min_checkpoints_for_action=1)
    data["gates"].update(test_limit=6)
    data["eval"].update(max_new_tokens=4, batch_size=8)
    data["corpus"] = {"source": "mini", "preset": "fixture", "seed": 0,
                      "max_records": {"train": 16, "val": 4, "test": 6}}
    for section, values in over.items():
        data[section].update(values)
    return from_dict(HelixConfig, data)


def test_full_curriculum_writes_every_deliverable(tmp_path):
    cfg = _config(curriculum={"models": ["ascii", "coordinator"]})
    summary = curriculum.run(cfg, tmp_path)
    assert {m: s["status"] for m, s in summary["models"].items()} == {
        "qwen3_1_7b_ascii_specialist": "done", "qwen3_1_7b_coordinator": "done"}
    spec = tmp_path / "models" / "qwen3_1_7b_ascii_specialist"
    # phase 2 continued from phase 1's result
    state = json.loads((spec / "specialist" / "state.json").read_text())
    assert state["attempts"][0]["init"] == "models/qwen3_1_7b_ascii_specialist/general/result"
    final = spec / "final_model"
    for name in ("model.safetensors", "config.json", "tokenizer.json", "chat_template.jinja",
                 "README.md"):
        assert (final / name).exists(), name
    # the run's corpus BPE is saved with the run and with every final model, and renders the
    # chat template exactly as the training tokenizer did
    from helix_train.modeling import load_tokenizer, render_prompt

    run_tok, final_tok = load_tokenizer(str(tmp_path / "tokenizer")), load_tokenizer(str(final))
    assert len(run_tok) == len(final_tok) <= 512 and final_tok.eos_token == "<|im_end|>"
    prompt = json.loads((tmp_path / "corpus" / "ascii" / "test.jsonl").read_text()
                        .splitlines()[0])["prompt"]
    text = render_prompt(final_tok, prompt)
    assert final_tok(text)["input_ids"] == run_tok(text)["input_ids"]
    assert final_tok.decode(final_tok(text)["input_ids"]) == text
    card = (final / "README.md").read_text()
    assert "test loss" in card and "LC-T generation fully valid" in card
    assert "| family | n | accuracy (95 % CI) | format valid | majority/family |" in card
    assert "Learns (95 % lower bound above the best baseline):" in card
    # per-example test results, per-checkpoint metrics, step logs
    row = json.loads((spec / "specialist" / "test.jsonl").read_text().splitlines()[0])
    assert {"prompt", "expected", "answer", "grade", "template"} <= set(row)
    result = json.loads((spec / "general" / "result.json").read_text())
    # the one scorer's report: per family an interval, the majority baselines against the train
    # split (the fixture corpus has no prompt templates: both phrasing splits are empty) and
    # `learns`; the generation budget covers the longest reference answer
    assert result["score"]["overall"]["n"] == result["test_total"]
    for f in result["score"]["families"].values():
        assert 0.0 <= f["baselines"]["majority_family"]["accuracy"] <= 1.0
        assert f["interval"][0] <= f["accuracy"] <= f["interval"][1]
        assert f["phrasing"]["seen"]["n"] == f["phrasing"]["heldout"]["n"] == 0
        assert isinstance(f["learns"], bool)
    assert result["max_new_tokens"] >= 8
    assert [g["gate"] for g in result["gates"]] == [
        "test loss", "translation between all formats", "contract tasks",
        "primitives, arrays, objects", "programs"]
    assert all(g["status"] in ("PASS", "FAIL", "NO DATA") for g in result["gates"])
    assert (spec / "general" / "attempt-0" / "checkpoint-1" / "watchdog.json").exists()
    steps = [json.loads(x) for x in (tmp_path / "logs" / "steps.jsonl").read_text().splitlines()]
    assert {s["phase"] for s in steps} == {"general", "specialist", "coordinator"}
    # the report
    from helix_train.report import write_report

    paths = write_report(tmp_path)
    md = paths["markdown"].read_text()
    assert "Supervisor summary" in md and "qwen3_1_7b_coordinator" in md
    assert all(paths[k].stat().st_size > 1000 for k in ("loss", "grades", "tasks"))
    data = json.loads(paths["json"].read_text())
    assert len(data["supervisor"]) == 2 and data["stages"][0]["checkpoints"]


@pytest.mark.parametrize("share", [True, False])
def test_phase_one_is_identical_for_both_specialists_and_shared(tmp_path, share):
    """Trained twice (share off), phase 1 gives the two specialists bit-identical weights, which
    is what makes `share_general` (train once, copy) sound; with it on, it is trained once."""
    from safetensors.torch import load_file

    cfg = _config(curriculum={"models": ["ascii", "runic"], "share_general": share})
    summary = curriculum.run(cfg, tmp_path)
    assert all(m["status"] == "done" for m in summary["models"].values())
    models = tmp_path / "models"
    a, r = (models / f"qwen3_1_7b_{x}_specialist" / "general" for x in ("ascii", "runic"))
    wa, wr = (load_file(d / "result" / "model.safetensors") for d in (a, r))
    assert wa.keys() == wr.keys() and all((wa[k] == wr[k]).all() for k in wa)
    state = json.loads((r / "state.json").read_text())
    result = json.loads((r / "result.json").read_text())
    assert state["status"] == "done" and result["model"] == "qwen3_1_7b_runic_specialist"
    steps = [json.loads(x) for x in (tmp_path / "logs" / "steps.jsonl").read_text().splitlines()]
    trained = {s["model"] for s in steps if s["phase"] == "general"}
    events = [json.loads(x)["event"] for x in (tmp_path / "logs" / "events.jsonl").read_text()
              .splitlines()]
    if share:
        assert state["shared_from"] == result["shared_from"] == "qwen3_1_7b_ascii_specialist"
        assert trained == {"qwen3_1_7b_ascii_specialist"} and events.count("shared") == 1
    else:
        assert "shared_from" not in state and "shared" not in events
        assert trained == {"qwen3_1_7b_ascii_specialist", "qwen3_1_7b_runic_specialist"}
    spec = json.loads((r.parent / "specialist" / "state.json").read_text())
    assert spec["attempts"][0]["init"] == "models/qwen3_1_7b_runic_specialist/general/result"
    assert (r.parent / "final_model" / "tokenizer.json").exists()


def test_restarts_are_bounded_then_stop_with_a_failure_report(tmp_path, monkeypatch):
    """Every checkpoint graded F with a real failure: restart from the best checkpoint with half the
    LR, then stop."""
    import helix_train.watchdog as watchdog

    monkeypatch.setattr(watchdog.rubric, "grade", lambda total: "F")
    monkeypatch.setattr(watchdog.rubric, "failures", lambda history: ["accuracy regression"])
    cfg = _config(curriculum={"models": ["ascii"], "general_epochs": 2},
                  watchdog={"max_restarts": 1})
    summary = curriculum.run(cfg, tmp_path)
    model = summary["models"]["qwen3_1_7b_ascii_specialist"]
    assert model["status"] == "failed"
    sdir = tmp_path / "models" / "qwen3_1_7b_ascii_specialist" / "general"
    state = json.loads((sdir / "state.json").read_text())
    assert state["status"] == "failed" and "restarts" in state["reason"]
    first, second = state["attempts"]
    assert second["learning_rate"] == pytest.approx(first["learning_rate"] / 2)
    assert second["reason"].startswith("restart at epoch 1")
    assert second["epoch_offset"] == 1.0 and second["epochs"] == 1
    assert "FAILED" in (sdir / "FAILURE.md").read_text()
    skipped = json.loads((sdir.parent / "specialist" / "state.json").read_text())
    assert skipped["status"] == "skipped"
    assert not (sdir.parent / "final_model").exists()


def test_a_failed_shared_phase_one_is_copied_not_retrained(tmp_path, monkeypatch):
    import helix_train.watchdog as watchdog

    monkeypatch.setattr(watchdog.rubric, "grade", lambda total: "F")
    monkeypatch.setattr(watchdog.rubric, "failures", lambda history: ["accuracy regression"])
    cfg = _config(curriculum={"models": ["ascii", "runic"], "share_general": True},
                  watchdog={"max_restarts": 0})
    summary = curriculum.run(cfg, tmp_path)
    assert {m["status"] for m in summary["models"].values()} == {"failed"}
    runic = tmp_path / "models" / "qwen3_1_7b_runic_specialist"
    state = json.loads((runic / "general" / "state.json").read_text())
    assert state["status"] == "failed" and state["shared_from"] == "qwen3_1_7b_ascii_specialist"
    assert (runic / "general" / "FAILURE.md").exists()
    assert json.loads((runic / "specialist" / "state.json").read_text())["status"] == "skipped"
    steps = [json.loads(x) for x in (tmp_path / "logs" / "steps.jsonl").read_text().splitlines()]
    assert {s["model"] for s in steps} == {"qwen3_1_7b_ascii_specialist"}


def test_batch_size_intervention_starts_a_new_attempt(tmp_path, monkeypatch):
    import helix_train.watchdog as watchdog

    monkeypatch.setattr(watchdog.rubric, "grade", lambda total: "D")
    cfg = _config(curriculum={"models": ["coordinator"], "coordinator_epochs": 2},
                  watchdog={"intervention": "batch_size", "max_interventions": 1},
                  training={"per_device_train_batch_size": 4, "method": "lora"})
    curriculum.run(cfg, tmp_path)
    state = json.loads((tmp_path / "models" / "qwen3_1_7b_coordinator" / "coordinator" /
                        "state.json").read_text())
    assert [a["batch_size"] for a in state["attempts"]] == [4, 8]
    # the one intervention is used: the next D is a warning and training goes on (no failure)
    assert state["status"] == "done"
    last = curriculum.graded_checkpoints(tmp_path / "models" / "qwen3_1_7b_coordinator" /
                                         "coordinator" / "attempt-1")[-1]
    assert last["action"]["kind"] == "warn" and "interventions" in last["action"]["reason"]


def test_lora_trains_adapters_and_saves_merged_weights(tmp_path):
    cfg = _config(curriculum={"models": ["coordinator"]}, training={"method": "lora"})
    summary = curriculum.run(cfg, tmp_path)
    assert summary["models"]["qwen3_1_7b_coordinator"]["status"] == "done"
    ckpt = tmp_path / "models/qwen3_1_7b_coordinator/coordinator/attempt-0/checkpoint-1"
    # a finished stage keeps its checkpoints' records only; result/ holds the merged best weights
    assert (ckpt / "watchdog.json").exists() and not (ckpt / "adapter_model.safetensors").exists()
    assert json.loads((ckpt / "trainer_state.json").read_text())["global_step"] == 1
    final = tmp_path / "models/qwen3_1_7b_coordinator/final_model"
    assert (final / "model.safetensors").exists() and not (final / "adapter_config.json").exists()
    from safetensors.torch import load_file

    from helix_train.modeling import build_tiny_model, load_tokenizer

    weights = load_file(final / "model.safetensors")
    base = build_tiny_model(load_tokenizer(str(tmp_path / "tokenizer")), cfg.model.tiny,
                            seed=0).state_dict()
    q = "model.layers.0.self_attn.q_proj.weight"
    assert not (weights[q] == base[q]).all()  # the merged LoRA update changed q_proj


def test_parallel_is_refused_clearly_without_gpus(tmp_path):
    import torch
    from click.testing import CliRunner

    from helix_train.cli import main

    if torch.cuda.device_count() >= 2:
        pytest.skip("two GPUs are visible: --parallel would train")
    result = CliRunner().invoke(main, ["run", "--preset", "helix-5.1b", "--out",
                                       str(tmp_path / "r"), "--parallel"])
    assert result.exit_code == 2
    assert "needs at least 2 visible GPUs" in result.output


def test_parallel_cpu_lanes_share_phase_1_and_finish_every_model(tmp_path):
    """`--parallel` with a CPU config: lane 1 trains the ASCII specialist, lane 2 the coordinator
    and then the runic specialist, whose phase 1 is copied from lane 1's once it has finished."""
    import os
    import subprocess
    import sys

    import yaml

    conf = tmp_path / "lanes.yaml"
    conf.write_text(yaml.safe_dump(to_dict(_config())), encoding="utf-8")
    out = tmp_path / "run"
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    proc = subprocess.run([sys.executable, "-m", "helix_train.cli", "run", "--preset", str(conf),
                           "--out", str(out), "--parallel"], capture_output=True, text=True,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "CPU lanes: 1 → ascii; 2 → coordinator, runic" in proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert {m["status"] for m in summary["models"].values()} == {"done"}
    events = [json.loads(x) for x in (out / "logs" / "events.jsonl").read_text().splitlines()]
    shared = [e for e in events if e["event"] == "shared"]
    assert [(e["model"], e["source"]) for e in shared] == [
        ("qwen3_1_7b_runic_specialist", "qwen3_1_7b_ascii_specialist")]
    trained = [(e["model"], e["phase"]) for e in events if e["event"] == "attempt_start"]
    assert ("qwen3_1_7b_runic_specialist", "general") not in trained
    # one summary event, from the parent once every lane is done (none from a lane or the set-up)
    assert [e["models"] for e in events if e["event"] == "run_done"] == [
        {m: "done" for m in summary["models"]}]
    assert (out / "report" / "report.md").exists()


# ----------------------------------------------------------------------------- gates and corpus

def test_gate_table_covers_every_corpus_family():
    corpus = pytest.importorskip("helix_corpus")
    for track, gates in gates_mod.GATES.items():
        for name in corpus.families_of(track):
            rec = {"task": name, "meta": {"formats": []}, "grading": {"kind": "exact"}}
            assert any(g.covers(rec) for g in gates), f"{track}: `{name}` has no gate"


@pytest.mark.parametrize("parsed,correct,status", [
    ([1, 1], [1, 1], ["PASS", "PASS", "PASS", "NO DATA"]),
    ([1, 0], [1, 0], ["PASS", "FAIL", "FAIL", "NO DATA"]),
    ([1, 1], [0, 0], ["PASS", "PASS", "FAIL", "NO DATA"]),
])
def test_evaluate_gates(parsed, correct, status):
    recs = [{"task": "lct_mastery", "meta": {"formats": ["hlxl", "lct"]},
             "grading": {"kind": "value"}},
            {"task": "lct_mastery", "meta": {"formats": ["hlxl", "lct"]},
             "grading": {"kind": "value"}}]
    rows = [{"task": r["task"], "grade": {"parsed": bool(p), "correct": bool(c)}}
            for r, p, c in zip(recs, parsed, correct)]
    out = gates_mod.evaluate_gates("ascii", recs, rows, 0.1, GateConfig())
    assert [g["status"] for g in out] == status
    assert out[0]["gate"] == "test loss"


def test_prepare_corpus_builds_filtered_helix_corpus(tmp_path, tokenizer):
    helix_corpus = pytest.importorskip("helix_corpus")
    cfg = _config(curriculum={"models": ["coordinator"]})
    cfg.corpus = from_dict(type(cfg.corpus), {
        "source": "helix_corpus", "sizes": {"train": 60, "val": 20, "test": 20},
        "tasks": {"coordinator": ["route"]}, "max_answer_tokens": 4,
        "max_records": {"train": 10}})
    out = corpus_mod.prepare_corpus(cfg, tmp_path, tokenizer=tokenizer)
    rows = [json.loads(x) for x in (out / "coordinator" / "train.jsonl").read_text().splitlines()]
    assert len(rows) == 10 and {r["task"] for r in rows} == {"route"}
    assert (out / "coordinator" / "manifest.json").exists() and (out / "BUILD.json").exists()
    # the grader adapter grades helix_corpus records with their family's grader
    r = rows[0]
    answer = r["completion"][0]["content"]
    assert grade(r, answer).correct and not grade(r, "nonsense").correct
    assert grade(r, answer) == grade(r, answer)
    assert helix_corpus.grade_record(r, "nonsense").correct is False


def test_prepare_corpus_gives_the_same_files_with_several_workers(tmp_path, tokenizer):
    """`corpus.workers: 2` generates the tracks in two processes; the files are byte-identical."""
    pytest.importorskip("helix_corpus")
    built = {}
    for workers in (1, 2):
        cfg = _config(curriculum={"models": ["ascii", "coordinator"]})
        cfg.corpus = from_dict(type(cfg.corpus), {
            "source": "helix_corpus", "sizes": {"train": 40, "val": 10, "test": 10},
            "workers": workers})
        out = corpus_mod.prepare_corpus(cfg, tmp_path / f"w{workers}", tokenizer=tokenizer)
        built[workers] = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*.jsonl"))}
    assert len(built[1]) == 9  # general, ascii, coordinator × train/val/test
    assert built[1] == built[2]


def test_prepare_corpus_says_what_to_fix_when_filtering_leaves_nothing(tmp_path, tokenizer):
    pytest.importorskip("helix_corpus")
    cfg = _config(curriculum={"models": ["coordinator"]})
    cfg.corpus = from_dict(type(cfg.corpus), {
        "source": "helix_corpus", "sizes": {"train": 20, "val": 10, "test": 10},
        "tasks": {"coordinator": ["no_such_family"]}})
    with pytest.raises(ValueError, match="no `train` records left after filtering"):
        corpus_mod.prepare_corpus(cfg, tmp_path, tokenizer=tokenizer)


@pytest.mark.parametrize("module", [corpus_mod, gates_mod])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


def test_two_runs_with_the_same_seed_give_identical_final_models(tmp_path):
    """Reproducible on one machine: the same config and seed give byte-identical corpora,
    tokenizer and final weights for every model (docs/training.md says what may differ on
    another machine)."""
    import hashlib

    cfg = _config(curriculum={"models": ["ascii", "coordinator"]})
    digests = []
    for name in ("first", "second"):
        curriculum.run(cfg, tmp_path / name)
        files = sorted(p for p in (tmp_path / name).rglob("*")
                       if p.is_file() and (p.name in ("model.safetensors", "tokenizer.json")
                                           or p.suffix == ".jsonl" and "corpus" in p.parts))
        assert any(p.name == "model.safetensors" and "final_model" in p.parts for p in files)
        digests.append({str(p.relative_to(tmp_path / name)):
                        hashlib.sha256(p.read_bytes()).hexdigest() for p in files})
    assert digests[0] == digests[1]
