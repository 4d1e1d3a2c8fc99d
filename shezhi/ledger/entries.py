"""Entries: at most 65,535 bytes (the bundle's 2-byte length), and canonical JSON for our logs.

Canonical JSON here is the JSON Canonicalization Scheme (RFC 8785) restricted to what log
entries need: objects with sorted keys, no insignificant whitespace, UTF-8 without escapes
beyond those JSON requires, integers only (no floats: their canonical text is a trap), no
duplicate keys. An entry is canonical when re-encoding its parse gives the same bytes.

>>> canonical_json({"b": 1, "a": "高龄认证"})
b'{"a":"\\xe9\\xab\\x98\\xe9\\xbe\\x84\\xe8\\xae\\xa4\\xe8\\xaf\\x81","b":1}'
>>> require_canonical_json(b'{"b":1, "a":2}')
Traceback (most recent call last):
...
shezhi.ledger.errors.EntryError: entry is not canonical JSON (keys sorted, no spaces, integers only)
"""

from __future__ import annotations

import json
from typing import Any

from shezhi.ledger.errors import EntryError

MAX_ENTRY_BYTES = 0xFFFF


def check_length(data: bytes) -> None:
    if len(data) > MAX_ENTRY_BYTES:
        raise EntryError(f"entry of {len(data)} bytes is longer than {MAX_ENTRY_BYTES}", code="too_long")


def _no_float(value: str) -> Any:
    raise EntryError("entry holds a floating-point number; use integers or strings", code="float")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise EntryError(f"entry repeats the key {key[:40]!r}", code="duplicate_key")
        out[key] = value
    return out


def canonical_json(obj: Any) -> bytes:
    """The canonical bytes of ``obj`` (sorted keys, compact, UTF-8); refuses floats and long entries."""
    data = json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()
    require_canonical_json(data)
    return data


def require_canonical_json(data: bytes) -> Any:
    """Parse ``data`` and raise :class:`EntryError` unless it is exactly its canonical form."""
    check_length(data)
    try:
        obj = json.loads(
            data.decode("utf-8"),
            parse_float=_no_float,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_float,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, EntryError):
            raise
        raise EntryError("entry is not UTF-8 JSON", code="not_json") from None
    again = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    if again != data:
        raise EntryError(
            "entry is not canonical JSON (keys sorted, no spaces, integers only)", code="not_canonical"
        )
    return obj
