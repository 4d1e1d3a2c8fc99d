"""C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, and their key strings.

A note is text ending in a newline, a blank line, then signature lines
``— <key name> base64(key ID ‖ signature)``. The key ID is
``SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]`` with type 0x01 for Ed25519 note signatures
and 0x04 for tlog-cosignature/v1 cosignatures (:mod:`shezhi.ledger.witness`).

Key strings (the formats of golang.org/x/mod/sumdb/note, which every Go log tool reads):

* verifier key: ``<name>+<hex key ID>+base64(type ‖ 32-byte public key)``
* signer key:   ``PRIVATE+KEY+<name>+<hex key ID>+base64(type ‖ 32-byte seed)``

The private key never needs to be on disk beside the log: :func:`signer_from_environment`
reads it from an environment variable, or from a file named by one (the Django side passes
``settings``' value to :func:`load_signer`).

>>> v = load_verifier("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
>>> v.name, f"{v.key_id:08x}"
('PeterNeumann', 'c74f20a3')
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from shezhi.ledger.errors import MalformedError, SignatureError

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
DASH = "\u2014 "
#: Verifiers must accept at least 16 signatures (spec); golang.org/x/mod stops at 100.
MAX_SIGNATURES = 100
MAX_NOTE_BYTES = 1 << 20


def valid_key_name(name: str) -> bool:
    """Non-empty, no Unicode space, no ``+`` (signed-note §Format)."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_id(name: str, sig_type: int, public_key: bytes) -> int:
    """``SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]`` as a big-endian uint32."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()
    return struct.unpack(">I", digest[:4])[0]


def _raw_public(pub: Ed25519PublicKey) -> bytes:
    return pub.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    """A trusted public key: name, key ID, type (0x01 note, 0x04 cosignature) and the key."""

    name: str
    key_id: int
    sig_type: int
    public_key: bytes

    @property
    def vkey(self) -> str:
        """The verifier-key string ``<name>+<hex id>+base64(type ‖ key)``."""
        material = base64.b64encode(bytes([self.sig_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{material}"

    def message(self, text: bytes, signature: bytes) -> tuple[bytes, bytes]:
        """The bytes signed and the raw Ed25519 signature, for this key's signature type."""
        if self.sig_type == ED25519:
            if len(signature) != 64:
                raise SignatureError(f"invalid signature for key {self.name}+{self.key_id:08x}: not 64 bytes")
            return text, signature
        if len(signature) != 72:
            raise SignatureError(
                f"invalid cosignature for key {self.name}+{self.key_id:08x}: not 8 + 64 bytes"
            )
        (ts,) = struct.unpack(">Q", signature[:8])
        if ts >= 1 << 63:
            raise SignatureError(
                f"invalid cosignature for key {self.name}+{self.key_id:08x}: timestamp out of range"
            )
        return b"cosignature/v1\ntime " + str(ts).encode() + b"\n" + text, signature[8:]

    def verify(self, text: bytes, signature: bytes) -> bool:
        signed, raw = self.message(text, signature)
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(raw, signed)
        except InvalidSignature:
            return False
        return True


def load_verifier(vkey: str) -> Verifier:
    """Parse a verifier-key string; refuse any mangling (wrong ID, length, type, name)."""
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        raise MalformedError(f"verifier key {vkey[:40]!r} does not have the form name+id+key")
    name, hex_id, b64 = parts
    if not valid_key_name(name) or len(hex_id) != 8 or hex_id.lower() != hex_id:
        raise MalformedError(f"verifier key {vkey[:40]!r} has a bad name or key ID")
    try:
        kid = int(hex_id, 16)
        material = base64.b64decode(b64, validate=True)
    except (ValueError, binascii.Error):
        raise MalformedError(f"verifier key {vkey[:40]!r} is not hex and base64") from None
    if base64.b64encode(material).decode() != b64:
        raise MalformedError(f"verifier key {vkey[:40]!r} is not canonical base64")
    if len(material) != 33 or material[0] not in (ED25519, COSIGNATURE_V1):
        raise MalformedError(f"verifier key {vkey[:40]!r} is not an Ed25519 (0x01) or cosignature (0x04) key")
    sig_type, pub = material[0], material[1:]
    if key_id(name, sig_type, pub) != kid:
        raise MalformedError(f"verifier key {vkey[:40]!r}: the key ID does not match the key")
    return Verifier(name, kid, sig_type, pub)


@dataclass(frozen=True)
class Signer:
    """A private Ed25519 key with its name and signature type."""

    name: str
    sig_type: int
    _private: Ed25519PrivateKey = field(repr=False, compare=False)

    @property
    def public_key(self) -> bytes:
        return _raw_public(self._private.public_key())

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.sig_type, self.public_key)

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.key_id, self.sig_type, self.public_key)

    def sign(self, text: bytes, *, timestamp: int | None = None) -> bytes:
        """``key ID ‖ signature`` over ``text`` (for cosigners, over the cosignature/v1 message)."""
        kid = struct.pack(">I", self.key_id)
        if self.sig_type == ED25519:
            return kid + self._private.sign(text)
        ts = int(time.time()) if timestamp is None else int(timestamp)
        if not 0 < ts < 1 << 63:
            raise MalformedError("a cosignature timestamp must be a positive POSIX time")
        msg = b"cosignature/v1\ntime " + str(ts).encode() + b"\n" + text
        return kid + struct.pack(">Q", ts) + self._private.sign(msg)

    def signature_line(self, text: bytes, *, timestamp: int | None = None) -> str:
        return f"{DASH}{self.name} {base64.b64encode(self.sign(text, timestamp=timestamp)).decode()}\n"


def load_signer(skey: str) -> Signer:
    """Parse ``PRIVATE+KEY+<name>+<hex id>+base64(type ‖ seed)``; the ID must match the key."""
    parts = skey.strip().split("+", 4)
    if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
        raise MalformedError("signer key does not have the form PRIVATE+KEY+name+id+key")
    _, _, name, hex_id, b64 = parts
    if not valid_key_name(name) or len(hex_id) != 8:
        raise MalformedError("signer key has a bad name or key ID")
    try:
        kid = int(hex_id, 16)
        material = base64.b64decode(b64, validate=True)
    except (ValueError, binascii.Error):
        raise MalformedError("signer key is not hex and base64") from None
    if len(material) != 33 or material[0] not in (ED25519, COSIGNATURE_V1):
        raise MalformedError("signer key is not an Ed25519 (0x01) or cosignature (0x04) key")
    signer = Signer(name, material[0], Ed25519PrivateKey.from_private_bytes(material[1:]))
    if signer.key_id != kid:
        raise MalformedError("signer key: the key ID does not match the key")
    return signer


def generate_key(name: str, sig_type: int = ED25519) -> tuple[str, str]:
    """A new key pair as (signer key string, verifier key string)."""
    if not valid_key_name(name):
        raise MalformedError(f"key name {name!r} is empty or has a space or a plus")
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes_raw()
    signer = Signer(name, sig_type, private)
    skey = f"PRIVATE+KEY+{name}+{signer.key_id:08x}+{base64.b64encode(bytes([sig_type]) + seed).decode()}"
    return skey, signer.verifier.vkey


def signer_from_environment(var: str = "SHEZHI_LEDGER_KEY", file_var: str | None = None) -> Signer:
    """The signer whose key string is in ``$var``, or in the file named by ``$file_var``."""
    file_var = file_var or f"{var}_FILE"
    value = os.environ.get(var, "").strip()
    if not value and os.environ.get(file_var):
        with open(os.environ[file_var], encoding="ascii") as fh:
            value = fh.read().strip()
    if not value:
        raise MalformedError(f"no signing key: set {var} or {file_var}", code="no_key")
    return load_signer(value)


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: int
    raw: bytes  # the signature bytes after the key ID

    @property
    def line(self) -> str:
        blob = struct.pack(">I", self.key_id) + self.raw
        return f"{DASH}{self.name} {base64.b64encode(blob).decode()}\n"


@dataclass
class Note:
    """An opened note: its text, the signatures that verified, and those from unknown keys."""

    text: str
    verified: list[tuple[Verifier, Signature]]
    unknown: list[Signature]

    def verified_by(self, verifier: Verifier) -> Signature | None:
        for v, sig in self.verified:
            if v == verifier:
                return sig
        return None


def split_note(msg: bytes) -> tuple[bytes, list[Signature]]:
    """Check the syntax of a signed note and split it into text and signatures (unverified)."""
    if len(msg) > MAX_NOTE_BYTES:
        raise MalformedError("malformed note: too long")
    try:
        decoded = msg.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedError("malformed note: not UTF-8") from None
    if any(c < " " and c != "\n" for c in decoded):
        raise MalformedError("malformed note: control character")
    split = msg.rfind(b"\n\n")
    if split < 0:
        raise MalformedError("malformed note: no blank line before the signatures")
    text, block = msg[: split + 1], msg[split + 2 :]
    if not block or not block.endswith(b"\n"):
        raise MalformedError("malformed note: no signature, or no final newline")
    sigs: list[Signature] = []
    for line in block[:-1].decode().split("\n"):
        if not line.startswith(DASH):
            raise MalformedError(f"malformed note: {line[:40]!r} is not a signature line")
        name, _, b64 = line[len(DASH) :].partition(" ")
        try:
            blob = base64.b64decode(b64, validate=True)
        except binascii.Error:
            raise MalformedError(f"malformed note: signature by {name[:40]!r} is not base64") from None
        if not valid_key_name(name) or not b64 or len(blob) < 5:
            raise MalformedError(f"malformed note: bad signature line {line[:40]!r}")
        sigs.append(Signature(name, struct.unpack(">I", blob[:4])[0], blob[4:]))
        if len(sigs) > MAX_SIGNATURES:
            raise MalformedError("malformed note: too many signatures")
    return text, sigs


def open_note(msg: bytes, verifiers: Iterable[Verifier]) -> Note:
    """Verify a note: signatures by known (name, key ID) must verify, unknown ones are ignored.

    Raises :class:`MalformedError` for bad syntax and :class:`SignatureError` when a known
    key's signature fails or no known key signed.
    """
    text, sigs = split_note(msg)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified: list[tuple[Verifier, Signature]] = []
    unknown: list[Signature] = []
    seen: set[tuple[str, int]] = set()
    for sig in sigs:
        v = known.get((sig.name, sig.key_id))
        if v is None:
            if sig not in unknown:
                unknown.append(sig)
            continue
        if (sig.name, sig.key_id) in seen:
            continue
        seen.add((sig.name, sig.key_id))
        if not v.verify(text, sig.raw):
            raise SignatureError(f"invalid signature for key {v.name}+{v.key_id:08x}", where=v.name)
        verified.append((v, sig))
    if not verified:
        raise SignatureError("the note is not signed by any trusted key", code="unsigned")
    return Note(text.decode(), verified, unknown)


def sign_note(text: str | bytes, signers: Sequence[Signer], *, keep: Sequence[Signature] = ()) -> bytes:
    """The signed note: text, a blank line, ``keep`` signatures (e.g. cosignatures), new ones."""
    body = text.encode() if isinstance(text, str) else bytes(text)
    if not body.strip() or not body.endswith(b"\n"):
        raise MalformedError("malformed note: the text must be non-empty and end in a newline")
    try:
        decoded = body.decode()
    except UnicodeDecodeError:
        raise MalformedError("malformed note: not UTF-8") from None
    if any(c < " " and c != "\n" for c in decoded):
        raise MalformedError("malformed note: control character")
    ours = {(s.name, s.key_id) for s in signers}
    lines = [sig.line for sig in keep if (sig.name, sig.key_id) not in ours]
    lines = [s.signature_line(body) for s in signers] + lines
    return body + b"\n" + "".join(lines).encode()
