"""A witness (c2sp.org/tlog-witness) that cosigns checkpoints (c2sp.org/tlog-cosignature v1).

The witness keeps, per log origin, the latest checkpoint it cosigned. A log submits
``old <size>``, a consistency proof from that size, a blank line and its new signed
checkpoint; the witness checks the log's signature, that ``old`` is the size it holds,
the consistency proof (or the equal root at equal size) and answers with a timestamped
Ed25519 cosignature line (key ID over type byte 0x04) — or refuses with the protocol's
status: 400 malformed, 403 bad signature, 404 unknown origin, 409 wrong old size (the body
is the size it holds), 422 inconsistent. Check and update happen under one file lock, so
two concurrent requests cannot roll the witness back. Validly signed but inconsistent
checkpoints are kept in ``evidence.log``: they prove the log misbehaved.

Command line::

    python -m shezhi.ledger.witness keygen witness.example/w1
    python -m shezhi.ledger.witness serve --state DIR --log VKEY [--log VKEY ...] [--port 7380]
    python -m shezhi.ledger.witness add --state DIR --log VKEY < request   # one request, offline

The witness key comes from ``$SHEZHI_WITNESS_KEY`` or the file named by
``$SHEZHI_WITNESS_KEY_FILE``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import fcntl
import hashlib
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from shezhi.ledger.checkpoint import Checkpoint
from shezhi.ledger.errors import LedgerError, MalformedError, ProofError, SignatureError
from shezhi.ledger.merkle import EMPTY_ROOT, HASH_SIZE, verify_consistency
from shezhi.ledger.note import (
    COSIGNATURE_V1,
    ED25519,
    Signer,
    Verifier,
    generate_key,
    load_verifier,
    open_note,
    signer_from_environment,
    split_note,
)

MAX_PROOF_LINES = 63
MAX_REQUEST_BYTES = 64 << 10
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")


class WitnessRefused(LedgerError):
    """The witness refuses a checkpoint; ``status`` is the tlog-witness HTTP status."""

    code = "witness"

    def __init__(
        self, status: int, message: str, *, body: bytes = b"", content_type: str = "text/plain"
    ) -> None:
        super().__init__(message, code=f"witness_{status}")
        self.status = status
        self.body = body or (message + "\n").encode()
        self.content_type = content_type


def add_checkpoint_request(old_size: int, proof: Sequence[bytes], signed_checkpoint: bytes) -> bytes:
    """The body of an add-checkpoint request."""
    lines = [f"old {old_size}\n", *(base64.b64encode(p).decode() + "\n" for p in proof), "\n"]
    return "".join(lines).encode() + signed_checkpoint


def parse_conflict(exc: WitnessRefused) -> int | None:
    """The witness's size from a 409 answer, else None."""
    if exc.status != 409:
        return None
    text = exc.body.decode("ascii", "replace").strip()
    return int(text) if _DECIMAL.fullmatch(text) else None


def parse_request(body: bytes) -> tuple[int, list[bytes], bytes]:
    """Split a request into (old size, proof, signed checkpoint); 400 when malformed."""
    if len(body) > MAX_REQUEST_BYTES:
        raise WitnessRefused(400, "request too large")
    head, sep, note = body.partition(b"\n\n")
    if not sep:
        raise WitnessRefused(400, "no blank line between the proof and the checkpoint")
    lines = head.decode("ascii", "replace").split("\n")
    m = re.fullmatch(r"old (0|[1-9][0-9]{0,19})", lines[0])
    if not m:
        raise WitnessRefused(400, "the first line must be 'old <size>'")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise WitnessRefused(400, f"more than {MAX_PROOF_LINES} proof lines")
    proof = []
    for line in lines[1:]:
        try:
            h = base64.b64decode(line, validate=True)
        except binascii.Error:
            raise WitnessRefused(400, "a proof line is not base64") from None
        if len(h) != HASH_SIZE:
            raise WitnessRefused(400, "a proof line is not a 32-byte hash")
        proof.append(h)
    return int(m.group(1)), proof, note


class Witness:
    """The witness state machine; ``add_checkpoint`` is the whole protocol."""

    def __init__(
        self, signer: Signer, log_keys: Iterable[Verifier], state_dir: str | os.PathLike[str]
    ) -> None:
        if signer.sig_type != COSIGNATURE_V1:
            raise MalformedError("a witness key must be a cosignature (type 0x04) key")
        self.signer = signer
        self.logs: dict[str, list[Verifier]] = {}
        for k in log_keys:
            if k.sig_type != ED25519:
                raise MalformedError(f"log key {k.name} is not an Ed25519 note key")
            self.logs.setdefault(k.name, []).append(k)
        self.state = Path(state_dir)
        self.state.mkdir(parents=True, exist_ok=True)

    def _state_path(self, origin: str) -> Path:
        return self.state / (hashlib.sha256(origin.encode()).hexdigest()[:32] + ".json")

    def latest(self, origin: str) -> dict | None:
        path = self._state_path(origin)
        return json.loads(path.read_text()) if path.exists() else None

    def _evidence(self, reason: str, body: bytes) -> None:
        with open(self.state / "evidence.log", "ab") as fh:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            fh.write(f"--- {stamp} {reason}\n".encode() + body + b"\n")

    def add_checkpoint(self, body: bytes, *, now: int | None = None) -> bytes:
        """Check a submission and return the cosignature line(s), or raise :class:`WitnessRefused`."""
        old, proof, raw = parse_request(body)
        try:
            text, _ = split_note(raw)
            cp = Checkpoint.parse(text.decode(), check_empty_root=False)
        except MalformedError as exc:
            raise WitnessRefused(400, f"malformed checkpoint: {exc}") from None
        keys = self.logs.get(cp.origin)
        if not keys:
            raise WitnessRefused(404, f"unknown log origin {cp.origin!r}")
        try:
            open_note(raw, keys)
        except (SignatureError, MalformedError) as exc:
            raise WitnessRefused(403, f"checkpoint signature: {exc}") from None
        if old > cp.size:
            raise WitnessRefused(400, f"old size {old} is larger than the checkpoint's size {cp.size}")
        lock = open(self.state / ".lock", "a+b")  # noqa: SIM115
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            state = self.latest(cp.origin)
            held = state["size"] if state else 0
            if old != held:
                raise WitnessRefused(
                    409,
                    f"witness holds size {held}",
                    body=f"{held}\n".encode(),
                    content_type="text/x.tlog.size",
                )
            if cp.size == 0 and cp.root != EMPTY_ROOT:
                raise WitnessRefused(422, "a checkpoint of size 0 must have the empty root")
            if state and state.get("frozen") and cp.size != held:
                self._evidence("growth after the final (frozen) checkpoint", body)
                raise WitnessRefused(422, f"the log was frozen at size {held}")
            if old == 0:
                if proof:
                    raise WitnessRefused(422, "a proof from size 0 must be empty")
            elif old == cp.size:
                if base64.b64decode(state["root"]) != cp.root or proof:
                    self._evidence(f"fork at size {old}", body)
                    raise WitnessRefused(422, f"fork: a different root for size {old}")
            else:
                try:
                    verify_consistency(old, cp.size, base64.b64decode(state["root"]), cp.root, proof)
                except ProofError as exc:
                    self._evidence(f"inconsistent with size {old}: {exc}", body)
                    raise WitnessRefused(422, f"consistency proof: {exc}") from None
            new_state = {
                "origin": cp.origin,
                "size": cp.size,
                "root": base64.b64encode(cp.root).decode(),
                "frozen": cp.frozen,
                "checkpoint": raw.decode(),
            }
            path = self._state_path(cp.origin)
            tmp = path.with_suffix(".tmp")
            with open(tmp, "w") as fh:
                json.dump(new_state, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
            lock.close()
        return self.signer.signature_line(text, timestamp=now).encode()

    __call__ = add_checkpoint


def http_witness_client(url: str, *, timeout: float = 30.0):
    """A client for a witness's add-checkpoint endpoint (``<url>/add-checkpoint``)."""

    def call(body: bytes) -> bytes:
        req = urllib.request.Request(url.rstrip("/") + "/add-checkpoint", data=body, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
                return resp.read(MAX_REQUEST_BYTES)
        except urllib.error.HTTPError as exc:
            raise WitnessRefused(exc.code, f"witness answered {exc.code}", body=exc.read(1024)) from None
        except (urllib.error.URLError, OSError) as exc:
            raise WitnessRefused(503, f"witness unreachable: {exc}") from None

    return call


def _handler(witness: Witness) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            if self.path.rstrip("/").rsplit("/", 1)[-1] != "add-checkpoint":
                self._send(404, b"not found\n")
                return
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 < length <= MAX_REQUEST_BYTES:
                self._send(400, b"bad length\n")
                return
            try:
                out = witness.add_checkpoint(self.rfile.read(length))
            except WitnessRefused as exc:
                self._send(exc.status, exc.body, exc.content_type)
                return
            self._send(200, out)

        def _send(self, status: int, body: bytes, ctype: str = "text/plain; charset=utf-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt: str, *args: object) -> None:
            sys.stderr.write("witness: " + fmt % args + "\n")

    return Handler


def _out(*parts: object) -> None:
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")


def _err(*parts: object) -> None:
    sys.stderr.write(" ".join(str(p) for p in parts) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m shezhi.ledger.witness", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    kg = sub.add_parser("keygen", help="print a new witness signer key and its verifier key")
    kg.add_argument("name")
    for name in ("serve", "add"):
        p = sub.add_parser(name)
        p.add_argument("--state", required=True, help="directory holding the latest checkpoint per log")
        p.add_argument("--log", action="append", required=True, help="a log's verifier key (repeat)")
        p.add_argument("--key-env", default="SHEZHI_WITNESS_KEY")
        if name == "serve":
            p.add_argument("--host", default="127.0.0.1")
            p.add_argument("--port", type=int, default=7380)
    args = ap.parse_args(argv)
    if args.cmd == "keygen":
        skey, vkey = generate_key(args.name, COSIGNATURE_V1)
        _out(skey)
        _out(vkey)
        return 0
    try:
        witness = Witness(
            signer_from_environment(args.key_env), [load_verifier(k) for k in args.log], args.state
        )
    except LedgerError as exc:
        _err(f"witness: {exc}")
        return 2
    if args.cmd == "add":
        try:
            sys.stdout.write(witness.add_checkpoint(sys.stdin.buffer.read()).decode())
        except WitnessRefused as exc:
            _err(f"witness: {exc.status} {exc}")
            return 1
        return 0
    server = ThreadingHTTPServer((args.host, args.port), _handler(witness))
    _out(f"witness {witness.signer.verifier.vkey} on http://{args.host}:{server.server_port}/add-checkpoint")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
