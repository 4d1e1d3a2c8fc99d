"""C2SP tlog-checkpoint bodies, signed checkpoints, and the yearly log origin.

A checkpoint body is the origin line, the tree size (decimal, no leading zero), the base64
root hash, then optional extension lines. Our logs use one extension line, ``frozen``, on
the final checkpoint of a closed year (:meth:`shezhi.ledger.tiles.TileLog.freeze`); it is
inside the signed and cosigned text, so nobody can strip or add it without breaking the
signatures. (The spec allows extension lines and says monitors cannot audit their meaning;
ours only states that no later checkpoint will exist.)

>>> cp = Checkpoint("gov.example/eldercare/2026", 0, EMPTY_ROOT)
>>> print(cp.body(), end="")
gov.example/eldercare/2026
0
47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=
>>> Checkpoint.parse(cp.body()) == cp
True
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shezhi.ledger.errors import MalformedError, SignatureError
from shezhi.ledger.merkle import EMPTY_ROOT, HASH_SIZE
from shezhi.ledger.note import COSIGNATURE_V1, ED25519, Note, Signer, Verifier, open_note, sign_note

FROZEN = "frozen"
_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    @property
    def frozen(self) -> bool:
        return FROZEN in self.extensions

    def body(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str, *, check_empty_root: bool = True) -> Checkpoint:
        """Parse a checkpoint body strictly: three non-empty lines, then non-empty extensions."""
        if not text.endswith("\n"):
            raise MalformedError("checkpoint: the body does not end in a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3 or any(not line for line in lines):
            raise MalformedError("checkpoint: needs origin, size and root hash lines, none empty")
        origin, size, root_b64, *ext = lines
        if not _SIZE.fullmatch(size) or int(size) >= 1 << 63:
            raise MalformedError(f"checkpoint: tree size {size[:24]!r} is not a canonical decimal")
        try:
            root = base64.b64decode(root_b64, validate=True)
        except binascii.Error:
            raise MalformedError("checkpoint: the root hash is not base64") from None
        if len(root) != HASH_SIZE or base64.b64encode(root).decode() != root_b64:
            raise MalformedError("checkpoint: the root hash is not 32 bytes of canonical base64")
        if check_empty_root and int(size) == 0 and root != EMPTY_ROOT:
            raise MalformedError("checkpoint: a tree of size 0 must have the empty root")
        return cls(origin, int(size), root, tuple(ext))

    def sign(self, signer: Signer) -> bytes:
        return sign_note(self.body(), [signer])


@dataclass
class SignedCheckpoint:
    """A checkpoint whose log signature verified, with the witnesses whose cosignature verified."""

    checkpoint: Checkpoint
    note: Note
    raw: bytes
    witnesses: list[tuple[Verifier, int]]  # (cosigner, timestamp)

    @property
    def origin(self) -> str:
        return self.checkpoint.origin

    @property
    def size(self) -> int:
        return self.checkpoint.size

    @property
    def root(self) -> bytes:
        return self.checkpoint.root


def open_checkpoint(
    raw: bytes,
    log_keys: Iterable[Verifier],
    witness_keys: Iterable[Verifier] = (),
    *,
    origin: str | None = None,
    min_witnesses: int = 0,
) -> SignedCheckpoint:
    """Verify a signed checkpoint: a log key must sign it, cosignatures are counted.

    ``origin`` (if given) must match the first line; the log key's name must match the
    origin too (tlog-checkpoint: the key name SHOULD be the origin; we require it so that a
    key of one year's log cannot vouch for another year's). Unknown signatures are ignored;
    a failing signature by a known key rejects the whole note.
    """
    log_keys = [k for k in log_keys if k.sig_type == ED25519]
    witness_keys = [k for k in witness_keys if k.sig_type == COSIGNATURE_V1]
    note = open_note(raw, [*log_keys, *witness_keys])
    cp = Checkpoint.parse(note.text)
    if origin is not None and cp.origin != origin:
        raise SignatureError(f"checkpoint is for origin {cp.origin!r}, expected {origin!r}", code="origin")
    by_log = [v for v, _ in note.verified if v.sig_type == ED25519 and v.name == cp.origin]
    if not by_log:
        raise SignatureError(
            f"checkpoint for {cp.origin!r} carries no valid signature by that log's key", code="unsigned"
        )
    witnesses = [
        (v, int.from_bytes(sig.raw[:8], "big")) for v, sig in note.verified if v.sig_type == COSIGNATURE_V1
    ]
    if len(witnesses) < min_witnesses:
        raise SignatureError(
            f"checkpoint has {len(witnesses)} valid witness cosignature(s), policy requires {min_witnesses}",
            code="witnesses",
        )
    return SignedCheckpoint(cp, note, raw, witnesses)


def yearly_origin(host: str, year: int, app: str = "eldercare") -> str:
    """The origin of one year's log, ``<host>/<app>/<year>`` (schema-less, no space or plus)."""
    host = host.strip().removeprefix("https://").removeprefix("http://").rstrip("/")
    origin = f"{host}/{app}/{int(year)}"
    if not host or "+" in origin or any(c.isspace() for c in origin) or not 1970 <= int(year) <= 9999:
        raise MalformedError(f"origin {origin!r}: a host without spaces or '+', and a year, are needed")
    return origin


def origin_year(origin: str) -> int | None:
    """The year of a yearly origin, or None for an origin that does not end in one."""
    last = origin.rstrip("/").rsplit("/", 1)[-1]
    return int(last) if re.fullmatch(r"[12][0-9]{3}", last) else None


def year_is_over(origin: str, today: date) -> bool:
    """True once the year of a yearly origin has ended: the log should be frozen."""
    year = origin_year(origin)
    return year is not None and today.year > year
