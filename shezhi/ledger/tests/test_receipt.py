"""Offline receipts (c2sp.org/tlog-proof@v1): what a person keeps to prove their entry was logged."""

from __future__ import annotations

import pytest

from shezhi.ledger.errors import LedgerError, MalformedError, ProofError, SignatureError
from shezhi.ledger.receipt import HEADER, Receipt, make_receipt, verify_receipt
from shezhi.ledger.tiles import TileLog
from shezhi.ledger.witness import Witness

from .conftest import entry


@pytest.fixture
def cosigned(tmp_path, log_key, witness_key):
    d = tmp_path / "log"
    with TileLog(d, log_key[0], durable=False) as log:
        log.append([entry(i) for i in range(1000)])
        log.cosign({"w1": Witness(witness_key[0], [log_key[1]], tmp_path / "w")})
        proof = log.reader().inclusion_proof(777)
        return make_receipt(777, proof, log.signed_checkpoint(), extra=b"annual 2026")


def test_a_receipt_verifies_offline_with_the_public_keys(cosigned, log_key, witness_key):
    assert cosigned.startswith(HEADER + "\nextra ")
    signed = verify_receipt(cosigned, entry(777), [log_key[1]], [witness_key[1]], min_witnesses=1)
    assert signed.size == 1000
    assert Receipt.loads(cosigned).dumps() == cosigned


def test_a_receipt_does_not_prove_another_entry(cosigned, log_key):
    with pytest.raises(ProofError):
        verify_receipt(cosigned, entry(778), [log_key[1]])


def test_a_receipt_needs_the_witnesses_the_policy_asks_for(cosigned, log_key):
    with pytest.raises(SignatureError):
        verify_receipt(cosigned, entry(777), [log_key[1]], [], min_witnesses=1)


def test_an_altered_receipt_is_refused(cosigned, log_key):
    lines = cosigned.split("\n")
    for bad in (
        cosigned.replace("index 777", "index 776"),
        cosigned.replace("index 777", "index 0777"),
        cosigned.replace(HEADER, "c2sp.org/tlog-proof@v2"),
        "\n".join(lines[:3] + lines[4:]),  # a proof hash removed
        cosigned.replace("\n1000\n", "\n1001\n"),  # checkpoint edited
    ):
        with pytest.raises(LedgerError):
            verify_receipt(bad, entry(777), [log_key[1]])
    with pytest.raises(MalformedError):
        Receipt.loads("garbage")
