"""The ``helix-corpus`` command line, end to end in ``tmp_path`` (CliRunner)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from helix_corpus.cli import cli


def test_build_runic_at_default_sizes_finishes_and_lints_clean(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["build", "--track", "runic", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "lint clean" in result.output
    manifest = json.loads((tmp_path / "runic" / "manifest.json").read_text())
    assert sum(manifest["counts"]["train"].values()) == 500
    result = runner.invoke(cli, ["lint", str(tmp_path / "runic")])
    assert result.exit_code == 0, result.output
    assert "lint clean" in result.output


def test_stats_show_grade(small_build, tmp_path):
    out, _ = small_build
    runner = CliRunner()
    result = runner.invoke(cli, ["stats", str(out / "general"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["records"] == 110 and data["unit"] in ("qwen3 tokens", "chars")
    result = runner.invoke(cli, ["stats", str(out / "general")])
    assert result.exit_code == 0 and "histogram" in result.output
    result = runner.invoke(cli, ["show", str(out / "ascii" / "val.jsonl"), "-n", "2"])
    assert result.exit_code == 0 and "assistant" in result.output

    corpus = out / "coordinator" / "test.jsonl"
    rows = [json.loads(line) for line in corpus.read_text().splitlines()]
    preds = tmp_path / "preds.jsonl"
    lines = []
    for n, r in enumerate(rows):
        answer = r["completion"][0]["content"] if n % 2 == 0 else "nonsense"
        lines.append(json.dumps({"id": r["id"], "prediction": answer}))
    preds.write_text("\n".join(lines[:-1]) + "\n")  # the last one is missing
    report_path = tmp_path / "report.json"
    result = runner.invoke(cli, ["grade", "--corpus", str(corpus), "--predictions", str(preds),
                                 "--json", str(report_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text())
    expected = sum(1 for n in range(len(rows) - 1) if n % 2 == 0) / len(rows)
    assert report["overall"]["accuracy"] == round(expected, 4)
    assert report["missing"] == 1 and set(report["families"]) == {r["task"] for r in rows}
    # the train split next to the test split gives the baselines and the phrasing split
    assert report["train_path"] == str(corpus.with_name("train.jsonl"))
    route = report["families"]["route"]
    assert route["baselines"]["majority_family"] is not None and route["learns"] is not None
    assert route["phrasing"]["seen"]["n"] + route["phrasing"]["heldout"]["n"] == route["n"]
    assert "overall" in result.output and "route" in result.output


def test_bad_options_and_lint_failures_exit_nonzero(tmp_path, small_build):
    runner = CliRunner()
    result = runner.invoke(cli, ["build", "--track", "runic", "--size", "dev=3"])
    assert result.exit_code == 2 and "SPLIT=N" in result.output
    out, _ = small_build
    broken = tmp_path / "broken.jsonl"
    rows = (out / "general" / "val.jsonl").read_text().splitlines()
    record = json.loads(rows[0])
    record["completion"][0]["content"] = "🐁"
    broken.write_text("\n".join([json.dumps(record, ensure_ascii=False)] + rows[1:]) + "\n")
    result = runner.invoke(cli, ["lint", str(broken)])
    assert result.exit_code == 1
    assert "animal-emoji" in result.output and "grade" in result.output
