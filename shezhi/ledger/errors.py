"""Exceptions of the ledger: each says what failed and where (which tile, entry, hash, key).

Every error is a :class:`LedgerError` carrying a short machine ``code`` (stable, for the
Django side to map onto a translated message) and an English ``message`` naming the object
at fault. The library never returns a silent ``False`` for a failed check.
"""

from __future__ import annotations


class LedgerError(ValueError):
    """Base class of every error the ledger raises on bad input or a failed check."""

    code = "ledger"

    def __init__(self, message: str, *, code: str | None = None, where: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        #: The resource at fault, e.g. ``tile/0/x001/234`` or ``entry 70000``, when known.
        self.where = where


class MalformedError(LedgerError):
    """Input does not parse: a note, checkpoint, key string, proof file or tile is malformed."""

    code = "malformed"


class SignatureError(LedgerError):
    """No trusted signature verifies, or a signature from a trusted key fails to verify."""

    code = "signature"


class ProofError(LedgerError):
    """An inclusion or consistency proof does not verify."""

    code = "proof"


class ForkError(LedgerError):
    """Two signed views of the log cannot both be true: a rollback, a fork or a rewrite."""

    code = "fork"


class TamperError(LedgerError):
    """Stored tiles or entries disagree with the signed checkpoint."""

    code = "tamper"


class FrozenError(LedgerError):
    """The log was frozen (its year is over): nothing may be appended any more."""

    code = "frozen"


class EntryError(LedgerError):
    """An entry is refused before it is appended (too long, not canonical JSON)."""

    code = "entry"
