"""Tampering with a log on disk, forks, rollbacks and forged checkpoints: the verifier names each.

Every test edits, deletes or reorders stored bytes directly (as an administrator with shell
access could) and checks that the verifier reports the exact entry, tile or checkpoint.
"""

from __future__ import annotations

import base64
import json
import shutil

import pytest

from shezhi.ledger.checkpoint import Checkpoint
from shezhi.ledger.errors import ProofError
from shezhi.ledger.merkle import MemoryTree, leaf_hash, verify_inclusion
from shezhi.ledger.note import generate_key, load_signer, sign_note
from shezhi.ledger.tiles import DirectorySource, TileLog, decode_bundle, encode_bundle
from shezhi.ledger.verify import verify_log

from .conftest import ORIGIN, entry

N = 1000  # three full tiles (768 entries) and a partial of 232


def _verify(d, log_key, **kw):
    return verify_log(DirectorySource(d), [log_key[1]], full=True, **kw)


def _one(report):
    assert not report.ok
    return report.failures[0]


def test_an_untouched_log_verifies(make_log, log_key):
    d = make_log(N)
    report = _verify(d, log_key, index=500)
    assert report.ok, report.lines()
    assert any("entry 500 is in the tree" in line for line in report.lines())


def test_an_edited_entry_is_named(make_log, log_key):
    d = make_log(N)
    path = d / "tile/entries/001"
    entries = decode_bundle(path.read_bytes(), 256, "x")
    entries[44] = entries[44].replace(b"annual", b"passive")
    path.write_bytes(encode_bundle(entries))
    report = _verify(d, log_key)
    failure = _one(report)
    assert failure.where == "entry 300"
    assert "entry 300 (tile/entries/001 #44) hashes to" in str(failure)
    assert "tile/0/001 holds" in str(failure)
    # and the entry's own inclusion check fails, naming it
    report = verify_log(DirectorySource(d), [log_key[1]], index=300)
    assert report.failures[0].where == "entry 300"


def test_an_edited_entry_in_the_partial_bundle_is_named(make_log, log_key):
    d = make_log(N)
    path = d / "tile/entries/003.p/232"
    entries = decode_bundle(path.read_bytes(), 232, "x")
    entries[0] = b"{}"
    path.write_bytes(encode_bundle(entries))
    assert _one(_verify(d, log_key)).where == "entry 768"


def test_a_deleted_entry_is_named(make_log, log_key):
    d = make_log(N)
    path = d / "tile/entries/000"
    entries = decode_bundle(path.read_bytes(), 256, "x")
    del entries[10]
    path.write_bytes(encode_bundle(entries))
    failure = _one(_verify(d, log_key))
    assert failure.where == "tile/entries/000"
    assert "holds 255 entries, the checkpoint needs 256" in str(failure)


def test_reordered_entries_are_named(make_log, log_key):
    d = make_log(N)
    path = d / "tile/entries/002"
    entries = decode_bundle(path.read_bytes(), 256, "x")
    entries[3], entries[9] = entries[9], entries[3]
    path.write_bytes(encode_bundle(entries))
    failure = _one(_verify(d, log_key))
    assert failure.code == "reordered"
    assert "entries [515, 521] in tile/entries/002 are reordered" in str(failure)


def test_an_edited_tile_is_named(make_log, log_key):
    d = make_log(N)
    path = d / "tile/0/001"
    data = bytearray(path.read_bytes())
    data[32 * 7] ^= 0x80
    path.write_bytes(bytes(data))
    failure = _one(_verify(d, log_key))
    assert failure.where == "tile/0/001"
    assert "altered at position(s) [7]" in str(failure)


def test_an_edited_tile_one_level_up_is_named(make_log, log_key):
    d = make_log(N)
    path = d / "tile/1/000.p/3"
    data = bytearray(path.read_bytes())
    data[40] ^= 1
    path.write_bytes(bytes(data))
    failures = _verify(d, log_key).failures
    assert failures[0].where == "tile/0/001"
    assert "tile/1/000.p/3 #1 holds" in str(failures[0])


def test_a_deleted_tile_is_named(make_log, log_key):
    d = make_log(N)
    (d / "tile/0/002").unlink()
    failure = _one(_verify(d, log_key))
    assert failure.code == "missing"
    assert failure.where == "tile/0/002"


def test_a_truncated_tile_is_named(make_log, log_key):
    d = make_log(N)
    path = d / "tile/0/000"
    path.write_bytes(path.read_bytes()[:-1])
    failure = _one(_verify(d, log_key))
    assert failure.where == "tile/0/000"
    assert "8191 bytes" in str(failure)


def test_a_consistent_rewrite_under_the_signed_root_is_caught(make_log, log_key, tmp_path):
    # Rewrite entry 5 and recompute every tile above it: only the signed root still disagrees.
    d = make_log(N)
    other = tmp_path / "other"
    with TileLog(other, load_signer(generate_key(ORIGIN)[0]), durable=False) as log:
        log.append([entry(i) if i != 5 else b"{}" for i in range(N)])
    for sub in ("tile",):
        shutil.rmtree(d / sub)
        shutil.copytree(other / sub, d / sub)
    failure = _one(_verify(d, log_key))
    assert failure.where == "checkpoint"
    assert "the tiles give root" in str(failure)


def test_an_honest_append_is_consistent_with_what_the_verifier_saw(make_log, log_key, tmp_path):
    d = make_log(N)
    state = tmp_path / "state.json"
    assert _verify(d, log_key, state_path=state).ok
    with TileLog(d, log_key[0], durable=False) as log:
        log.append([entry(i) for i in range(N, N + 500)])
    report = _verify(d, log_key, state_path=state)
    assert report.ok, report.lines()
    assert any(f"consistent with size {N}" in line for line in report.lines())
    assert json.loads(state.read_text())[ORIGIN]["size"] == N + 500


def test_a_rewritten_history_resigned_by_the_log_is_reported_as_a_fork(make_log, log_key, tmp_path):
    d = make_log(N)
    state = tmp_path / "state.json"
    assert _verify(d, log_key, state_path=state).ok
    # The operator (who holds the key) rebuilds the log with entry 10 changed and more entries.
    shutil.rmtree(d)
    with TileLog(d, log_key[0], durable=False) as log:
        log.append([entry(i) if i != 10 else b"{}" for i in range(N + 50)])
    report = _verify(d, log_key, state_path=state)
    failure = _one(report)
    assert failure.code == "fork"
    assert f"the first {N} entries now give root" in str(failure)
    assert json.loads(state.read_text())[ORIGIN]["size"] == N  # state not advanced


def test_a_stale_checkpoint_is_a_rollback(make_log, log_key, tmp_path):
    d = make_log(N)
    old = (d / "checkpoint").read_bytes()
    with TileLog(d, log_key[0], durable=False) as log:
        log.append([entry(N)])
    state = tmp_path / "state.json"
    assert _verify(d, log_key, state_path=state).ok
    (d / "checkpoint").write_bytes(old)  # serve the older, smaller (validly signed) checkpoint
    failure = _one(_verify(d, log_key, state_path=state))
    assert failure.code == "fork"
    assert "rollback" in str(failure)
    assert f"now only {N}" in str(failure)


def test_same_size_other_root_is_a_fork(make_log, log_key, tmp_path):
    d = make_log(N)
    state = tmp_path / "state.json"
    assert _verify(d, log_key, state_path=state).ok
    shutil.rmtree(d)
    with TileLog(d, log_key[0], durable=False) as log:
        log.append([b"{}"] * N)
    failure = _one(_verify(d, log_key, state_path=state))
    assert failure.code == "fork"
    assert f"size {N} had root" in str(failure)


def test_growth_after_the_final_checkpoint_is_reported(tmp_path, log_key):
    d = tmp_path / "log"
    with TileLog(d, log_key[0], durable=False) as log:
        log.append([entry(0)])
        log.freeze()
    state = tmp_path / "state.json"
    report = _verify(d, log_key, state_path=state)
    assert report.ok
    assert "FROZEN" in report.lines()[0]
    # Someone strips the marker and keeps appending (with the log's key).
    shutil.rmtree(d)
    with TileLog(d, log_key[0], durable=False) as log:
        log.append([entry(0), entry(1)])
    failure = _one(_verify(d, log_key, state_path=state))
    assert failure.code == "fork"
    assert "frozen at size 1" in str(failure)


def test_a_checkpoint_signed_by_an_unknown_key_is_refused(make_log, log_key):
    d = make_log(10)
    stranger = load_signer(generate_key(ORIGIN)[0])  # same name, different key
    cp = Checkpoint.parse((d / "checkpoint").read_text().split("\n\n")[0] + "\n")
    (d / "checkpoint").write_bytes(cp.sign(stranger))
    failure = _one(_verify(d, log_key))
    assert failure.code == "unsigned"
    assert failure.where == "checkpoint"


def test_a_forged_checkpoint_is_refused(make_log, log_key):
    d = make_log(10)
    text = (d / "checkpoint").read_text()
    forged = text.replace("\n10\n", "\n11\n", 1)
    (d / "checkpoint").write_text(forged)
    failure = _one(_verify(d, log_key))
    assert failure.code == "signature"
    assert "invalid signature for key" in str(failure)


def test_a_checkpoint_for_another_origin_is_refused(make_log, log_key):
    d = make_log(10)
    report = verify_log(DirectorySource(d), [log_key[1]], origin="ledger.test/eldercare/2025")
    assert _one(report).code == "origin"


def test_a_non_canonical_checkpoint_is_refused(make_log, log_key):
    d = make_log(10)
    signer = log_key[0]
    for body in (f"{ORIGIN}\n010\n", f"{ORIGIN}\n10\n\n", f"{ORIGIN}\n+10\n"):
        root = base64.b64encode(MemoryTree([entry(i) for i in range(10)]).root()).decode()
        text = body if body.endswith("\n\n") else body + root + "\n"
        try:
            raw = sign_note(text, [signer])
        except Exception:  # noqa: BLE001 - a note the signer itself refuses is refused too
            continue
        (d / "checkpoint").write_bytes(raw)
        assert _one(_verify(d, log_key)).code == "malformed"


def test_a_proof_for_a_different_tree_size_is_refused(make_log, log_key):
    d = make_log(N)
    with TileLog(d, log_key[0], durable=False) as log:
        proof_old = log.reader().inclusion_proof(100)
        log.append([entry(N)])
        root = log.root
    with pytest.raises(ProofError):
        verify_inclusion(100, N + 1, leaf_hash(entry(100)), proof_old, root)


def test_the_entry_must_match_the_holders_copy(make_log, log_key):
    d = make_log(20)
    report = verify_log(DirectorySource(d), [log_key[1]], index=3, entry=entry(4))
    assert _one(report).where == "entry 3"
    assert verify_log(DirectorySource(d), [log_key[1]], index=3, entry=entry(3)).ok


def test_an_unknown_witness_key_is_ignored_but_a_quorum_is_enforced(make_log, log_key, witness_key):
    d = make_log(5)
    report = verify_log(DirectorySource(d), [log_key[1]], [witness_key[1]], min_witnesses=1)
    assert _one(report).code == "witnesses"
    assert verify_log(DirectorySource(d), [log_key[1]], [witness_key[1]]).ok


def test_the_auditor_can_require_canonical_entries(tmp_path, log_key):
    from shezhi.ledger.entries import require_canonical_json

    d = tmp_path / "log"
    with TileLog(d, log_key[0], validate=None, durable=False) as log:  # a log that did not check its entries
        log.append([entry(0), b'{"b":1, "a":2}', entry(2)])
    assert _verify(d, log_key).ok
    failure = _one(_verify(d, log_key, entry_check=require_canonical_json))
    assert failure.where == "entry 1"
    assert failure.code == "not_canonical"
