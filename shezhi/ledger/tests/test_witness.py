"""The witness (c2sp.org/tlog-witness): cosigns consistent growth, refuses rollbacks and forks."""

from __future__ import annotations

import base64
import shutil
import struct
import threading
from http.server import ThreadingHTTPServer

import pytest

from shezhi.ledger.checkpoint import open_checkpoint
from shezhi.ledger.merkle import MemoryTree
from shezhi.ledger.note import generate_key, load_signer, load_verifier, split_note
from shezhi.ledger.tiles import TileLog
from shezhi.ledger.witness import (
    Witness,
    WitnessRefused,
    _handler,
    add_checkpoint_request,
    http_witness_client,
)

from .conftest import ORIGIN, entry


@pytest.fixture
def witness(tmp_path, log_key, witness_key):
    return Witness(witness_key[0], [log_key[1]], tmp_path / "witness")


def _checkpoint(log_key, n, leaves=None):
    tree = MemoryTree(leaves if leaves is not None else [entry(i) for i in range(n)])
    from shezhi.ledger.checkpoint import Checkpoint

    return tree, Checkpoint(ORIGIN, n, tree.root(n)).sign(log_key[0])


def test_it_cosigns_in_the_cosignature_v1_format(witness, log_key, witness_key):
    _, note = _checkpoint(log_key, 5)
    line = witness.add_checkpoint(add_checkpoint_request(0, [], note), now=1679315147)
    # The spec's signed message: "cosignature/v1\ntime <ts>\n" + the checkpoint body.
    _, sigs = split_note(b"x\n\n" + line)
    (sig,) = sigs
    assert sig.name == "witness.test/w1"
    assert sig.key_id == witness_key[1].key_id
    assert struct.unpack(">Q", sig.raw[:8])[0] == 1679315147
    body = note.split(b"\n\n")[0] + b"\n"
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    Ed25519PublicKey.from_public_bytes(witness_key[1].public_key).verify(
        sig.raw[8:], b"cosignature/v1\ntime 1679315147\n" + body
    )
    signed = open_checkpoint(note + line, [log_key[1]], [witness_key[1]], min_witnesses=1)
    assert signed.witnesses[0][1] == 1679315147


def test_it_follows_consistent_growth(witness, log_key):
    tree, note5 = _checkpoint(log_key, 5)
    witness.add_checkpoint(add_checkpoint_request(0, [], note5))
    tree9, note9 = _checkpoint(log_key, 9)
    witness.add_checkpoint(add_checkpoint_request(5, tree9.consistency_proof(5, 9), note9))
    assert witness.latest(ORIGIN)["size"] == 9
    witness.add_checkpoint(add_checkpoint_request(9, [], note9))  # same tree again is fine


def test_it_answers_409_with_its_size_when_old_does_not_match(witness, log_key):
    _, note5 = _checkpoint(log_key, 5)
    witness.add_checkpoint(add_checkpoint_request(0, [], note5))
    _, note9 = _checkpoint(log_key, 9)
    with pytest.raises(WitnessRefused) as exc:
        witness.add_checkpoint(add_checkpoint_request(0, [], note9))
    assert exc.value.status == 409
    assert exc.value.body == b"5\n"
    assert exc.value.content_type == "text/x.tlog.size"


def test_it_refuses_a_rollback(witness, log_key):
    tree9, note9 = _checkpoint(log_key, 9)
    witness.add_checkpoint(add_checkpoint_request(0, [], note9))
    _, note5 = _checkpoint(log_key, 5)
    with pytest.raises(WitnessRefused) as exc:
        witness.add_checkpoint(add_checkpoint_request(9, [], note5))
    assert exc.value.status == 400
    assert witness.latest(ORIGIN)["size"] == 9


def test_it_refuses_a_fork_at_the_same_size_and_keeps_the_evidence(witness, log_key, tmp_path):
    _, note5 = _checkpoint(log_key, 5)
    witness.add_checkpoint(add_checkpoint_request(0, [], note5))
    _, forked = _checkpoint(log_key, 5, [b"{}"] * 5)
    with pytest.raises(WitnessRefused) as exc:
        witness.add_checkpoint(add_checkpoint_request(5, [], forked))
    assert exc.value.status == 422
    assert "fork" in str(exc.value)
    assert b"fork at size 5" in (tmp_path / "witness" / "evidence.log").read_bytes()


def test_it_refuses_an_inconsistent_extension(witness, log_key):
    _, note5 = _checkpoint(log_key, 5)
    witness.add_checkpoint(add_checkpoint_request(0, [], note5))
    forked, note9 = _checkpoint(log_key, 9, [b"{}"] + [entry(i) for i in range(1, 9)])
    with pytest.raises(WitnessRefused) as exc:
        witness.add_checkpoint(add_checkpoint_request(5, forked.consistency_proof(5, 9), note9))
    assert exc.value.status == 422
    assert witness.latest(ORIGIN)["size"] == 5


def test_it_refuses_unknown_logs_and_bad_signatures(witness, log_key):
    other = load_signer(generate_key("other.test/log")[0])
    from shezhi.ledger.checkpoint import Checkpoint

    note = Checkpoint("other.test/log", 1, MemoryTree([b"a"]).root()).sign(other)
    with pytest.raises(WitnessRefused) as exc:
        witness.add_checkpoint(add_checkpoint_request(0, [], note))
    assert exc.value.status == 404
    impostor = load_signer(generate_key(ORIGIN)[0])
    note = Checkpoint(ORIGIN, 1, MemoryTree([b"a"]).root()).sign(impostor)
    with pytest.raises(WitnessRefused) as exc:
        witness.add_checkpoint(add_checkpoint_request(0, [], note))
    assert exc.value.status == 403
    _, good = _checkpoint(log_key, 3)
    with pytest.raises(WitnessRefused) as exc:
        witness.add_checkpoint(b"old 0\nnot-base64!\n\n" + good)
    assert exc.value.status == 400
    with pytest.raises(WitnessRefused) as exc:
        witness.add_checkpoint(add_checkpoint_request(0, [b"\0" * 32], good))
    assert exc.value.status == 422


def test_it_refuses_growth_after_the_final_checkpoint(witness, log_key, tmp_path):
    d = tmp_path / "log"
    with TileLog(d, log_key[0], durable=False) as log:
        log.append([entry(0)])
        log.freeze()
        assert log.cosign({"w": witness}) == ["w"]
    shutil.rmtree(d)
    with TileLog(d, log_key[0], durable=False) as log:
        log.append([entry(0), entry(1)])
        assert log.cosign({"w": witness}) == []


def test_the_log_publishes_the_cosignatures_on_its_checkpoint(tmp_path, log_key, witness_key, witness):
    d = tmp_path / "log"
    with TileLog(d, log_key[0], durable=False) as log:
        log.append([entry(i) for i in range(300)])
        assert log.cosign({"w1": witness}) == ["w1"]
    with TileLog(d, log_key[0], durable=False) as log:  # a fresh process: 409, then the right proof
        log.append([entry(300)])
        assert log.cosign({"w1": witness}) == ["w1"]
    raw = (d / "checkpoint").read_bytes()
    signed = open_checkpoint(raw, [log_key[1]], [witness_key[1]], min_witnesses=1)
    assert signed.size == 301
    assert len(signed.witnesses) == 1
    assert raw.count("\u2014".encode()) == 2


def test_the_http_witness_speaks_the_protocol(tmp_path, log_key, witness_key, witness):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(witness))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        client = http_witness_client(f"http://127.0.0.1:{server.server_port}")
        d = tmp_path / "log"
        with TileLog(d, log_key[0], durable=False) as log:
            log.append([entry(0), entry(1)])
            assert log.cosign({"w1": client}) == ["w1"]
        with pytest.raises(WitnessRefused) as exc:
            client(b"old 1\n\n" + (d / "checkpoint").read_bytes())
        assert exc.value.status == 409
        assert exc.value.body == b"2\n"
    finally:
        server.shutdown()
        server.server_close()
    assert base64.b64decode(witness.latest(ORIGIN)["root"]) == MemoryTree([entry(0), entry(1)]).root()
    assert load_verifier(witness_key[1].vkey) == witness_key[1]


def test_an_unreachable_witness_leaves_the_checkpoint_signed_by_the_log_alone(tmp_path, log_key):
    d = tmp_path / "log"
    with TileLog(d, log_key[0], durable=False) as log:
        log.append([entry(0)])
        assert log.cosign({"down": http_witness_client("http://127.0.0.1:9", timeout=2)}) == []
    assert open_checkpoint((d / "checkpoint").read_bytes(), [log_key[1]]).witnesses == []
