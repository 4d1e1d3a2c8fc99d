"""Published test vectors, copied as data from their sources (never invented here).

* RFC 6962 reference leaves, node hashes and roots of sizes 0-8: github.com/transparency-dev/merkle
  ``testonly/constants.go`` (LeafInputs, NodeHashes, RootHashes).
* Inclusion and consistency proofs of that tree: ``testonly/reference_test.go``
  (TestRefInclusionProof, TestRefConsistencyProof).
* Proof probes a verifier must accept or reject (bit flips, truncations, garbage before or
  after, wrong sizes and indices, swapped roots): ``testdata/inclusion/**`` and
  ``testdata/consistency/**`` of the same repository (Apache-2.0), bundled verbatim in
  ``data/transparency_dev_proofs.json`` with each probe's file name.
* The signed-note example key and signatures: golang.org/x/mod ``sumdb/note/note_test.go``
  (TestNewVerifier, TestSign, TestOpen), and the verifier-key example of c2sp.org/signed-note.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from shezhi.ledger.errors import LedgerError, MalformedError, ProofError, SignatureError
from shezhi.ledger.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from shezhi.ledger.note import (
    COSIGNATURE_V1,
    ED25519,
    key_id,
    load_signer,
    load_verifier,
    open_note,
    sign_note,
)

# transparency-dev/merkle testonly/constants.go: LeafInputs()
LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
# testonly/constants.go: NodeHashes() level 0 (leaf hashes) and level 1..3
NODE_HASHES = [
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
# testonly/constants.go: RootHashes(), indexed by tree size 0..8
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# testonly/reference_test.go: TestRefInclusionProof (index, size, proof)
INCLUSION = [
    (0, 1, []),
    (0, 2, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"]),
    (1, 2, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
# testonly/reference_test.go: TestRefConsistencyProof (size1, size2, proof)
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]

PROBES = json.loads((Path(__file__).parent / "data" / "transparency_dev_proofs.json").read_text())
# One probe we refuse although the reference accepts it: equal sizes with equal roots that
# are not 32 bytes ("ZG9uJ3QgY2FyZSAy", 12 bytes). A root that is not a SHA-256 hash is
# malformed input for us, whatever the sizes.
STRICTER = {"testdata/consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"}


def b64(s: str) -> bytes:
    return base64.b64decode(s)


def test_it_computes_the_reference_roots_of_sizes_0_to_8():
    tree = MemoryTree(LEAVES)
    assert [tree.root(n).hex() for n in range(9)] == ROOTS
    assert tree.root(0) == EMPTY_ROOT


def test_it_computes_the_reference_node_hashes():
    tree = MemoryTree(LEAVES)
    for level, row in enumerate(NODE_HASHES):
        assert [tree.subtree(level, i).hex() for i in range(len(row))] == row
    assert [leaf_hash(x).hex() for x in LEAVES] == NODE_HASHES[0]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_it_generates_and_verifies_the_reference_inclusion_proofs(index, size, proof):
    tree = MemoryTree(LEAVES)
    assert [h.hex() for h in tree.inclusion_proof(index, size)] == proof
    verify_inclusion(
        index, size, leaf_hash(LEAVES[index]), [bytes.fromhex(h) for h in proof], bytes.fromhex(ROOTS[size])
    )


@pytest.mark.parametrize(("size1", "size2", "proof"), CONSISTENCY)
def test_it_generates_and_verifies_the_reference_consistency_proofs(size1, size2, proof):
    tree = MemoryTree(LEAVES)
    assert [h.hex() for h in tree.consistency_proof(size1, size2)] == proof
    verify_consistency(
        size1,
        size2,
        bytes.fromhex(ROOTS[size1]),
        bytes.fromhex(ROOTS[size2]),
        [bytes.fromhex(h) for h in proof],
    )


def test_all_proofs_of_the_reference_tree_verify_and_every_wrong_size_is_refused():
    tree = MemoryTree(LEAVES)
    for size in range(1, 9):
        for i in range(size):
            proof = tree.inclusion_proof(i, size)
            verify_inclusion(i, size, leaf_hash(LEAVES[i]), proof, tree.root(size))
            for other in range(1, 9):
                if other != size:  # a proof for a different tree size
                    with pytest.raises(ProofError):
                        verify_inclusion(i, other, leaf_hash(LEAVES[i]), proof, tree.root(other))
        for m in range(1, size + 1):
            verify_consistency(m, size, tree.root(m), tree.root(size), tree.consistency_proof(m, size))


@pytest.mark.parametrize("probe", PROBES["inclusion"], ids=lambda p: p["file"].removeprefix("testdata/"))
def test_inclusion_probes(probe):
    args = (
        probe["leafIdx"],
        probe["treeSize"],
        b64(probe["leafHash"]),
        [b64(p) for p in probe["proof"] or []],
        b64(probe["root"]),
    )
    if probe["wantErr"]:
        with pytest.raises(LedgerError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("probe", PROBES["consistency"], ids=lambda p: p["file"].removeprefix("testdata/"))
def test_consistency_probes(probe):
    args = (
        probe["size1"],
        probe["size2"],
        b64(probe["root1"]),
        b64(probe["root2"]),
        [b64(p) for p in probe["proof"] or []],
    )
    if probe["wantErr"] or probe["file"] in STRICTER:
        with pytest.raises(LedgerError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_the_probe_set_is_complete():
    assert len(PROBES["inclusion"]) == 98
    assert len(PROBES["consistency"]) == 98
    assert sum(p["wantErr"] for p in PROBES["inclusion"]) > 80


# --- signed notes: golang.org/x/mod sumdb/note/note_test.go ---------------------------------
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIG = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6"
    "RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1R"
    "vMc+QQ=\n"
)
# c2sp.org/signed-note §Verifier keys, Example
C2SP_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
C2SP_NOTE = (
    "This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTg"
    "K7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)


def test_it_reads_the_published_verifier_keys():
    v = load_verifier(PETER_VKEY)
    assert (v.name, v.key_id, v.sig_type) == ("PeterNeumann", 0xC74F20A3, ED25519)
    assert v.vkey == PETER_VKEY
    assert key_id("PeterNeumann", ED25519, v.public_key) == 0xC74F20A3
    assert load_verifier(C2SP_VKEY).key_id == 0x530D903A


def test_it_refuses_every_mangling_of_the_verifier_key():
    b = bytearray(PETER_VKEY.encode())
    for i in range(len(b)):
        b[i] += 1
        with pytest.raises(MalformedError):
            load_verifier(b.decode("latin-1"))
        b[i] -= 1
    for cut in range(1, len(PETER_VKEY)):
        with pytest.raises(MalformedError):
            load_verifier(PETER_VKEY[:cut])
    # note_test.go: wrong key length / unknown algorithm, each with an adjusted key hash
    for bad in (
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ):
        with pytest.raises(MalformedError):
            load_verifier(bad)


def test_it_signs_exactly_as_the_published_example():
    signer = load_signer(PETER_SKEY)
    assert signer.verifier.vkey == PETER_VKEY
    assert sign_note(TEXT, [signer]).decode() == TEXT + "\n" + PETER_SIG


def test_it_opens_notes_ignoring_unknown_keys():
    note = open_note((TEXT + "\n" + PETER_SIG + ENOCH_SIG).encode(), [load_verifier(PETER_VKEY)])
    assert note.text == TEXT
    assert [s.name for _, s in note.verified] == ["PeterNeumann"]
    assert [s.name for s in note.unknown] == ["EnochRoot"]
    both = open_note(
        (TEXT + "\n" + PETER_SIG + ENOCH_SIG).encode(), [load_verifier(PETER_VKEY), load_verifier(ENOCH_VKEY)]
    )
    assert len(both.verified) == 2
    assert open_note(C2SP_NOTE.encode(), [load_verifier(C2SP_VKEY)]).text == "This is an example message.\n"


def test_it_refuses_a_note_signed_by_no_known_key():
    with pytest.raises(SignatureError):
        open_note((TEXT + "\n" + ENOCH_SIG).encode(), [load_verifier(PETER_VKEY)])


def test_it_refuses_a_note_whose_known_signature_fails():
    bad = TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(SignatureError, match="invalid signature for key PeterNeumann"):
        open_note(bad.encode(), [load_verifier(PETER_VKEY)])
    with pytest.raises(SignatureError):  # the text altered under a valid signature
        open_note(
            (TEXT.replace("answer", "answers") + "\n" + PETER_SIG).encode(), [load_verifier(PETER_VKEY)]
        )


@pytest.mark.parametrize(
    "msg",
    [  # note_test.go TestOpen badMsgs, plus too many signatures
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        b"\xff" + (TEXT + "\n" + PETER_SIG).encode(),
        TEXT
        + "\n"
        + "\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZ"
        "b6KE6RyyBwJnAM=",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + PETER_SIG * 101,
    ],
)
def test_it_refuses_malformed_notes(msg):
    raw = msg if isinstance(msg, bytes) else msg.encode()
    with pytest.raises(MalformedError):
        open_note(raw, [load_verifier(PETER_VKEY)])


def test_cosignature_keys_use_type_byte_0x04():
    from shezhi.ledger.note import generate_key

    skey, vkey = generate_key("witness.example/w1", COSIGNATURE_V1)
    v = load_verifier(vkey)
    assert v.sig_type == COSIGNATURE_V1
    assert v.key_id == key_id("witness.example/w1", 0x04, v.public_key)
    assert v.key_id != key_id("witness.example/w1", 0x01, v.public_key)
    assert base64.b64decode(vkey.split("+", 2)[2])[0] == 0x04
    assert load_signer(skey).verifier == v
