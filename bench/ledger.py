"""Benchmark: the transparency log (shezhi.ledger) beside a plain SHA-256 hash chain, one run.

``python bench/ledger.py`` appends 1,000,000 canonical-JSON entries (about the size of an
eldercare decision: a salted commitment, an area code, an event, a rule version, time and
actor role) in batches, then measures:

* **append** — entries/s through ``TileLog.append`` (canonical-JSON check, leaf hashes, full
  and partial tiles and bundles renamed into place, a signed checkpoint per batch), and the
  files and bytes it wrote;
* **proofs** — inclusion and consistency proofs computed from the tiles on disk, as a
  verifier computes them (µs each, a cold reader per proof and a warm one), and their
  verification (RFC 9162 §2.1.3.2 / §2.1.4.2);
* **verifier** — ``python -m shezhi.ledger.verify --full``'s work over the whole log: every
  bundle against its tile, every tile against the level above, the root against the signed
  checkpoint.

The **baseline** is the plain alternative people reach for: a SHA-256 hash chain
(``h[i] = SHA-256(h[i-1] ‖ entry)``) in one append-only file, the head signed with the same
Ed25519 key after each batch. It appends faster, but proving one entry to someone holding
the head means handing over and rehashing every later entry, and so does proving growth.

    .venv/bin/python bench/ledger.py                       # 1,000,000 entries, batches of 1,000
    .venv/bin/python bench/ledger.py --entries 100000 --no-fsync

Entries are generated outside the timed region. Work happens in a temporary directory that
is removed afterwards (``--keep`` keeps it). Results also go to ``var/bench/ledger.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shezhi.ledger.entries import require_canonical_json  # noqa: E402
from shezhi.ledger.merkle import leaf_hash, verify_consistency, verify_inclusion  # noqa: E402
from shezhi.ledger.note import generate_key, load_signer, load_verifier, sign_note  # noqa: E402
from shezhi.ledger.tiles import DirectorySource, TileLog, TileReader  # noqa: E402
from shezhi.ledger.verify import verify_log  # noqa: E402

EVENTS = ("eligibility_decided", "annual_certification", "passive_signal", "suspension", "reinstatement")
ROLES = ("community_worker", "grid_worker", "resident", "service_centre", "system")


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def make_batch(lo: int, hi: int) -> list[bytes]:
    """Canonical JSON entries lo..hi-1 (keys sorted, compact): ~230 bytes each, no personal data."""
    out = []
    for i in range(lo, hi):
        commitment = hashlib.sha256(b"salt" + i.to_bytes(8, "big")).hexdigest()
        role, area, month, day, event = ROLES[i % 5], i % 17, 1 + i % 12, 1 + i % 28, EVENTS[i % 5]
        out.append(
            f'{{"actor_role":"{role}","area":"5101080020{area:02d}","at":"2026-{month:02d}-{day:02d}T09:30:00+08:00",'
            f'"event":"{event}","person":"{commitment}","rule":"passive-v3","signals":[{i},{i + 1}]}}'.encode()
        )
    return out


def tree_stats(directory: Path) -> tuple[int, int]:
    files = size = 0
    for dirpath, _, names in os.walk(directory):
        for n in names:
            files += 1
            size += os.path.getsize(os.path.join(dirpath, n))
    return files, size


# --------------------------------------------------------------------------------------------
# The baseline: a signed SHA-256 hash chain in one file
# --------------------------------------------------------------------------------------------
class HashChain:
    """entries file: (uint16 length ‖ entry ‖ 32-byte chain hash)*, head file: signed (size, hash)."""

    def __init__(self, directory: Path, signer, fsync: bool) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.fh = open(directory / "chain", "ab")  # noqa: SIM115
        self.signer = signer
        self.fsync = fsync
        self.head = b"\0" * 32
        self.size = 0

    def append(self, entries: list[bytes]) -> None:
        for e in entries:
            require_canonical_json(e)
        sha = hashlib.sha256
        h = self.head
        parts = []
        for e in entries:
            h = sha(h + e).digest()
            parts.append(len(e).to_bytes(2, "big") + e + h)
        self.fh.write(b"".join(parts))
        self.fh.flush()
        if self.fsync:
            os.fsync(self.fh.fileno())
        self.head, self.size = h, self.size + len(entries)
        note = sign_note(f"chain\n{self.size}\n{h.hex()}\n", [self.signer])
        tmp = self.dir / ".head.tmp"
        tmp.write_bytes(note)
        if self.fsync:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        os.replace(tmp, self.dir / "head")

    def close(self) -> None:
        self.fh.close()

    def read(self) -> list[tuple[bytes, bytes]]:
        data = (self.dir / "chain").read_bytes()
        out, pos = [], 0
        while pos < len(data):
            n = int.from_bytes(data[pos : pos + 2], "big")
            out.append((data[pos + 2 : pos + 2 + n], data[pos + 2 + n : pos + 34 + n]))
            pos += 34 + n
        return out


def chain_from(prev: bytes, entries: list[bytes]) -> bytes:
    sha = hashlib.sha256
    h = prev
    for e in entries:
        h = sha(h + e).digest()
    return h


# --------------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument(
        "--proofs", type=int, default=2000, help="inclusion and consistency proofs to time (ours)"
    )
    ap.add_argument("--chain-proofs", type=int, default=20, help="proofs to time on the hash chain (slow)")
    ap.add_argument("--no-fsync", action="store_true", help="skip fsync (both sides)")
    ap.add_argument("--workdir", help="directory for the logs (default: a temporary directory)")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    n, batch, fsync = args.entries, args.batch, not args.no_fsync
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-ledger-"))
    rng = random.Random(20261207)
    skey, vkey = generate_key("bench.example/eldercare/2026")
    signer, verifier = load_signer(skey), load_verifier(vkey)
    res: dict[str, object] = {"entries": n, "batch": batch, "fsync": fsync}
    out(f"shezhi.ledger benchmark: {n:,} entries in batches of {batch:,}, fsync={'on' if fsync else 'off'}")
    out(f"work directory {work} (load average {os.getloadavg()[0]:.1f})")

    # -- append -------------------------------------------------------------------------
    ours_s = chain_s = 0.0
    chain = HashChain(work / "chain", signer, fsync)
    with TileLog(work / "log", signer, validate=require_canonical_json, durable=fsync) as log:
        for lo in range(0, n, batch):
            entries = make_batch(lo, min(n, lo + batch))
            t0 = time.perf_counter()
            log.append(entries)
            t1 = time.perf_counter()
            chain.append(entries)
            t2 = time.perf_counter()
            ours_s += t1 - t0
            chain_s += t2 - t1
        root = log.root
    chain.close()
    files, nbytes = tree_stats(work / "log")
    cfiles, cbytes = tree_stats(work / "chain")
    res["append"] = {
        "ours_s": ours_s,
        "ours_per_s": n / ours_s,
        "chain_s": chain_s,
        "chain_per_s": n / chain_s,
        "ours_files": files,
        "ours_bytes": nbytes,
        "chain_files": cfiles,
        "chain_bytes": cbytes,
    }
    out(
        f"\nappend        ours {n / ours_s:>12,.0f} entries/s ({ours_s:6.1f} s; {files:,} files, {nbytes / 2**20:.0f} MiB)"
    )
    out(
        f"              chain {n / chain_s:>11,.0f} entries/s ({chain_s:6.1f} s; {cfiles} files, {cbytes / 2**20:.0f} MiB)"
    )
    out(f"              ratio chain/ours {ours_s / chain_s:.2f} (the chain appends this many times faster)")

    # -- proofs (ours, from tiles on disk) -------------------------------------------------
    src = DirectorySource(work / "log")
    idx = [rng.randrange(n) for _ in range(args.proofs)]
    olds = [
        batch * rng.randrange(1, max(2, n // batch)) for _ in range(args.proofs)
    ]  # sizes with a checkpoint
    leaves = {i: leaf_hash(e) for i in idx for e in make_batch(i, i + 1)}

    def timed(fn, items):
        out = []
        t = time.perf_counter()
        for x in items:
            out.append(fn(x))
        return (time.perf_counter() - t) / len(items) * 1e6, out

    cold_incl_us, _ = timed(lambda i: TileReader(src, n).inclusion_proof(i), idx)
    warm = TileReader(src, n)
    warm_incl_us, proofs = timed(warm.inclusion_proof, idx)
    ver_incl_us, _ = timed(
        lambda k: verify_inclusion(idx[k], n, leaves[idx[k]], proofs[k], root), range(len(idx))
    )
    cold_cons_us, _ = timed(lambda m: TileReader(src, n).consistency_proof(m), olds)
    warm_cons_us, cproofs = timed(warm.consistency_proof, olds)
    old_roots = [TileReader(src, m).root() for m in olds]  # what a verifier holding size m kept
    ver_cons_us, _ = timed(
        lambda k: verify_consistency(olds[k], n, old_roots[k], root, cproofs[k]), range(len(olds))
    )
    incl_len = statistics.mean(len(p) for p in proofs)
    cons_len = statistics.mean(len(p) for p in cproofs)

    # -- proofs (chain): the entries after i, rehashed up to the signed head ---------------------
    records = HashChain.read(chain)
    chain_idx = [rng.randrange(n) for _ in range(args.chain_proofs)]
    t = time.perf_counter()
    sizes = []
    for i in chain_idx:
        prev = records[i - 1][1] if i else b"\0" * 32
        tail = [e for e, _ in records[i:]]
        sizes.append(32 + sum(2 + len(e) for e in tail))
        assert chain_from(prev, tail) == chain.head
    chain_incl_us = (time.perf_counter() - t) / len(chain_idx) * 1e6
    chain_old = [rng.randrange(1, n) for _ in range(args.chain_proofs)]
    t = time.perf_counter()
    for m in chain_old:
        assert chain_from(records[m - 1][1], [e for e, _ in records[m:]]) == chain.head
    chain_cons_us = (time.perf_counter() - t) / len(chain_old) * 1e6
    del records
    res["proofs"] = {
        "inclusion_cold_us": cold_incl_us,
        "inclusion_warm_us": warm_incl_us,
        "inclusion_verify_us": ver_incl_us,
        "consistency_cold_us": cold_cons_us,
        "consistency_warm_us": warm_cons_us,
        "consistency_verify_us": ver_cons_us,
        "inclusion_hashes": incl_len,
        "consistency_hashes": cons_len,
        "chain_inclusion_us": chain_incl_us,
        "chain_consistency_us": chain_cons_us,
        "chain_inclusion_bytes": statistics.mean(sizes),
    }
    out(
        f"\ninclusion     ours  {cold_incl_us:8.0f} µs from tiles on disk (cold reader), {warm_incl_us:6.1f} µs warm, "
        f"verify {ver_incl_us:5.1f} µs; {incl_len:.1f} hashes = {incl_len * 32:.0f} bytes"
    )
    out(
        f"              chain {chain_incl_us:10,.0f} µs (rehash the entries after i), proof {statistics.mean(sizes) / 2**20:.1f} MiB"
        f"   ratio {chain_incl_us / (cold_incl_us + ver_incl_us):,.0f}"
    )
    out(
        f"consistency   ours  {cold_cons_us:8.0f} µs cold, {warm_cons_us:6.1f} µs warm, verify {ver_cons_us:5.1f} µs; "
        f"{cons_len:.1f} hashes"
    )
    out(
        f"              chain {chain_cons_us:10,.0f} µs (rehash the entries since the old head)"
        f"   ratio {chain_cons_us / (cold_cons_us + ver_cons_us):,.0f}"
    )

    # -- the verifier over the whole log ----------------------------------------------------------
    t = time.perf_counter()
    report = verify_log(src, [verifier], full=True)
    ours_verify = time.perf_counter() - t
    assert report.ok, report.lines()
    t = time.perf_counter()
    recs = HashChain.read(chain)
    h = b"\0" * 32
    sha = hashlib.sha256
    for e, stored in recs:
        h = sha(h + e).digest()
        if h != stored:
            raise SystemExit("chain broken")
    assert h == chain.head
    chain_verify = time.perf_counter() - t
    res["verify"] = {"ours_s": ours_verify, "chain_s": chain_verify, "ours_tiles_read": report.tiles_read}
    out(
        f"\nverify all    ours  {ours_verify:6.2f} s ({n / ours_verify:,.0f} entries/s; {report.tiles_read:,} tiles + bundles read)"
    )
    out(
        f"              chain {chain_verify:6.2f} s ({n / chain_verify:,.0f} entries/s)   ratio ours/chain {ours_verify / chain_verify:.2f}"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    res["peak_mib"] = peak
    out(f"\npeak memory {peak:.0f} MiB")
    res_dir = ROOT / "var" / "bench"
    res_dir.mkdir(parents=True, exist_ok=True)
    (res_dir / "ledger.json").write_text(json.dumps(res, indent=1))
    if not args.keep and not args.workdir:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
