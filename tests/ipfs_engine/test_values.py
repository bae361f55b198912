"""The engine's value types (engine/values.py) behave as the dataclasses they replaced."""

from __future__ import annotations

import copy
import pickle

import pytest

from pytest_ipfs_accelerate.ipfs.engine.add_options import AddError, AddOptions
from pytest_ipfs_accelerate.ipfs.engine.cid import CID, InvalidCIDError
from pytest_ipfs_accelerate.ipfs.engine.dagpb import PBLink, PBNode
from pytest_ipfs_accelerate.ipfs.engine.unixfs import FILE, UnixFSData

EMPTY = CID.decode("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH")


def test_frozen_values_compare_hash_and_refuse_changes() -> None:
    same = CID(EMPTY.version, EMPTY.codec, EMPTY.multihash)
    assert same == EMPTY and hash(same) == hash(EMPTY) and len({same, EMPTY}) == 1
    assert CID(1, EMPTY.codec, EMPTY.multihash) != EMPTY
    assert (0, EMPTY.codec, EMPTY.multihash) != EMPTY  # no tuple equality
    with pytest.raises(AttributeError, match="frozen CID"):
        EMPTY.version = 1  # type: ignore[misc]
    with pytest.raises(AttributeError, match="frozen AddOptions"):
        del AddOptions().chunker
    assert AddOptions(trickle=True) == AddOptions(trickle=True) != AddOptions()
    assert {AddOptions(): 1}[AddOptions()] == 1


def test_init_checks_as_post_init_did() -> None:
    with pytest.raises(InvalidCIDError, match="unsupported CID version 2"):
        CID(2, EMPTY.codec, EMPTY.multihash)
    with pytest.raises(AddError, match="CIDv0 only supports sha2-256"):
        AddOptions(cid_version=0, hash="blake3")
    with pytest.raises(TypeError):
        AddOptions(no_such_option=1)  # type: ignore[call-arg]


def test_replace_checks_the_copy() -> None:
    opts = AddOptions(cid_version=1)
    assert opts.replace(chunker="size-100") == AddOptions(cid_version=1, chunker="size-100")
    assert opts.chunker == "size-262144"
    with pytest.raises(AddError, match="CIDv0 only supports sha2-256"):
        opts.replace(cid_version=0, hash="blake3")


def test_mutable_values_compare_but_do_not_hash() -> None:
    link = PBLink(EMPTY, "a", 3)
    node = PBNode([link], b"x")
    assert node == PBNode([PBLink(EMPTY, "a", 3)], b"x")
    link.tsize = 4
    assert node != PBNode([PBLink(EMPTY, "a", 3)], b"x")
    with pytest.raises(TypeError, match="unhashable"):
        hash(link)
    assert PBNode().links == [] and PBNode().links is not PBNode().links
    assert UnixFSData(FILE).blocksizes == []


def test_repr_pickle_and_copy() -> None:
    assert repr(PBLink(EMPTY, "a", 3)) == (f"PBLink(cid={EMPTY!r}, name='a', tsize=3, "
                                            "named=True, sized=True)")
    for value in (EMPTY, AddOptions(trickle=True, ignore=("*.tmp",)),
                  PBNode([PBLink(EMPTY, "a", 3)], b"x"), UnixFSData(FILE, b"d", 1, [1])):
        assert pickle.loads(pickle.dumps(value)) == value
        assert copy.copy(value) == value and copy.deepcopy(value) == value
