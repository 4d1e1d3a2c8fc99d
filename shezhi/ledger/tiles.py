"""C2SP tlog-tiles: the sequencer that writes the log as static files, and the reader.

Layout under the log directory (served as is, by any static file server)::

    checkpoint                       the signed checkpoint (mutable; written last)
    tile/<L>/<N>[.p/<W>]             Merkle tiles: 256 hashes (8,192 bytes) when full
    tile/entries/<N>[.p/<W>]         entry bundles: uint16 big-endian length ‖ entry, repeated
    .sequencer.lock                  the one sequencer's lock (not part of the protocol)

``<N>`` is written in 3-digit groups, all but the last prefixed with ``x``
(1234067 → ``x001/x234/067``). Tiles and bundles are immutable once a checkpoint covers
them; every file is written to a temporary name and renamed into place, and the checkpoint
is renamed last, so a reader never sees a checkpoint whose tiles are missing.

>>> encode_index(1234067), tile_path(0, 5, 3), bundle_path(1000)
('x001/x234/067', 'tile/0/005.p/3', 'tile/entries/x001/000')
"""

from __future__ import annotations

import fcntl
import gzip
import io
import os
import struct
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from shezhi.ledger.checkpoint import FROZEN, Checkpoint, SignedCheckpoint, open_checkpoint
from shezhi.ledger.entries import MAX_ENTRY_BYTES, check_length, require_canonical_json
from shezhi.ledger.errors import FrozenError, LedgerError, MalformedError, ProofError, TamperError
from shezhi.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    consistency_proof,
    inclusion_proof,
    leaf_hashes,
    node_hash,
    perfect_levels,
    root_from_hashes,
    tree_root,
)
from shezhi.ledger.note import Signature, Signer, Verifier, split_note

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256 hashes per full tile
MAX_FETCH_BYTES = 16 << 20


def encode_index(n: int) -> str:
    """The tile index in 3-digit path elements, all but the last prefixed with ``x``."""
    if n < 0:
        raise MalformedError(f"tile index {n} is negative")
    groups = []
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


def _suffix(width: int | None) -> str:
    if width is None or width == TILE_WIDTH:
        return ""
    if not 1 <= width < TILE_WIDTH:
        raise MalformedError(f"partial tile width {width} is not between 1 and 255")
    return f".p/{width}"


def tile_path(level: int, n: int, width: int | None = None) -> str:
    """``tile/<L>/<N>[.p/<W>]``."""
    if not 0 <= level <= 63:
        raise MalformedError(f"tile level {level} is not between 0 and 63")
    return f"tile/{level}/{encode_index(n)}{_suffix(width)}"


def bundle_path(n: int, width: int | None = None) -> str:
    """``tile/entries/<N>[.p/<W>]``."""
    return f"tile/entries/{encode_index(n)}{_suffix(width)}"


def tile_width(size: int, level: int, n: int) -> int:
    """How many hashes tile ``n`` of ``level`` holds in a tree of ``size`` (0: not served)."""
    count = size >> (TILE_HEIGHT * level)  # hashes at this tile level
    return max(0, min(TILE_WIDTH, count - n * TILE_WIDTH))


def encode_bundle(entries: Iterable[bytes]) -> bytes:
    return b"".join(len(e).to_bytes(2, "big") + e for e in entries)


def decode_bundle(data: bytes, width: int, where: str) -> list[bytes]:
    """Split a bundle into exactly ``width`` entries; anything else is tampering."""
    out: list[bytes] = []
    pos, end = 0, len(data)
    while pos < end:
        if pos + 2 > end:
            raise TamperError(f"{where}: entry {len(out)} of the bundle is cut short", where=where)
        (n,) = struct.unpack_from(">H", data, pos)
        if pos + 2 + n > end:
            raise TamperError(f"{where}: entry {len(out)} of the bundle is cut short", where=where)
        out.append(data[pos + 2 : pos + 2 + n])
        pos += 2 + n
    if len(out) != width:
        raise TamperError(
            f"{where}: the bundle holds {len(out)} entries, the checkpoint needs {width}", where=where
        )
    return out


# --------------------------------------------------------------------------------------------
# Sources: a directory, or a base URL over HTTP (urllib; no Django, no third-party client)
# --------------------------------------------------------------------------------------------
class Source:
    """Where a log's files are read from."""

    def get(self, path: str) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def location(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class DirectorySource(Source):
    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.root = Path(directory)

    @property
    def location(self) -> str:
        return str(self.root)

    def get(self, path: str) -> bytes:
        try:
            return (self.root / path).read_bytes()
        except FileNotFoundError:
            raise TamperError(f"{path} is missing", code="missing", where=path) from None
        except OSError as exc:
            raise TamperError(f"{path} cannot be read ({exc.strerror})", where=path) from None


class HttpSource(Source):
    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base = base_url.rstrip("/") + "/"
        self.timeout = timeout

    @property
    def location(self) -> str:
        return self.base

    def get(self, path: str) -> bytes:
        req = urllib.request.Request(
            self.base + path,
            headers={"Accept-Encoding": "gzip, identity", "User-Agent": "shezhi-ledger-verify/1"},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - the user's URL
                data = resp.read(MAX_FETCH_BYTES + 1)
                encoding = resp.headers.get("Content-Encoding", "identity")
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise TamperError(f"{path} is missing (HTTP 404)", code="missing", where=path) from None
            raise LedgerError(f"{path}: HTTP {exc.code}", code="fetch", where=path) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise LedgerError(f"{path}: cannot fetch ({exc})", code="fetch", where=path) from None
        if len(data) > MAX_FETCH_BYTES:
            raise LedgerError(f"{path}: larger than {MAX_FETCH_BYTES} bytes", code="fetch", where=path)
        if encoding == "gzip":
            try:
                with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
                    data = fh.read(MAX_FETCH_BYTES + 1)
            except (OSError, EOFError):
                raise TamperError(f"{path}: corrupt gzip encoding", where=path) from None
            if len(data) > MAX_FETCH_BYTES:
                raise LedgerError(
                    f"{path}: larger than {MAX_FETCH_BYTES} bytes once unzipped", code="fetch", where=path
                )
        return data


def open_source(url_or_dir: str | os.PathLike[str]) -> Source:
    text = str(url_or_dir)
    if text.startswith(("http://", "https://")):
        return HttpSource(text)
    return DirectorySource(text)


# --------------------------------------------------------------------------------------------
# Reader: hashes, proofs and entries from tiles
# --------------------------------------------------------------------------------------------
class TileReader:
    """Reads a tree of ``size`` entries from its tiles; computes proofs as any verifier would."""

    def __init__(self, source: Source, size: int, *, cache_tiles: int = 4096) -> None:
        self.source = source
        self.size = size
        self._levels: OrderedDict[tuple[int, int], list[list[bytes]]] = OrderedDict()
        self._cap = cache_tiles
        self.fetches = 0

    def tile(self, level: int, n: int) -> list[bytes]:
        """The hashes of tile ``n`` at ``level`` as the checkpoint's size requires it."""
        width = tile_width(self.size, level, n)
        if width == 0:
            raise ProofError(f"tile {level}/{n} is beyond the tree of size {self.size}", code="missing")
        path = tile_path(level, n, width)
        data = self.source.get(path)
        self.fetches += 1
        if len(data) != width * HASH_SIZE:
            raise TamperError(
                f"{path} is {len(data)} bytes, a tile of {width} hashes is {width * HASH_SIZE}", where=path
            )
        return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]

    def _tile_levels(self, level: int, n: int) -> list[list[bytes]]:
        key = (level, n)
        got = self._levels.get(key)
        if got is not None:
            self._levels.move_to_end(key)
            return got
        got = perfect_levels(self.tile(level, n))
        self._levels[key] = got
        if len(self._levels) > self._cap:
            self._levels.popitem(last=False)
        return got

    def subtree(self, level: int, index: int) -> bytes:
        tl, h = divmod(level, TILE_HEIGHT)
        first = index << h
        levels = self._tile_levels(tl, first >> TILE_HEIGHT)
        try:
            return levels[h][(first & (TILE_WIDTH - 1)) >> h]
        except IndexError:
            raise ProofError(f"no complete subtree at level {level}, index {index}", code="missing") from None

    def root(self) -> bytes:
        return tree_root(self, self.size)

    def inclusion_proof(self, index: int) -> list[bytes]:
        return inclusion_proof(self, index, self.size)

    def consistency_proof(self, old_size: int) -> list[bytes]:
        return consistency_proof(self, old_size, self.size)

    def bundle(self, n: int) -> list[bytes]:
        width = tile_width(self.size, 0, n)
        if width == 0:
            raise ProofError(f"entry bundle {n} is beyond the tree of size {self.size}", code="missing")
        path = bundle_path(n, width)
        self.fetches += 1
        return decode_bundle(self.source.get(path), width, path)

    def entry(self, index: int) -> bytes:
        if not 0 <= index < self.size:
            raise ProofError(f"entry {index} is not in the tree of size {self.size}", code="index")
        return self.bundle(index >> TILE_HEIGHT)[index & (TILE_WIDTH - 1)]


def fetch_checkpoint(
    source: Source, log_keys: Sequence[Verifier], witness_keys: Sequence[Verifier] = (), **kw: object
) -> SignedCheckpoint:
    return open_checkpoint(source.get("checkpoint"), log_keys, witness_keys, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# The sequencer
# --------------------------------------------------------------------------------------------
WitnessClient = Callable[[bytes], bytes]


class TileLog:
    """The one writer of a tiled log. Use as a context manager; it holds the directory's lock.

    Entries must be canonical JSON unless another ``validate`` (or None) is given.
    ``append(entries)`` sequences a batch: leaf hashes, full tiles and bundles as they fill,
    then the new partial tiles and bundle, then a freshly signed checkpoint — renamed into
    place last. On opening, the stored right edge (partial tiles) is checked against the
    signed checkpoint, so a sequencer never extends a tree it did not sign.
    """

    LOCK = ".sequencer.lock"

    def __init__(
        self,
        directory: str | os.PathLike[str],
        signer: Signer,
        *,
        validate: Callable[[bytes], object] | None = require_canonical_json,
        durable: bool = True,
        lock_timeout: float = 10.0,
    ) -> None:
        self.dir = Path(directory)
        self.signer = signer
        self.origin = signer.name
        self.validate = validate
        self.durable = durable
        self.lock_timeout = lock_timeout
        self._lock_fh = None
        self._dirs: set[Path] = set()
        self._cosigs: list[Signature] = []
        self._witness_sizes: dict[str, int] = {}
        self._pending: list[Path] = []

    # -- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> TileLog:
        self.dir.mkdir(parents=True, exist_ok=True)
        fh = open(self.dir / self.LOCK, "a+b")  # noqa: SIM115 - held for the log's lifetime
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    fh.close()
                    raise LedgerError(
                        f"another sequencer holds {self.dir / self.LOCK}", code="locked"
                    ) from None
                time.sleep(0.05)
        self._lock_fh = fh
        try:
            self._load()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh.fileno(), fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def _require_lock(self) -> None:
        if self._lock_fh is None:
            raise LedgerError("the log is not open: use `with TileLog(...) as log`", code="locked")

    def _load(self) -> None:
        path = self.dir / "checkpoint"
        # _edge[L]: the hashes of the partial tile at level L; _bundle: the partial bundle.
        self._edge: list[list[bytes]] = [[]]
        self._bundle: list[bytes] = []
        if not path.exists():
            self.size, self.root, self.frozen = 0, EMPTY_ROOT, False
            self._publish(Checkpoint(self.origin, 0, EMPTY_ROOT))
            return
        signed = open_checkpoint(path.read_bytes(), [self.signer.verifier])
        cp = signed.checkpoint
        if cp.origin != self.origin:
            raise MalformedError(f"the log in {self.dir} is {cp.origin!r}, the key is for {self.origin!r}")
        self.size, self.root, self.frozen = cp.size, cp.root, cp.frozen
        _, sigs = split_note(signed.raw)
        self._cosigs = [s for s in sigs if (s.name, s.key_id) != (self.signer.name, self.signer.key_id)]
        reader = TileReader(DirectorySource(self.dir), cp.size)
        level = 0
        self._edge = []
        while (cp.size >> (TILE_HEIGHT * level)) > 0:
            n = cp.size >> (TILE_HEIGHT * (level + 1))
            width = tile_width(cp.size, level, n)
            self._edge.append(reader.tile(level, n) if width else [])
            level += 1
        if not self._edge:
            self._edge = [[]]
        if self._edge[0]:
            self._bundle = reader.bundle(cp.size >> TILE_HEIGHT)
            if leaf_hashes(self._bundle) != self._edge[0]:
                raise TamperError("the partial entry bundle does not match the partial level-0 tile")
        if self._edge_root() != cp.root:
            raise TamperError(
                f"the stored partial tiles of {self.dir} do not give the signed root: refusing to extend",
                where="checkpoint",
            )

    # -- state -----------------------------------------------------------------------------
    def _edge_root(self) -> bytes:
        """The root from the right edge: each partial tile split into perfect subtrees."""
        parts: list[bytes] = []
        for level in range(len(self._edge) - 1, -1, -1):
            hashes = self._edge[level]
            pos = 0
            for bit in range(TILE_HEIGHT - 1, -1, -1):
                chunk = 1 << bit
                if len(hashes) & chunk:
                    parts.append(root_from_hashes(hashes[pos : pos + chunk]))
                    pos += chunk
        if not parts:
            return EMPTY_ROOT
        acc = parts[-1]
        for h in reversed(parts[:-1]):
            acc = node_hash(h, acc)
        return acc

    def reader(self) -> TileReader:
        return TileReader(DirectorySource(self.dir), self.size)

    @property
    def checkpoint(self) -> Checkpoint:
        ext = (FROZEN,) if self.frozen else ()
        return Checkpoint(self.origin, self.size, self.root, ext)

    def signed_checkpoint(self) -> bytes:
        return (self.dir / "checkpoint").read_bytes()

    # -- writing -------------------------------------------------------------------------
    def _write(self, rel: str, data: bytes, *, sync: bool = False) -> None:
        """Write to a temporary name and rename into place; with ``durable``, fsync before
        the next checkpoint (:meth:`_flush`) — or now, for the checkpoint itself."""
        path = self.dir / rel
        parent = path.parent
        if parent not in self._dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        tmp = parent / f".{path.name}.tmp{os.getpid()}"
        with open(tmp, "wb") as fh:
            fh.write(data)
            if self.durable and sync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
        if self.durable and not sync:
            self._pending.append(path)

    def _flush(self) -> None:
        """Make the batch's tiles and bundles durable before a checkpoint names them.

        Files are written first and synced together afterwards: the first fsync commits the
        filesystem journal for all of them, so the rest cost little (one fsync per file as
        it is written would cost a journal commit each)."""
        if not self._pending:
            return
        parents = {p.parent for p in self._pending}
        for path in self._pending:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fdatasync(fd)
            finally:
                os.close(fd)
        for parent in parents:
            fd = os.open(parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        self._pending.clear()

    def _publish(self, cp: Checkpoint) -> bytes:
        self._flush()
        note = self._sign(cp, [])
        self._write("checkpoint", note, sync=True)
        if self.durable:
            fd = os.open(self.dir, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        self._cosigs = []
        return note

    def _sign(self, cp: Checkpoint, cosigs: Sequence[Signature]) -> bytes:
        from shezhi.ledger.note import sign_note

        return sign_note(cp.body(), [self.signer], keep=cosigs)

    def append(self, entries: Sequence[bytes]) -> int:
        """Sequence a batch; return the index of its first entry. Nothing is appended on error."""
        self._require_lock()
        if self.frozen:
            raise FrozenError(
                f"the log {self.origin} is frozen at size {self.size}; nothing more is appended"
            )
        entries = [bytes(e) for e in entries]
        for i, e in enumerate(entries):
            if len(e) > MAX_ENTRY_BYTES:
                check_length(e)
            if self.validate is not None:
                try:
                    self.validate(e)
                except LedgerError as exc:
                    exc.where = exc.where or f"batch entry {i}"
                    raise
        if not entries:
            return self.size
        first = self.size
        hashes = leaf_hashes(entries)
        edge = self._edge
        old_size = self.size
        bundle = self._bundle
        size = self.size
        pos = 0
        while pos < len(entries):
            take = min(TILE_WIDTH - len(edge[0]), len(entries) - pos)
            edge[0].extend(hashes[pos : pos + take])
            bundle.extend(entries[pos : pos + take])
            pos += take
            size += take
            if len(edge[0]) == TILE_WIDTH:
                n = (size >> TILE_HEIGHT) - 1
                self._write(bundle_path(n), encode_bundle(bundle))
                bundle.clear()
                self._complete(0, n)
        self.size = size
        self.root = self._edge_root()
        # The new right edge, then the checkpoint.
        for level, hashes_l in enumerate(edge):
            width = len(hashes_l)
            n = size >> (TILE_HEIGHT * (level + 1))
            unchanged = (n, width) == (
                old_size >> (TILE_HEIGHT * (level + 1)),
                tile_width(old_size, level, n),
            )
            if width and not unchanged:
                self._write(tile_path(level, n, width), b"".join(hashes_l))
        if bundle:
            self._write(bundle_path(size >> TILE_HEIGHT, len(bundle)), encode_bundle(bundle))
        self._publish(self.checkpoint)
        return first

    def _complete(self, level: int, n: int) -> None:
        """Tile ``n`` at ``level`` just filled: write it, carry its root up a level."""
        hashes = self._edge[level]
        self._write(tile_path(level, n), b"".join(hashes))
        root = root_from_hashes(hashes)
        hashes.clear()
        if len(self._edge) == level + 1:
            self._edge.append([])
        up = self._edge[level + 1]
        up.append(root)
        if len(up) == TILE_WIDTH:
            self._complete(level + 1, n >> TILE_HEIGHT)

    def freeze(self) -> bytes:
        """Close the log for good: a final checkpoint marked ``frozen``; no append after it."""
        self._require_lock()
        if not self.frozen:
            self.frozen = True
            self._publish(self.checkpoint)
        return self.signed_checkpoint()

    # -- witnesses -----------------------------------------------------------------------
    def cosign(self, witnesses: dict[str, WitnessClient]) -> list[str]:
        """Ask each witness (tlog-witness add-checkpoint) to cosign the current checkpoint.

        Returns the names of witnesses that cosigned; their signature lines are added to the
        published checkpoint. A witness that answers 409 gets one retry from the size it
        reports; any other refusal is left out (and reported by the returned list).
        """
        from shezhi.ledger.witness import WitnessRefused, add_checkpoint_request, parse_conflict

        self._require_lock()
        note = self._sign(self.checkpoint, [])
        got: list[Signature] = []
        done: list[str] = []
        for name, client in witnesses.items():
            old = self._witness_sizes.get(name, 0)
            for _attempt in range(2):
                proof = consistency_proof(self.reader(), old, self.size) if 0 < old <= self.size else []
                try:
                    reply = client(add_checkpoint_request(old, proof, note))
                except WitnessRefused as exc:
                    conflict = parse_conflict(exc)
                    if conflict is None or conflict > self.size:
                        break
                    old = conflict
                    continue
                _, sigs = split_note(b"x\n\n" + reply)
                got.extend(sigs)
                self._witness_sizes[name] = self.size
                done.append(name)
                break
        fresh = {(s.name, s.key_id) for s in got}
        keep = [s for s in self._cosigs if (s.name, s.key_id) not in fresh] + got
        self._write("checkpoint", self._sign(self.checkpoint, keep), sync=True)
        self._cosigs = keep
        return done
