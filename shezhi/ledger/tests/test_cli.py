"""The command-line tools, run as an outsider would: the verifier over a directory and over HTTP."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from shezhi.ledger.receipt import make_receipt
from shezhi.ledger.tiles import TileLog, decode_bundle, encode_bundle
from shezhi.ledger.witness import Witness, add_checkpoint_request

from .conftest import entry

ROOT = Path(__file__).resolve().parents[3]


def run(*args, stdin=None, env=None):
    full_env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=full_env,
        cwd=ROOT,
        timeout=120,
    )


@pytest.fixture
def served(tmp_path, log_key, witness_key):
    d = tmp_path / "log"
    with TileLog(d, log_key[0], durable=False) as log:
        log.append([entry(i) for i in range(600)])
        log.cosign({"w1": Witness(witness_key[0], [log_key[1]], tmp_path / "w")})
    handler = functools.partial(_QuietHandler, directory=str(d))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield d, f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_the_verifier_checks_a_directory_and_a_url(served, log_key, witness_key, tmp_path):
    d, url = served
    state = tmp_path / "state.json"
    for where in (str(d), url):
        out = run(
            "-m",
            "shezhi.ledger.verify",
            "--key",
            log_key[1].vkey,
            "--witness-key",
            witness_key[1].vkey,
            "--min-witnesses",
            "1",
            "--url",
            where,
            "--index",
            "599",
            "--state",
            str(state),
            "--full",
        )
        assert out.returncode == 0, out.stdout + out.stderr
        assert "OK entry 599 is in the tree of size 600" in out.stdout
        assert "cosigned by witness.test/w1" in out.stdout
        assert "OK audit: 600 entries" in out.stdout
    assert "same tree as seen" in out.stdout


def test_the_verifier_names_tampering_over_http_and_exits_1(served, log_key):
    d, url = served
    path = d / "tile/entries/001"
    entries = decode_bundle(path.read_bytes(), 256, "x")
    entries[0] = b"{}"
    path.write_bytes(encode_bundle(entries))
    out = run("-m", "shezhi.ledger.verify", "--key", log_key[1].vkey, "--url", url, "--full")
    assert out.returncode == 1
    assert "FAIL [tamper] entry 256: entry 256 (tile/entries/001 #0) hashes to" in out.stdout


def test_the_verifier_reports_growth_and_rollback_with_its_state(served, log_key, tmp_path):
    d, url = served
    state = tmp_path / "state.json"
    old = (d / "checkpoint").read_bytes()
    with TileLog(d, log_key[0], durable=False) as log:
        log.append([entry(600)])
    assert (
        run(
            "-m", "shezhi.ledger.verify", "--key", log_key[1].vkey, "--url", url, "--state", str(state)
        ).returncode
        == 0
    )
    (d / "checkpoint").write_bytes(old)
    out = run("-m", "shezhi.ledger.verify", "--key", log_key[1].vkey, "--url", url, "--state", str(state))
    assert out.returncode == 1
    assert "FAIL [fork] checkpoint: rollback" in out.stdout


def test_the_verifier_checks_a_receipt_offline(served, log_key, witness_key, tmp_path):
    d, _ = served
    with TileLog(d, log_key[0], durable=False) as log:
        receipt = make_receipt(42, log.reader().inclusion_proof(42), log.signed_checkpoint())
    (tmp_path / "r.tlog-proof").write_text(receipt)
    (tmp_path / "mine.json").write_bytes(entry(42))
    (tmp_path / "other.json").write_bytes(entry(43))
    args = [
        "-m",
        "shezhi.ledger.verify",
        "--key",
        log_key[1].vkey,
        "--witness-key",
        witness_key[1].vkey,
        "--min-witnesses",
        "1",
        "--receipt",
        str(tmp_path / "r.tlog-proof"),
    ]
    ok = run(*args, "--entry-file", str(tmp_path / "mine.json"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "OK receipt" in ok.stdout
    bad = run(*args, "--entry-file", str(tmp_path / "other.json"))
    assert bad.returncode == 1
    assert "FAIL [proof]" in bad.stdout


def test_the_verifier_exits_2_when_it_cannot_run(log_key):
    assert run("-m", "shezhi.ledger.verify", "--key", "not-a-key", "--url", ".").returncode == 2
    out = run("-m", "shezhi.ledger.verify", "--key", log_key[1].vkey, "--url", "http://127.0.0.1:9/")
    assert out.returncode == 2


def test_the_witness_command(tmp_path, log_key):
    out = run("-m", "shezhi.ledger.witness", "keygen", "witness.test/cli")
    skey, vkey = out.stdout.split()
    assert skey.startswith("PRIVATE+KEY+witness.test/cli+")
    assert vkey.startswith("witness.test/cli+")
    d = tmp_path / "log"
    with TileLog(d, log_key[0], durable=False) as log:
        log.append([entry(0)])
        note = log.signed_checkpoint()
    args = ["-m", "shezhi.ledger.witness", "add", "--state", str(tmp_path / "w"), "--log", log_key[1].vkey]
    key_file = tmp_path / "witness.key"
    key_file.write_text(skey + "\n")
    out = run(
        *args,
        stdin=add_checkpoint_request(0, [], note).decode(),
        env={"SHEZHI_WITNESS_KEY_FILE": str(key_file)},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("\u2014 witness.test/cli ")
    out = run(*args, stdin=add_checkpoint_request(0, [], note).decode(), env={"SHEZHI_WITNESS_KEY": skey})
    assert out.returncode == 1
    assert "409" in out.stderr


class _GzipHandler(_QuietHandler):
    """Serves every file gzip-encoded, as tlog-tiles lets a log do for bundles."""

    def do_GET(self):  # noqa: N802
        import gzip

        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        body = gzip.compress(path.read_bytes())
        self.send_response(200)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_the_verifier_reads_gzip_encoded_tiles(served, log_key):
    from shezhi.ledger.tiles import HttpSource
    from shezhi.ledger.verify import verify_log

    d, _ = served
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_GzipHandler, directory=str(d)))
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        report = verify_log(
            HttpSource(f"http://127.0.0.1:{server.server_port}"), [log_key[1]], index=7, full=True
        )
    finally:
        server.shutdown()
        server.server_close()
    assert report.ok, report.lines()
