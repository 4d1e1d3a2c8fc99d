"""The independent verifier: checkpoint, inclusion, append-only growth, and a full tile audit.

No Django and no database: it reads ``checkpoint``, ``tile/…`` and ``tile/entries/…`` from a
base URL (urllib) or a directory, as any outside auditor would::

    python -m shezhi.ledger.verify --key <log vkey> [--witness-key <vkey> ...] [--min-witnesses 1] \\
        --url https://gov.example/eldercare/2026 [--index N [--entry-file mine.json]] \\
        [--state ~/.eldercare-2026.json] [--full]
    python -m shezhi.ledger.verify --key <log vkey> --receipt mine.tlog-proof --entry-file mine.json

It checks, in order: the log's signature on the checkpoint (and the witnesses'
cosignatures, if keys are given); with ``--state``, that the log only grew since the last
checkpoint this verifier accepted (a consistency proof computed from the tiles, RFC 9162
§2.1.4.2), naming a rollback or a fork; with ``--index``, that the entry is in the tree
(inclusion proof from the tiles); with ``--full``, every bundle against its level-0 tile,
every tile against the level above and the top against the signed root — a failure names
the entry, the tile and the hashes. Exit status: 0 all checks passed, 1 a check failed
(printed as ``FAIL [code] …``), 2 the verifier could not run (usage, network).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from shezhi.ledger.checkpoint import SignedCheckpoint, open_checkpoint
from shezhi.ledger.entries import require_canonical_json
from shezhi.ledger.errors import ForkError, LedgerError, ProofError, TamperError
from shezhi.ledger.merkle import (
    leaf_hash,
    leaf_hashes,
    range_hash,
    root_from_hashes,
    verify_consistency,
    verify_inclusion,
)
from shezhi.ledger.note import COSIGNATURE_V1, Verifier, load_verifier
from shezhi.ledger.receipt import verify_receipt
from shezhi.ledger.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    Source,
    TileReader,
    bundle_path,
    open_source,
    tile_path,
    tile_width,
)


def _b64(h: bytes) -> str:
    return base64.b64encode(h).decode()


@dataclass
class Report:
    ok_lines: list[str] = field(default_factory=list)
    failures: list[LedgerError] = field(default_factory=list)
    checkpoint: SignedCheckpoint | None = None
    tiles_read: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, exc: LedgerError) -> None:
        self.failures.append(exc)

    def lines(self) -> list[str]:
        out = [f"OK {line}" for line in self.ok_lines]
        for exc in self.failures:
            where = f" {exc.where}:" if exc.where else ""
            out.append(f"FAIL [{exc.code}]{where} {exc}")
        return out


# --------------------------------------------------------------------------------------------
# Full audit
# --------------------------------------------------------------------------------------------
def audit(
    reader: TileReader, root: bytes, *, limit: int = 20, entry_check: Callable[[bytes], object] | None = None
) -> list[LedgerError]:
    """Check every bundle and tile of the tree against each other and against ``root``.

    ``entry_check`` (e.g. :func:`~shezhi.ledger.entries.require_canonical_json`) is run on
    every entry too; what it raises is reported with the entry's index.
    """
    size = reader.size
    found: list[LedgerError] = []

    def add(exc: LedgerError) -> bool:
        found.append(exc)
        return len(found) >= limit

    def get_tile(level: int, n: int) -> list[bytes] | None:
        try:
            return reader.tile(level, n)
        except LedgerError as exc:
            add(exc)
            return None

    # Level 0: bundles against tiles. `roots[n]` is the hash of full tile n at the current
    # level computed from its stored hashes, checked against the level above next.
    reported: set[str] = set()
    roots: list[bytes | None] = []
    n_tiles = -(-size // TILE_WIDTH)
    for n in range(n_tiles):
        width = tile_width(size, 0, n)
        tile = get_tile(0, n)
        if width == TILE_WIDTH:
            roots.append(root_from_hashes(tile) if tile else None)
        try:
            entries = reader.bundle(n)
        except LedgerError as exc:
            if add(exc):
                return found
            continue
        hashes = leaf_hashes(entries)
        if entry_check is not None:
            for i, e in enumerate(entries):
                try:
                    entry_check(e)
                except LedgerError as exc:
                    where = f"entry {n * TILE_WIDTH + i}"
                    if add(type(exc)(f"{where}: {exc}", code=exc.code, where=where)):
                        return found
        if tile is None or hashes == tile:
            continue
        bad = [i for i in range(width) if hashes[i] != tile[i]]
        first = n * TILE_WIDTH
        tpath, bpath = tile_path(0, n, width), bundle_path(n, width)
        above = None
        if width == TILE_WIDTH:
            up = get_tile(1, n >> TILE_HEIGHT)
            above = up[n & (TILE_WIDTH - 1)] if up else None
        if above is not None and root_from_hashes(hashes) == above:
            reported.add(tpath)
            msg = (
                f"{tpath} was altered at position(s) {bad[:8]}: its entries still hash to the value "
                f"{tile_path(1, n >> TILE_HEIGHT, tile_width(size, 1, n >> TILE_HEIGHT))} holds"
            )
            if add(TamperError(msg, where=tpath)):
                return found
            continue
        if len(bad) > 1 and sorted(hashes[i] for i in bad) == sorted(tile[i] for i in bad):
            idx = [first + i for i in bad]
            if add(TamperError(f"entries {idx[:8]} in {bpath} are reordered", where=bpath, code="reordered")):
                return found
            continue
        for i in bad:
            msg = (
                f"entry {first + i} ({bpath} #{i}) hashes to {_b64(hashes[i])} but {tpath} holds "
                f"{_b64(tile[i])}"
            )
            if add(TamperError(msg, where=f"entry {first + i}")):
                return found
    # Levels >= 1: each full tile below hashes to its value in this level's tile.
    level = 1
    while (size >> (TILE_HEIGHT * level)) > 0:
        count = size >> (TILE_HEIGHT * level)  # hashes at this level
        next_roots: list[bytes | None] = []
        for n in range(-(-count // TILE_WIDTH)):
            width = tile_width(size, level, n)
            tile = get_tile(level, n)
            if width == TILE_WIDTH:
                next_roots.append(root_from_hashes(tile) if tile else None)
            if tile is None:
                continue
            for i, want in enumerate(tile):
                got = roots[n * TILE_WIDTH + i]
                bpath = tile_path(level - 1, n * TILE_WIDTH + i)
                if got is not None and got != want and bpath not in reported:
                    here = tile_path(level, n, width)
                    msg = f"{bpath} hashes to {_b64(got)} but {here} #{i} holds {_b64(want)}"
                    if add(TamperError(msg, where=bpath)):
                        return found
        roots = next_roots
        level += 1
    if not found:
        try:
            got = reader.root()
        except LedgerError as exc:
            return [exc]
        if got != root:
            found.append(
                TamperError(
                    f"the tiles give root {_b64(got)} for size {size}, "
                    f"the signed checkpoint says {_b64(root)}",
                    where="checkpoint",
                )
            )
    return found


# --------------------------------------------------------------------------------------------
# State: the last checkpoint this verifier accepted, per origin
# --------------------------------------------------------------------------------------------
def load_state(path: str | os.PathLike[str] | None) -> dict:
    if not path or not Path(path).exists():
        return {}
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        raise LedgerError(f"state file {path} is unreadable", code="state") from None
    return data if isinstance(data, dict) else {}


def save_state(path: str | os.PathLike[str], state: dict) -> None:
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
    os.replace(tmp, p)


def check_growth(reader: TileReader, signed: SignedCheckpoint, seen: dict) -> str:
    """Raise :class:`ForkError` unless ``signed`` extends the checkpoint in ``seen``."""
    old_size, old_root = int(seen["size"]), base64.b64decode(seen["root"])
    when = seen.get("seen", "earlier")
    size, root = signed.size, signed.root
    if seen.get("frozen") and size != old_size:
        raise ForkError(
            f"the log was frozen at size {old_size} (final checkpoint seen {when}) "
            f"but now claims size {size}",
            where="checkpoint",
        )
    if size < old_size:
        raise ForkError(
            f"rollback: the log showed size {old_size} (root {_b64(old_root)}) on {when}, now only {size}",
            where="checkpoint",
        )
    if size == old_size:
        if root != old_root:
            raise ForkError(
                f"fork: size {size} had root {_b64(old_root)} on {when}, now {_b64(root)}", where="checkpoint"
            )
        return f"same tree as seen {when} (size {size})"
    if old_size == 0:
        return f"grew from the empty tree to {size}"
    proof = reader.consistency_proof(old_size)
    try:
        verify_consistency(old_size, size, old_root, root, proof)
    except ProofError:
        try:
            rebuilt = range_hash(reader, 0, old_size)
        except LedgerError:
            rebuilt = None
        if rebuilt is not None and rebuilt != old_root:
            raise ForkError(
                f"fork: the first {old_size} entries now give root {_b64(rebuilt)}; the log signed "
                f"{_b64(old_root)} for them on {when} — history was rewritten",
                where=f"entries 0..{old_size - 1}",
            ) from None
        raise ForkError(
            f"the checkpoint of size {size} is not consistent with size {old_size} seen {when}",
            where="checkpoint",
        ) from None
    return f"consistent with size {old_size} seen {when} ({len(proof)}-hash consistency proof)"


# --------------------------------------------------------------------------------------------
# The whole run
# --------------------------------------------------------------------------------------------
def verify_log(
    source: Source,
    log_keys: Sequence[Verifier],
    witness_keys: Sequence[Verifier] = (),
    *,
    index: int | None = None,
    entry: bytes | None = None,
    state_path: str | os.PathLike[str] | None = None,
    full: bool = False,
    min_witnesses: int = 0,
    origin: str | None = None,
    entry_check: Callable[[bytes], object] | None = None,
) -> Report:
    """Run the checks the command line asks for; failures are collected, never raised."""
    report = Report()
    try:
        signed = open_checkpoint(
            source.get("checkpoint"), log_keys, witness_keys, origin=origin, min_witnesses=min_witnesses
        )
    except LedgerError as exc:
        exc.where = exc.where or "checkpoint"
        report.fail(exc)
        return report
    report.checkpoint = signed
    cp = signed.checkpoint
    wits = ", ".join(
        f"{v.name} at {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(ts))}" for v, ts in signed.witnesses
    )
    report.ok_lines.append(
        f"checkpoint {cp.origin} size {cp.size} root {_b64(cp.root)} signed by the log"
        + (f"; cosigned by {wits}" if wits else "")
        + ("; FROZEN (final checkpoint of the log)" if cp.frozen else "")
    )
    reader = TileReader(source, cp.size)
    state = load_state(state_path) if state_path else {}
    seen = state.get(cp.origin)
    if seen:
        try:
            report.ok_lines.append(check_growth(reader, signed, seen))
        except LedgerError as exc:
            report.fail(exc)
    if index is not None:
        try:
            got = reader.entry(index)
            h = leaf_hash(got)
            tile_h = reader.tile(0, index >> TILE_HEIGHT)[index & (TILE_WIDTH - 1)]
            if h != tile_h:
                tn = index >> TILE_HEIGHT
                raise TamperError(
                    f"entry {index} hashes to {_b64(h)} but {tile_path(0, tn, tile_width(cp.size, 0, tn))} "
                    f"holds {_b64(tile_h)}",
                    where=f"entry {index}",
                )
            if entry is not None and entry != got:
                raise TamperError(
                    f"entry {index} in the log differs from the copy you hold", where=f"entry {index}"
                )
            proof = reader.inclusion_proof(index)
            verify_inclusion(index, cp.size, h, proof, cp.root)
            report.ok_lines.append(
                f"entry {index} is in the tree of size {cp.size} ({len(proof)}-hash proof)"
            )
        except LedgerError as exc:
            exc.where = exc.where or f"entry {index}"
            report.fail(exc)
            if not full:
                report.failures.extend(audit(reader, cp.root, entry_check=entry_check))
    if full:
        found = audit(reader, cp.root, entry_check=entry_check)
        report.failures.extend(found)
        if not found:
            report.ok_lines.append(f"audit: {cp.size} entries, every bundle and tile matches the signed root")
    report.tiles_read = reader.fetches
    if state_path and report.ok:
        state[cp.origin] = {
            "size": cp.size,
            "root": _b64(cp.root),
            "frozen": cp.frozen,
            "seen": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "checkpoint": signed.raw.decode(),
        }
        save_state(state_path, state)
    return report


def _out(*parts: object) -> None:
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")


def _err(*parts: object) -> None:
    sys.stderr.write(" ".join(str(p) for p in parts) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m shezhi.ledger.verify", description=__doc__.split("\n")[0])
    ap.add_argument(
        "--key", action="append", required=True, help="the log's verifier key (vkey); repeat for rotation"
    )
    ap.add_argument(
        "--witness-key", action="append", default=[], help="a witness's cosignature vkey (repeat)"
    )
    ap.add_argument("--min-witnesses", type=int, default=0, help="cosignatures required (default 0)")
    ap.add_argument("--origin", help="the origin the checkpoint must name (default: any the key signs)")
    ap.add_argument("--url", help="base URL or directory of the log")
    ap.add_argument("--index", type=int, help="check that this entry is in the log")
    ap.add_argument("--entry-file", help="your copy of the entry (with --index or --receipt)")
    ap.add_argument("--receipt", help="a .tlog-proof receipt to verify offline (needs --entry-file)")
    ap.add_argument("--state", help="JSON file with the last checkpoint this verifier accepted")
    ap.add_argument("--full", action="store_true", help="audit every bundle and tile")
    ap.add_argument(
        "--canonical-json", action="store_true", help="with --full: every entry must be canonical JSON"
    )
    args = ap.parse_args(argv)
    try:
        log_keys = [load_verifier(k) for k in args.key]
        witness_keys = [load_verifier(k) for k in args.witness_key]
        if any(k.sig_type != COSIGNATURE_V1 for k in witness_keys):
            raise LedgerError("--witness-key takes cosignature (type 0x04) keys", code="usage")
        entry = Path(args.entry_file).read_bytes() if args.entry_file else None
    except (LedgerError, OSError) as exc:
        _err(f"verify: {exc}")
        return 2
    if args.receipt:
        if entry is None:
            _err("verify: --receipt needs --entry-file")
            return 2
        try:
            signed = verify_receipt(
                Path(args.receipt).read_bytes(),
                entry,
                log_keys,
                witness_keys,
                min_witnesses=args.min_witnesses,
                origin=args.origin,
            )
        except LedgerError as exc:
            _out(f"FAIL [{exc.code}] {exc}")
            return 1
        _out(
            f"OK receipt: the entry is in {signed.origin} at size {signed.size}, "
            f"{len(signed.witnesses)} witness cosignature(s) verified"
        )
        return 0
    if not args.url:
        _err("verify: --url is required (or --receipt)")
        return 2
    try:
        report = verify_log(
            open_source(args.url),
            log_keys,
            witness_keys,
            index=args.index,
            entry=entry,
            state_path=args.state,
            full=args.full,
            entry_check=require_canonical_json if args.canonical_json else None,
            min_witnesses=args.min_witnesses,
            origin=args.origin,
        )
    except LedgerError as exc:
        _err(f"verify: {exc}")
        return 2
    for line in report.lines():
        _out(line)
    if any(exc.code == "fetch" for exc in report.failures):
        return 2
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
