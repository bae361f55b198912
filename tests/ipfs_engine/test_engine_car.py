"""CARv1 export and read-back."""

from __future__ import annotations

import io

import pytest

from pytest_ipfs_accelerate.ipfs.engine.car import (
    CarError,
    encode_header,
    export_car,
    read_car,
    walk_dag,
    write_car,
)
from pytest_ipfs_accelerate.ipfs.engine.cid import CID, verify_block
from pytest_ipfs_accelerate.ipfs.engine.importer import AddOptions, add_bytes


def _dag(opts: AddOptions) -> tuple[CID, dict[CID, bytes]]:
    blocks: dict[CID, bytes] = {}
    data = bytes(range(256)) * 40 + b"tail"
    entry = add_bytes(data, opts.replace(chunker="size-100"), blocks.__setitem__)
    return entry.cid, blocks


@pytest.mark.parametrize("opts", [AddOptions(), AddOptions(cid_version=1), AddOptions(trickle=True)],
                         ids=["v0", "v1", "trickle"])
def test_car_round_trip_and_blocks_verify(opts: AddOptions) -> None:
    root, blocks = _dag(opts)
    exported = list(walk_dag(root, blocks.__getitem__))
    assert exported[0][0] == root
    assert {cid for cid, _ in exported} == set(blocks)  # every block, each once
    buf = io.BytesIO()
    write_car([root], exported, buf)
    buf.seek(0)
    roots, sections = read_car(buf)
    back = list(sections)
    assert roots == [root]
    assert back == exported
    assert all(verify_block(cid, data) for cid, data in back)


def test_header_bytes() -> None:
    root = CID.decode("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o")
    header = encode_header([root])
    assert header.startswith(b"\xa2\x65roots\x81\xd8\x2a\x58\x23\x00" + root.to_bytes())
    assert header.endswith(b"\x67version\x01")


@pytest.mark.parametrize("raw,match", [
    (b"", "empty"),
    (b"\x05\xa1\x61a\x01", "truncated"),
    (b"\x0a\xa2\x65roots\x80\x67vers", "truncated"),
    (b"\x11\xa2\x65roots\x80\x67version\x02", "unsupported CAR version 2"),
])
def test_bad_car(raw: bytes, match: str) -> None:
    with pytest.raises(CarError, match=match):
        _roots, sections = read_car(io.BytesIO(raw))
        list(sections)


def test_truncated_section() -> None:
    root, blocks = _dag(AddOptions())
    buf = io.BytesIO()
    write_car([root], walk_dag(root, blocks.__getitem__), buf)
    _, sections = read_car(io.BytesIO(buf.getvalue()[:-3]))
    with pytest.raises(CarError, match="truncated section"):
        list(sections)


def test_fuzz_car_reader() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    root, blocks = _dag(AddOptions())
    buf = io.BytesIO()
    write_car([root], walk_dag(root, blocks.__getitem__), buf)
    good = buf.getvalue()

    @settings(max_examples=200, deadline=None)
    @given(st.integers(0, len(good) - 1), st.binary(min_size=1, max_size=4))
    def mutate(pos: int, patch: bytes) -> None:
        raw = good[:pos] + patch + good[pos + len(patch):]
        try:
            _roots, sections = read_car(io.BytesIO(raw))
            for cid, data in sections:
                verify_block(cid, data)
        except (CarError, ValueError):
            pass

    mutate()


def test_export_car_of_a_directory(tmp_path) -> None:
    from pytest_ipfs_accelerate.ipfs.engine.importer import add_path

    (tmp_path / "d" / "s").mkdir(parents=True)
    (tmp_path / "d" / "s" / "x").write_bytes(b"x" * 1000)
    (tmp_path / "d" / "y").write_bytes(b"same")
    (tmp_path / "d" / "z").write_bytes(b"same")  # a shared block is exported once
    blocks: dict[CID, bytes] = {}
    root = add_path(tmp_path / "d", AddOptions(chunker="size-300"), blocks.__setitem__,
                    recursive=True)[-1].cid
    buf = io.BytesIO()
    assert export_car(root, blocks.__getitem__, buf) == len(blocks)
    roots, sections = read_car(io.BytesIO(buf.getvalue()))
    assert roots == [root] and dict(sections) == blocks
