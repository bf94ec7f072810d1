"""The repository carries its own copy of the specification (``spec/HLX-SPEC.md``) and of its
conformance vectors (``spec/vectors/*.jsonl``); every test reads the copy.  ``../shared/spec``
beside the checkout is upstream.
"""

from __future__ import annotations

from pathlib import Path

from spec_vectors import ROOT, SPEC_DIR, VECTORS_DIR, vectors

UPSTREAM = ROOT.parent / "shared" / "spec"


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_copy_is_complete():
    names = set(_files(SPEC_DIR))
    assert "HLX-SPEC.md" in names
    for name in ("values", "invalid", "normalize", "hashes", "programs", "program_errors"):
        assert f"vectors/{name}.jsonl" in names
        assert vectors(name), name
    assert (VECTORS_DIR / "values.jsonl").is_file()


def test_the_copy_is_identical_to_upstream_when_upstream_is_beside_the_checkout():
    """When ``../shared/spec`` exists, ``spec/`` must hold exactly the same files, byte for byte,
    so that a later edition of the specification or its vectors is noticed (copy it over and
    fix what the vectors then catch).  In a clone without ``../shared`` there is nothing to
    compare against, and this test is a plain pass."""
    if not UPSTREAM.is_dir():
        return
    ours, theirs = _files(SPEC_DIR), _files(UPSTREAM)
    assert sorted(ours) == sorted(theirs), "spec/ and ../shared/spec hold different files"
    changed = [name for name in theirs if ours[name] != theirs[name]]
    assert not changed, f"spec/ differs from ../shared/spec in {changed}: copy the new edition"
