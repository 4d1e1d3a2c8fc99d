"""Offline receipts in the c2sp.org/tlog-proof@v1 format (files ending ``.tlog-proof``).

A receipt holds the entry's index, its inclusion proof and the signed (and cosigned)
checkpoint, so that a person or an auditor can check — years later, offline, with only the
public keys — that the entry was in the log the witnesses saw::

    c2sp.org/tlog-proof@v1
    [extra <base64>]
    index <n>
    <base64 hash>            (inclusion proof, leaf's sibling first)
    ...
    <blank line>
    <signed checkpoint, verbatim>

The entry itself is not in the receipt (tlog-proof leaves it to the application): the
holder keeps it beside the receipt, or passes it as ``extra`` when it carries nothing
personal (our entries carry no personal data by design).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from shezhi.ledger.checkpoint import SignedCheckpoint, open_checkpoint
from shezhi.ledger.errors import MalformedError
from shezhi.ledger.merkle import HASH_SIZE, leaf_hash, verify_inclusion
from shezhi.ledger.note import Verifier

HEADER = "c2sp.org/tlog-proof@v1"
_INDEX = re.compile(r"index (0|[1-9][0-9]{0,19})")


@dataclass(frozen=True)
class Receipt:
    index: int
    proof: tuple[bytes, ...]
    checkpoint: bytes  # the signed note, verbatim
    extra: bytes | None = None

    def dumps(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode())
        lines.append(f"index {self.index}")
        lines += [base64.b64encode(h).decode() for h in self.proof]
        return "\n".join(lines) + "\n\n" + self.checkpoint.decode()

    @classmethod
    def loads(cls, text: str | bytes) -> Receipt:
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                raise MalformedError("receipt is not UTF-8") from None
        head, sep, checkpoint = text.partition("\n\n")
        if not sep or not checkpoint:
            raise MalformedError("receipt: no blank line before the checkpoint")
        lines = head.split("\n")
        if lines[0] != HEADER:
            raise MalformedError(f"receipt: the first line is not {HEADER}")
        pos = 1
        extra = None
        if len(lines) > pos and lines[pos].startswith("extra "):
            try:
                extra = base64.b64decode(lines[pos][6:], validate=True)
            except binascii.Error:
                raise MalformedError("receipt: the extra line is not base64") from None
            pos += 1
        if len(lines) <= pos or not _INDEX.fullmatch(lines[pos]):
            raise MalformedError("receipt: no canonical 'index <n>' line")
        index = int(lines[pos][6:])
        proof = []
        for line in lines[pos + 1 :]:
            try:
                h = base64.b64decode(line, validate=True)
            except binascii.Error:
                raise MalformedError("receipt: a proof line is not base64") from None
            if len(h) != HASH_SIZE or base64.b64encode(h).decode() != line:
                raise MalformedError("receipt: a proof line is not a 32-byte hash in canonical base64")
            proof.append(h)
        if len(proof) > 63:
            raise MalformedError("receipt: more than 63 proof hashes")
        return cls(index, tuple(proof), checkpoint.encode(), extra)


def make_receipt(
    index: int, proof: Sequence[bytes], signed_checkpoint: bytes, extra: bytes | None = None
) -> str:
    return Receipt(index, tuple(proof), signed_checkpoint, extra).dumps()


def verify_receipt(
    receipt: str | bytes | Receipt,
    entry: bytes,
    log_keys: Sequence[Verifier],
    witness_keys: Sequence[Verifier] = (),
    *,
    min_witnesses: int = 0,
    origin: str | None = None,
) -> SignedCheckpoint:
    """The four steps of tlog-proof: leaf hash, log signature, cosignatures, inclusion.

    Returns the verified checkpoint; raises a :class:`~shezhi.ledger.errors.LedgerError`
    naming the failed step.
    """
    r = receipt if isinstance(receipt, Receipt) else Receipt.loads(receipt)
    signed = open_checkpoint(r.checkpoint, log_keys, witness_keys, origin=origin, min_witnesses=min_witnesses)
    verify_inclusion(r.index, signed.size, leaf_hash(entry), list(r.proof), signed.root)
    return signed
