"""The tiled log: paths as C2SP tlog-tiles spells them, the sequencer, proofs from tiles."""

from __future__ import annotations

import random
import threading

import pytest

from shezhi.ledger.checkpoint import Checkpoint, open_checkpoint, year_is_over, yearly_origin
from shezhi.ledger.entries import canonical_json, require_canonical_json
from shezhi.ledger.errors import EntryError, FrozenError, LedgerError, MalformedError, TamperError
from shezhi.ledger.merkle import MemoryTree, verify_consistency, verify_inclusion
from shezhi.ledger.tiles import DirectorySource, TileLog, TileReader, bundle_path, encode_index, tile_path

from .conftest import ORIGIN, entry


def test_index_paths_follow_the_spec():
    # c2sp.org/tlog-tiles: "index 1234067 will be encoded as x001/x234/067"
    assert encode_index(1234067) == "x001/x234/067"
    assert encode_index(0) == "000"
    assert encode_index(999) == "999"
    assert encode_index(1000) == "x001/000"
    assert tile_path(2, 5) == "tile/2/005"
    assert tile_path(0, 1234067, 17) == "tile/0/x001/x234/067.p/17"
    assert bundle_path(3, 256) == "tile/entries/003"
    with pytest.raises(MalformedError):
        tile_path(0, 1, 0)


def _files(directory):
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def test_a_tree_of_70000_has_the_tiles_the_spec_lists(make_log):
    # c2sp.org/tlog-tiles: 273 full level-0 tiles, a partial of width 112, one full level-1 tile,
    # a partial level-1 tile of width 17 and a partial level-2 tile of width 1.
    d = make_log(70000, batch=70000)
    files = _files(d)
    level0_full = [f for f in files if f.startswith("tile/0/") and ".p/" not in f]
    assert len(level0_full) == 273
    assert "tile/0/273.p/112" in files
    assert "tile/1/000" in files
    assert "tile/1/001.p/17" in files
    assert "tile/2/000.p/1" in files
    assert len([f for f in files if f.startswith("tile/entries/") and ".p/" not in f]) == 273
    assert "tile/entries/273.p/112" in files
    assert not [f for f in files if ".tmp" in f]


def test_a_tree_of_256_is_one_full_tile_and_a_partial_level_1_tile(make_log):
    files = _files(make_log(256, batch=256))
    assert "tile/0/000" in files
    assert "tile/1/000.p/1" in files
    assert not [f for f in files if f.startswith("tile/0/000.p")]


def test_batches_of_any_split_give_the_same_tree_and_proofs(tmp_path, log_key):
    rng = random.Random(17)
    entries = [entry(i) for i in range(3000)]
    tree = MemoryTree(entries)
    with TileLog(tmp_path / "log", log_key[0], durable=False) as log:
        pos = 0
        while pos < len(entries):
            k = rng.choice([1, 2, 7, 255, 256, 257, 600])
            first = log.append(entries[pos : pos + k])
            assert first == pos
            pos = min(len(entries), pos + k)
            assert log.root == tree.root(pos)
            reader = log.reader()
            i = rng.randrange(pos)
            assert reader.inclusion_proof(i) == tree.inclusion_proof(i, pos)
            assert reader.entry(i) == entries[i]
            m = rng.randrange(1, pos + 1)
            assert reader.consistency_proof(m) == tree.consistency_proof(m, pos)
    signed = open_checkpoint((tmp_path / "log" / "checkpoint").read_bytes(), [log_key[1]])
    assert signed.size == 3000
    assert signed.root == tree.root()


def test_reopening_continues_the_same_tree(tmp_path, log_key, make_log):
    d = make_log(1000, batch=333)
    with TileLog(d, log_key[0], durable=False) as log:
        old_root = log.root
        log.append([entry(i) for i in range(1000, 1300)])
        reader = log.reader()
        verify_consistency(1000, 1300, old_root, log.root, reader.consistency_proof(1000))
        verify_inclusion(1200, 1300, MemoryTree([entry(1200)]).root(), reader.inclusion_proof(1200), log.root)
    assert log.root == MemoryTree([entry(i) for i in range(1300)]).root()


def test_only_one_sequencer_holds_the_log(tmp_path, log_key):
    with TileLog(tmp_path / "log", log_key[0], durable=False):
        second = TileLog(tmp_path / "log", log_key[0], durable=False, lock_timeout=0.2)
        with pytest.raises(LedgerError, match="another sequencer"):
            second.__enter__()


def test_concurrent_writers_are_serialised_by_the_lock(tmp_path, log_key):
    d = tmp_path / "log"
    TileLog(d, log_key[0], durable=False).__enter__().close()

    def writer(k):
        for j in range(5):
            with TileLog(d, log_key[0], durable=False, lock_timeout=30) as log:
                log.append([entry(1000 * k + j)] * 3)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with TileLog(d, log_key[0], durable=False) as log:
        assert log.size == 45
        reader = log.reader()
        assert reader.root() == log.root


def test_a_sequencer_refuses_to_extend_tiles_that_do_not_match_its_checkpoint(make_log, log_key):
    d = make_log(300)
    tile = d / "tile/0/001.p/44"
    data = bytearray(tile.read_bytes())
    data[5] ^= 1
    tile.write_bytes(bytes(data))
    with pytest.raises(TamperError):
        TileLog(d, log_key[0], durable=False).__enter__()


def test_a_log_refuses_a_key_for_another_origin(make_log):
    from shezhi.ledger.note import generate_key, load_signer

    d = make_log(3)
    other = load_signer(generate_key("ledger.test/eldercare/2027")[0])
    with pytest.raises(LedgerError):
        TileLog(d, other, durable=False).__enter__()


def test_entries_too_long_or_not_canonical_are_refused_and_nothing_is_appended(tmp_path, log_key):
    with TileLog(tmp_path / "log", log_key[0], validate=require_canonical_json, durable=False) as log:
        log.append([canonical_json({"a": 1})])
        before = (tmp_path / "log" / "checkpoint").read_bytes()
        for bad in (
            b'{"b":1, "a":2}',
            b'{"b":1,"a":2}',
            b'{"a":1.5}',
            b'{"a":1,"a":2}',
            b"\xff",
            b"x" * 70000,
        ):
            with pytest.raises(EntryError):
                log.append([canonical_json({"ok": True}), bad])
        assert log.size == 1
        assert (tmp_path / "log" / "checkpoint").read_bytes() == before
    with pytest.raises(EntryError):
        canonical_json({"x": 0.1})


def test_a_frozen_log_takes_no_more_entries(tmp_path, log_key):
    d = tmp_path / "log"
    with TileLog(d, log_key[0], durable=False) as log:
        log.append([entry(0), entry(1)])
        final = log.freeze()
        assert Checkpoint.parse(final.decode().split("\n\n")[0] + "\n").frozen
        with pytest.raises(FrozenError):
            log.append([entry(2)])
    with TileLog(d, log_key[0], durable=False) as log:
        assert log.frozen
        assert log.size == 2
        with pytest.raises(FrozenError):
            log.append([entry(2)])
    signed = open_checkpoint((d / "checkpoint").read_bytes(), [log_key[1]])
    assert signed.checkpoint.frozen
    assert signed.checkpoint.extensions == ("frozen",)


def test_yearly_origin():
    from datetime import date

    assert yearly_origin("https://gov.example/", 2026) == "gov.example/eldercare/2026"
    assert ORIGIN.endswith("/2026")
    assert not year_is_over("gov.example/eldercare/2026", date(2026, 12, 31))
    assert year_is_over("gov.example/eldercare/2026", date(2027, 1, 1))
    with pytest.raises(MalformedError):
        yearly_origin("bad host+x", 2026)


def test_the_reader_computes_the_root_from_tiles_alone(make_log, log_key):
    d = make_log(70001, batch=5000)
    signed = open_checkpoint((d / "checkpoint").read_bytes(), [log_key[1]])
    reader = TileReader(DirectorySource(d), signed.size)
    assert reader.root() == signed.root


def test_entries_must_be_canonical_json_by_default(tmp_path, log_key):
    with TileLog(tmp_path / "log", log_key[0], durable=False) as log:
        with pytest.raises(EntryError):
            log.append([b"not json"])
        assert log.size == 0


def test_a_batch_cut_off_before_its_checkpoint_is_replaced_cleanly(tmp_path, log_key):
    from shezhi.ledger.verify import verify_log

    d = tmp_path / "log"
    with TileLog(d, log_key[0], durable=False) as log:
        log.append([entry(i) for i in range(300)])
    before = (d / "checkpoint").read_bytes()
    with TileLog(d, log_key[0], durable=False) as log:
        log.append([entry(i) for i in range(300, 900)])  # tiles 1 and 2 written ...
    (d / "checkpoint").write_bytes(before)  # ... but the process died before the checkpoint
    with TileLog(d, log_key[0], durable=False) as log:
        assert log.size == 300
        log.append([b'{"other":%d}' % i for i in range(700)])  # different entries over the same tiles
    report = verify_log(DirectorySource(d), [log_key[1]], full=True)
    assert report.ok, report.lines()
    assert report.checkpoint.size == 1000
