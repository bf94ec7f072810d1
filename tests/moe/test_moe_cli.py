"""`helix-moe ask` and `helix-moe eval` on the tiny run (click's runner, in process)."""

import json

from click.testing import CliRunner

from helix_moe.cli import main


def test_ask_prints_route_answer_validity(tiny_run):
    res = CliRunner().invoke(main, ["ask", "Convert this value to LC-R: [1, 2]", "--run",
                                    str(tiny_run), "--max-new-tokens", "16"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].startswith("route:    runic (by coordinator")
    assert lines[1].startswith("answer:   ")
    assert lines[2].startswith("validity: valid lcr (constrained")


def test_ask_json_and_forced_model(tiny_run):
    res = CliRunner().invoke(main, ["ask", "anything", "--run", str(tiny_run), "--model",
                                    "helix-ascii", "--format", "LC-B", "--json"])
    assert res.exit_code == 0, res.output
    a = json.loads(res.output)
    assert a["role"] == "ascii" and a["route"]["by"] == "forced" and a["valid"] is True


def test_ask_bad_run_is_a_clean_error(tmp_path):
    res = CliRunner().invoke(main, ["ask", "x", "--run", str(tmp_path)])
    assert res.exit_code == 1 and "no final model" in res.output


def test_eval_writes_json_and_table(tiny_run, tmp_path):
    out = tmp_path / "eval.json"
    res = CliRunner().invoke(main, ["eval", "--run", str(tiny_run), "--limit", "20",
                                    "--out", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["routing"]["n"] == 20 and data["routing"]["accuracy"] >= 0.9
    assert data["formats"]["constrained"]["format_valid"] == 1.0
    assert set(data["routing"]["confusion"]) == {"ascii", "runic", "coordinator"}
    assert "routing:" in res.output and "latency per request" in res.output
    # scored by the one scorer: intervals, and constrained vs free decoding side by side
    lo, hi = data["routing"]["interval"]
    assert lo <= data["routing"]["accuracy"] <= hi
    e2e = data["end_to_end"]
    assert set(e2e["tracks"]) == {"general", "ascii", "runic"}
    assert e2e["n"] == sum(t["overall"]["n"] for t in e2e["tracks"].values()) == 9
    con, free = data["formats"]["constrained"], data["formats"]["free"]
    assert con["n"] == free["n"] == 9 and set(con["families"]) == set(free["families"])
    assert all(len(m["interval"]) == len(m["format_interval"]) == 2 for m in (con, free))
    assert "constrained vs free decoding" in res.output
    # the budget covers every reference answer of the track
    from helix_train.modeling import load_tokenizer

    tok = load_tokenizer(str(next((tiny_run / "models").glob("*coordinator/final_model"))))
    for track, budget in e2e["max_new_tokens"].items():
        rows = (tiny_run / "corpus" / track / "test.jsonl").read_text().splitlines()
        longest = max(len(tok(json.loads(x)["completion"][0]["content"],
                              add_special_tokens=False)["input_ids"]) for x in rows)
        assert budget >= longest + 8
