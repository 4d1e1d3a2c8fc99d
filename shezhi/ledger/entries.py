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
    raise EntryError("entry holds a floating-point number or NaN; use integers or strings", code="float")


# One decoder and one encoder for all entries (the C scanner and encoder; only a float or a
# NaN calls back into Python). A repeated key needs no hook: the re-encoded object has the
# key once, so its bytes differ and the entry is refused as not canonical.
_DECODER = json.JSONDecoder(parse_float=_no_float, parse_constant=_no_float)
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(obj: Any) -> bytes:
    """The canonical bytes of ``obj`` (sorted keys, compact, UTF-8); refuses floats and long entries."""
    if _has_float(obj):
        _no_float("")
    data = _ENCODER.encode(obj).encode()
    require_canonical_json(data)
    return data


def _has_float(obj: Any) -> bool:
    if isinstance(obj, float):
        return True
    if isinstance(obj, dict):
        return any(_has_float(v) for v in obj.values())
    if isinstance(obj, list | tuple):
        return any(_has_float(v) for v in obj)
    return False


def require_canonical_json(data: bytes) -> Any:
    """Parse ``data`` and raise :class:`EntryError` unless it is exactly its canonical form."""
    check_length(data)
    try:
        obj = _DECODER.decode(data.decode("utf-8"))
    except EntryError:
        raise
    except (UnicodeDecodeError, ValueError):
        raise EntryError("entry is not UTF-8 JSON", code="not_json") from None
    if _ENCODER.encode(obj).encode() != data:
        raise EntryError(
            "entry is not canonical JSON (keys sorted, no spaces, integers only)", code="not_canonical"
        )
    return obj
