"""The eldercare side of the transparency log: one log per year, written by the one sequencer.

The log itself is :mod:`shezhi.ledger` (no Django). This module supplies what Django knows:
where each year's directory lies, the year's signing key (from the environment; generated
under ``var/`` only outside production), the district's witness, and the canonical entries.

Entries carry no personal data: a salted commitment to the person, the area code, the
event, the rule version, the signal entries relied on, the time and the actor's role.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from shezhi.ledger import checkpoint as ledger_checkpoint
from shezhi.ledger import note as ledger_note
from shezhi.ledger.entries import canonical_json
from shezhi.ledger.errors import MalformedError
from shezhi.ledger.receipt import make_receipt
from shezhi.ledger.tiles import DirectorySource, TileLog, TileReader, open_source
from shezhi.ledger.verify import Report, verify_log
from shezhi.ledger.witness import Witness, http_witness_client

ENTRY_VERSION = 1
WITNESS_NAME = "witness.district.example/eldercare"


# ------------------------------------------------------------------------------ places
def log_root() -> Path:
    return Path(getattr(settings, "ELDERCARE_LOG_DIR", settings.VAR_DIR / "eldercare-log"))


def log_dir(year: int) -> Path:
    return log_root() / str(int(year))


def key_dir() -> Path:
    path = Path(getattr(settings, "ELDERCARE_KEY_DIR", settings.VAR_DIR / "eldercare-keys"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def host() -> str:
    return getattr(settings, "ELDERCARE_LOG_HOST", os.environ.get("SHEZHI_LOG_HOST", "shezhi.localhost"))


def origin(year: int) -> str:
    return ledger_checkpoint.yearly_origin(host(), year)


def durable() -> bool:
    return bool(getattr(settings, "ELDERCARE_LOG_DURABLE", True))


# ------------------------------------------------------------------------------ keys
def _generated(path: Path, name: str, sig_type: int) -> str:
    """A key generated once and kept 0600 (embedded installations; production sets the env)."""
    if not path.exists():
        if getattr(settings, "PRODUCTION", False):
            raise MalformedError(f"no key for {name}: set it in the environment", code="no_key")
        skey, _ = ledger_note.generate_key(name, sig_type)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(skey)
    return path.read_text().strip()


def signer(year: int) -> ledger_note.Signer:
    """The year's log key: ``$SHEZHI_ELDERCARE_KEY_<year>`` (or ``…_FILE``), else var/."""
    var = f"SHEZHI_ELDERCARE_KEY_{int(year)}"
    if os.environ.get(var) or os.environ.get(var + "_FILE"):
        key = ledger_note.signer_from_environment(var)
    else:
        key = ledger_note.load_signer(
            _generated(key_dir() / f"log-{int(year)}.key", origin(year), ledger_note.ED25519)
        )
    if key.name != origin(year):
        raise MalformedError(f"the key for {year} is named {key.name!r}, not {origin(year)!r}")
    return key


def log_vkey(year: int) -> str:
    return signer(year).verifier.vkey


def witness_signer() -> ledger_note.Signer:
    """The embedded witness's key (the district's, in a real deployment: see docs/eldercare.md)."""
    if os.environ.get("SHEZHI_WITNESS_KEY") or os.environ.get("SHEZHI_WITNESS_KEY_FILE"):
        return ledger_note.signer_from_environment("SHEZHI_WITNESS_KEY")
    return ledger_note.load_signer(
        _generated(key_dir() / "witness.key", WITNESS_NAME, ledger_note.COSIGNATURE_V1)
    )


def witness_vkeys() -> list[str]:
    keys = list(getattr(settings, "ELDERCARE_WITNESS_VKEYS", []))
    if embedded_witness():
        keys.append(witness_signer().verifier.vkey)
    return keys


def embedded_witness() -> bool:
    return bool(getattr(settings, "ELDERCARE_EMBEDDED_WITNESS", not getattr(settings, "PRODUCTION", False)))


def witnesses(year: int) -> dict[str, Any]:
    """Witness clients by name: remote ones from ``ELDERCARE_WITNESS_URLS``, plus the embedded one."""
    clients: dict[str, Any] = {
        name: http_witness_client(url)
        for name, url in getattr(settings, "ELDERCARE_WITNESS_URLS", {}).items()
    }
    if embedded_witness():
        state = Path(getattr(settings, "ELDERCARE_WITNESS_DIR", settings.VAR_DIR / "eldercare-witness"))
        clients[WITNESS_NAME] = Witness(witness_signer(), [signer(year).verifier], state)
    return clients


# ------------------------------------------------------------------------------ entries
def utc_stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_bytes(
    *, event: str, person: str, area: str, rule: str, when: dt.datetime, actor: str, **extra: Any
) -> bytes:
    """One canonical JSON entry. ``extra`` holds only codes and integers, never a person."""
    body = {
        "v": ENTRY_VERSION,
        "event": event,
        "person": person,
        "area": area,
        "rule": rule,
        "time": utc_stamp(when),
        "actor": actor,
        **{k: v for k, v in extra.items() if v is not None},
    }
    return canonical_json(body)


def year_of(when: dt.datetime) -> int:
    return timezone.localtime(when).year


# ------------------------------------------------------------------------------ sequencer
def append(year: int, entries: Sequence[bytes]) -> int:
    """Sequence a batch into the year's log under its lock; the index of the first entry."""
    with TileLog(log_dir(year), signer(year), durable=durable()) as log:
        return log.append(entries)


def publish(year: int) -> tuple[bytes, list[str]]:
    """Ask the witnesses to cosign the current checkpoint; returns (signed checkpoint, cosigners).

    A past year is frozen first (its final checkpoint, marked ``frozen``)."""
    with TileLog(log_dir(year), signer(year), durable=durable()) as log:
        if ledger_checkpoint.year_is_over(log.origin, timezone.localdate()) and not log.frozen:
            log.freeze()
        done = log.cosign(witnesses(year))
        return log.signed_checkpoint(), done


def exists(year: int) -> bool:
    return (log_dir(year) / "checkpoint").exists()


def read_checkpoint(year: int) -> ledger_checkpoint.SignedCheckpoint:
    raw = (log_dir(year) / "checkpoint").read_bytes()
    keys = [ledger_note.load_verifier(k) for k in witness_vkeys()]
    return ledger_checkpoint.open_checkpoint(raw, [signer(year).verifier], keys)


def receipt(year: int, index: int, body: bytes) -> str:
    """A c2sp.org/tlog-proof@v1 receipt for entry ``index`` (the entry rides along as ``extra``)."""
    raw = (log_dir(year) / "checkpoint").read_bytes()
    signed = ledger_checkpoint.open_checkpoint(raw, [signer(year).verifier])
    reader = TileReader(DirectorySource(log_dir(year)), signed.size)
    return make_receipt(index, reader.inclusion_proof(index), raw, extra=body)


def served_source(year: int) -> Any:
    """Where the auditor's check reads the tiles: the public URL when one is configured
    (``ELDERCARE_PUBLIC_LOG_URL``, e.g. ``https://gov.example/eldercare/log/``), else the
    served directory itself."""
    base = getattr(settings, "ELDERCARE_PUBLIC_LOG_URL", "")
    return open_source(f"{base.rstrip('/')}/{int(year)}/" if base else log_dir(year))


def verify(year: int, *, source: Any = None, min_witnesses: int = 0) -> Report:
    """Run the outsider's verifier over the served tiles (full audit, growth since last run)."""
    state = Path(
        getattr(settings, "ELDERCARE_VERIFY_STATE", settings.VAR_DIR / "eldercare-verify-state.json")
    )
    return verify_log(
        source or served_source(year),
        [signer(year).verifier],
        [ledger_note.load_verifier(k) for k in witness_vkeys()],
        state_path=state,
        full=True,
        min_witnesses=min_witnesses,
        origin=origin(year),
        entry_check=canonical_check,
    )


def canonical_check(data: bytes) -> object:
    from shezhi.ledger.entries import require_canonical_json

    return require_canonical_json(data)


def root_b64(root: bytes) -> str:
    return base64.b64encode(root).decode()
