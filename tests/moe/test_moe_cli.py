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
    assert data["formats"]["constrained"]["format_validity"] == 1.0
    assert set(data["routing"]["confusion"]) == {"ascii", "runic", "coordinator"}
    assert "routing:" in res.output and "latency per request" in res.output
