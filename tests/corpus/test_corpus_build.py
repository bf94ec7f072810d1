"""Builds: determinism, counts, manifest, split isolation (verified by injecting leaks)."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest
from corpus_helpers import SMALL

from helix_corpus import build, leaks, plan, sizes_for
from helix_corpus.build import DEFAULT_TRAIN, BuildError, _allocate
from helix_corpus.core import SPLITS, split_of
from helix_corpus.splits import SplitLeak, assert_isolated


def _bytes(directory):
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_same_seed_same_bytes_different_seed_same_counts(tmp_path):
    sizes = {"train": 40, "val": 10, "test": 15}
    a = build(("coordinator",), tmp_path / "a", seed=11, sizes=sizes)[0]
    b = build(("coordinator",), tmp_path / "b", seed=11, sizes=sizes)[0]
    c = build(("coordinator",), tmp_path / "c", seed=12, sizes=sizes)[0]
    assert _bytes(a.directory) == _bytes(b.directory)
    assert a.counts == c.counts
    assert _bytes(a.directory)["train.jsonl"] != _bytes(c.directory)["train.jsonl"]
    ma = json.loads((a.directory / "manifest.json").read_text())
    mc = json.loads((c.directory / "manifest.json").read_text())
    assert ma["counts"] == mc["counts"] and ma["seed"] == 11 and mc["seed"] == 12
    assert ma["files"] != mc["files"]


def test_manifest_records_versions_counts_and_hashes(small_build):
    out, results = small_build
    for r in results:
        m = json.loads((r.directory / "manifest.json").read_text())
        assert m["generator_version"] and m["spec_edition"] == 1 and m["seed"] == 3
        for split in SPLITS:
            data = (r.directory / f"{split}.jsonl").read_bytes()
            assert m["files"][f"{split}.jsonl"]["sha256"] == hashlib.sha256(data).hexdigest()
            assert sum(m["counts"][split].values()) == SMALL[split]
            assert m["files"][f"{split}.jsonl"]["records"] == len(data.splitlines())


def _records(out):
    return [json.loads(line) for p in sorted(out.rglob("*.jsonl"))
            for line in p.read_text(encoding="utf-8").splitlines()]


def test_built_corpora_are_isolated_across_splits_and_tracks(small_build):
    out, _ = small_build
    records = _records(out)
    assert leaks(records) == []
    for r in records:
        assert split_of(r["meta"]["skeleton"]) == r["split"]
    train = {r["meta"]["skeleton"] for r in records if r["split"] == "train"}
    held = {r["meta"]["skeleton"] for r in records if r["split"] != "train"}
    assert train and held and not train & held
    assert any(".h" in r["meta"]["template"] for r in records if r["split"] != "train")


def test_injected_leaks_are_caught(runic_corpus):
    records = [r for s in SPLITS for r in runic_corpus[s]]
    assert_isolated(records)
    test_record = copy.deepcopy(runic_corpus["test"][0])
    moved = dict(test_record, split="train", id="runic-train-999999")
    with pytest.raises(SplitLeak, match="occurs in several splits"):
        assert_isolated(records + [moved])
    heldout_template = copy.deepcopy(runic_corpus["train"][0])
    heldout_template["meta"]["template"] = "convert.h0"
    assert any("held-out template" in p for p in leaks([heldout_template]))
    wide = copy.deepcopy(runic_corpus["train"][0])
    wide["meta"]["skeleton"] = "[i!]"
    assert any("held-out dimension" in p for p in leaks([wide]))


def test_val_and_test_do_not_depend_on_train_size():
    small = plan("ascii", sizes_for("ascii", sizes={"train": 30}))
    big = plan("ascii", sizes_for("ascii", scale=3))
    assert small["test"] == big["test"] and small["val"] == big["val"]


def test_plan_shares_sizes_by_weight_and_caps_capacity():
    p = plan("general", sizes_for("general", scale=100))
    assert sum(p["train"].values()) == DEFAULT_TRAIN["general"] * 100
    assert p["train"]["contract_fields"] == 250
    assert sum(p["val"].values()) == 50 and sum(p["test"].values()) == 100
    with pytest.raises(BuildError, match="cannot supply"):
        _allocate(10, {"a": 1}, {"a": 5})


def test_unknown_split_size_is_rejected():
    with pytest.raises(ValueError, match="unknown split"):
        sizes_for("general", sizes={"dev": 3})


def test_program_families_build_the_same_bytes_in_another_process(tmp_path):
    """Nothing depends on hash randomisation or on the memo caches: a fresh interpreter with
    another PYTHONHASHSEED writes the same files."""
    import os
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from helix_corpus import build; "
            "build(('general', 'ascii', 'runic'), Path(sys.argv[1]), seed=4, "
            "sizes={'train': 30, 'val': 8, 'test': 12})")
    hashes = []
    for n, hashseed in enumerate(("1", "2")):
        out = tmp_path / str(n)
        env = dict(os.environ, PYTHONHASHSEED=hashseed)
        subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env)
        hashes.append({t: json.loads((out / t / "manifest.json").read_text())["files"]
                       for t in ("general", "ascii", "runic")})
    assert hashes[0] == hashes[1]
