"""The Merkle tree of RFC 6962 / RFC 9162 §2.1: tree heads, inclusion and consistency proofs.

SHA-256; a leaf hashes as ``H(0x00 ‖ data)``, an inner node as ``H(0x01 ‖ left ‖ right)``, the
empty tree as ``H()``. Proofs are *generated* from any :class:`HashSource` (an in-memory tree,
or the tiles of :mod:`shezhi.ledger.tiles`) by the recursive definitions of RFC 9162 §2.1.3.1
and §2.1.4.1, and *verified* by the iterative algorithms of §2.1.3.2 and §2.1.4.2, which
reject a proof with a missing, extra or altered hash, and a proof for another size or index.

>>> tree = MemoryTree([b"", b"\\x00", b"\\x10"])
>>> root = tree.root()
>>> proof = tree.inclusion_proof(2)
>>> verify_inclusion(2, 3, leaf_hash(b"\\x10"), proof, root)
>>> verify_inclusion(1, 3, leaf_hash(b"\\x10"), proof, root)
Traceback (most recent call last):
...
shezhi.ledger.errors.ProofError: inclusion proof for entry 1 in a tree of size 3 does not verify
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

from shezhi.ledger.errors import ProofError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_sha = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """``H(0x00 ‖ data)``: the hash of one log entry."""
    return _sha(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``H(0x01 ‖ left ‖ right)``: the hash of an inner node."""
    return _sha(b"\x01" + left + right).digest()


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    """The leaf hashes of many entries (one C call each, no per-node objects)."""
    sha = _sha
    return [sha(b"\x00" + e).digest() for e in entries]


def _parents(level: Sequence[bytes]) -> list[bytes]:
    sha = _sha
    return [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]


def root_from_hashes(hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash over a run of subtree hashes (leaf hashes, or tile hashes).

    Pairing level by level and carrying an odd last node up unchanged builds exactly the
    left-balanced tree of RFC 6962 (the left subtree holds the largest power of two).
    """
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
    while len(level) > 1:
        nxt = _parents(level)
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def perfect_levels(hashes: Sequence[bytes]) -> list[list[bytes]]:
    """Every complete level above ``hashes``: ``levels[j][i]`` covers ``hashes[i·2^j : (i+1)·2^j]``."""
    levels = [list(hashes)]
    while len(levels[-1]) > 1:
        levels.append(_parents(levels[-1]))
    return levels


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 9162: the largest power of two strictly smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class HashSource(Protocol):
    """Anything that yields the hash of a complete subtree of the log."""

    def subtree(self, level: int, index: int) -> bytes:
        """``MTH(D[index·2^level : (index+1)·2^level])``."""
        ...


def range_hash(src: HashSource, lo: int, hi: int) -> bytes:
    """``MTH(D[lo:hi])`` for a range whose start is aligned as in the RFC recursions."""
    n = hi - lo
    if n <= 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0:
        level = n.bit_length() - 1
        if lo % n == 0:
            return src.subtree(level, lo >> level)
    k = _largest_power_of_two_below(n)
    return node_hash(range_hash(src, lo, lo + k), range_hash(src, lo + k, hi))


def tree_root(src: HashSource, size: int) -> bytes:
    """The root hash of the tree of ``size`` entries."""
    return range_hash(src, 0, size)


def inclusion_proof(src: HashSource, index: int, size: int) -> list[bytes]:
    """``PATH(index, D[0:size])`` of RFC 9162 §2.1.3.1, leaf's sibling first."""
    if not 0 <= index < size:
        raise ProofError(f"entry {index} is not in a tree of size {size}", code="index")
    out: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _largest_power_of_two_below(hi - lo)
        if index < lo + k:
            out.append(range_hash(src, lo + k, hi))
            hi = lo + k
        else:
            out.append(range_hash(src, lo, lo + k))
            lo = lo + k
    out.reverse()
    return out


def consistency_proof(src: HashSource, size1: int, size2: int) -> list[bytes]:
    """``PROOF(size1, D[0:size2])`` of RFC 9162 §2.1.4.1 (empty when the sizes are equal or 0)."""
    if not 0 <= size1 <= size2:
        raise ProofError(f"no consistency proof from size {size1} to size {size2}", code="sizes")
    if size1 == 0 or size1 == size2:
        return []
    out: list[bytes] = []
    lo, hi, m, known = 0, size2, size1, True
    while True:
        n = hi - lo
        if m == n:
            if not known:
                out.append(range_hash(src, lo, hi))
            break
        k = _largest_power_of_two_below(n)
        if m <= k:
            out.append(range_hash(src, lo + k, hi))
            hi = lo + k
        else:
            out.append(range_hash(src, lo, lo + k))
            lo, m, known = lo + k, m - k, False
    out.reverse()
    return out


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        raise ProofError(f"{what} is not a {HASH_SIZE}-byte SHA-256 hash", code="malformed")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2: the root a proof leads to, or :class:`ProofError` if it is malformed."""
    if not 0 <= index < size:
        raise ProofError(f"entry {index} is not in a tree of size {size}", code="index")
    _check_hash(leaf, "the leaf hash")
    fn, sn, r = index, size - 1, leaf
    for i, p in enumerate(proof):
        _check_hash(p, f"proof hash {i}")
        if sn == 0:
            raise ProofError(
                f"inclusion proof for entry {index} in a tree of size {size} has {len(proof) - i} "
                "hashes too many",
                code="proof_length",
            )
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(
            f"inclusion proof for entry {index} in a tree of size {size} is too short",
            code="proof_length",
        )
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf`` is entry ``index`` of the tree of ``size`` with ``root``; raise if not."""
    _check_hash(root, "the root hash")
    try:
        got = root_from_inclusion_proof(index, size, leaf, proof)
    except ProofError as exc:
        if exc.code == "proof_length":
            raise ProofError(
                f"inclusion proof for entry {index} in a tree of size {size} does not verify", code="proof"
            ) from exc
        raise
    if got != root:
        raise ProofError(f"inclusion proof for entry {index} in a tree of size {size} does not verify")


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2: check that the tree (size2, root2) extends (size1, root1); raise if not.

    As in the reference implementation, a proof *from the empty tree* is refused as
    meaningless (size1 = 0); callers that accept any first checkpoint handle that case.
    """
    if size1 > size2:
        raise ProofError(f"size {size2} is smaller than size {size1}: the log shrank", code="sizes")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing", code="sizes")
    _check_hash(root1, "the first root hash")
    _check_hash(root2, "the second root hash")
    if size1 == size2:
        if proof:
            raise ProofError("trees of equal size need an empty consistency proof", code="proof")
        if root1 != root2:
            raise ProofError(f"two different roots for the same size {size1}", code="proof")
        return
    if not proof:
        raise ProofError(f"empty consistency proof from size {size1} to size {size2}", code="proof")
    for i, p in enumerate(proof):
        _check_hash(p, f"proof hash {i}")
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError(
                f"consistency proof from size {size1} to size {size2} has hashes too many", code="proof"
            )
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != root1 or sr != root2:
        raise ProofError(f"consistency proof from size {size1} to size {size2} does not verify")


class MemoryTree:
    """A whole tree in memory (every level kept): for tests, receipts and small logs."""

    def __init__(self, entries: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        self.extend_hashes(leaf_hashes(entries))

    def __len__(self) -> int:
        return len(self._levels[0])

    def extend_hashes(self, hashes: Iterable[bytes]) -> None:
        """Append leaf hashes, completing the inner nodes that become complete."""
        for h in hashes:
            self._levels[0].append(h)
            level = 0
            while len(self._levels[level]) % 2 == 0:
                row = self._levels[level]
                parent = node_hash(row[-2], row[-1])
                if len(self._levels) == level + 1:
                    self._levels.append([])
                self._levels[level + 1].append(parent)
                level += 1

    def append(self, entry: bytes) -> int:
        """Append one entry; return its index."""
        self.extend_hashes([leaf_hash(entry)])
        return len(self) - 1

    def subtree(self, level: int, index: int) -> bytes:
        try:
            return self._levels[level][index]
        except IndexError:
            raise ProofError(f"no complete subtree at level {level}, index {index}", code="missing") from None

    def root(self, size: int | None = None) -> bytes:
        return tree_root(self, len(self) if size is None else size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(self, index, len(self) if size is None else size)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        return consistency_proof(self, size1, len(self) if size2 is None else size2)
