"""Fixtures of the ledger's tests: no database, no Django; keys made fresh per test session."""

from __future__ import annotations

import pytest

from shezhi.ledger.note import COSIGNATURE_V1, generate_key, load_signer, load_verifier
from shezhi.ledger.tiles import TileLog

ORIGIN = "ledger.test/eldercare/2026"


@pytest.fixture(scope="session")
def log_key():
    skey, vkey = generate_key(ORIGIN)
    return load_signer(skey), load_verifier(vkey)


@pytest.fixture(scope="session")
def witness_key():
    skey, vkey = generate_key("witness.test/w1", COSIGNATURE_V1)
    return load_signer(skey), load_verifier(vkey)


def entry(i: int) -> bytes:
    return b'{"event":"annual_certification","n":%d}' % i


@pytest.fixture
def make_log(tmp_path, log_key):
    """``make_log(n, batch=…)``: a log directory with entries 0..n-1 appended in batches."""

    def make(n: int, batch: int = 100, directory=None):
        directory = directory or tmp_path / "log"
        with TileLog(directory, log_key[0], durable=False) as log:
            for lo in range(0, n, batch):
                log.append([entry(i) for i in range(lo, min(n, lo + batch))])
        return directory

    return make
