"""The transparency log (透明日志): an append-only, publicly verifiable record of decisions.

A pure library like :mod:`shezhi.engine`: no Django, no other shezhi app (an import-linter
contract checks it). It speaks the formats deployed logs and their verifiers already read:

* :mod:`~shezhi.ledger.merkle` — the RFC 6962 / RFC 9162 §2.1 Merkle tree: tree heads,
  inclusion and consistency proofs, generated and verified;
* :mod:`~shezhi.ledger.note` — C2SP signed notes with Ed25519 keys and their key strings;
* :mod:`~shezhi.ledger.checkpoint` — C2SP tlog-checkpoint, the yearly origin, freezing;
* :mod:`~shezhi.ledger.tiles` — C2SP tlog-tiles: the one sequencer writing static tiles,
  entry bundles and the checkpoint; a reader computing proofs from tiles;
* :mod:`~shezhi.ledger.witness` — a C2SP tlog-witness cosigner (tlog-cosignature/v1);
* :mod:`~shezhi.ledger.receipt` — offline receipts, C2SP tlog-proof;
* :mod:`~shezhi.ledger.verify` — the command-line verifier an outsider runs;
* :mod:`~shezhi.ledger.entries` — entry limits and canonical JSON.

See docs/ledger.md for the formats, how to verify as an outsider, and key handling.
"""
