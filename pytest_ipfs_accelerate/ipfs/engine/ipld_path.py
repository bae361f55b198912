"""IPLD paths (``<cid>/a/0/b``) as ``ipfs dag get`` and ``dag resolve`` follow them: through
map keys and list indexes inside a block, across links into other blocks, and through
dag-pb links by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine import dag_codecs, exporter
from pytest_ipfs_accelerate.ipfs.engine.cid import CID, DAG_PB
from pytest_ipfs_accelerate.ipfs.engine.dagpb import decode_node
from pytest_ipfs_accelerate.ipfs.engine.errors import IpfsNodeError


class PathNotFoundError(IpfsNodeError):
    """A path segment that the node at that point does not have."""


def resolve(get_block: Callable[[CID], bytes], path: str) -> tuple[CID, Any, list[str]]:
    """(the last block's CID, the value at ``path``, the segments left inside that block)."""
    cid, segments = exporter.split_path(path)
    value = dag_codecs.decode_block(cid, get_block(cid))
    inside = 0  # where the path inside the current block starts
    for i, segment in enumerate(segments):
        if cid.codec == DAG_PB and i == inside:
            link = next((lk for lk in decode_node(get_block(cid)).links
                         if lk.name == segment), None)
            if link is None:
                raise PathNotFoundError(f"no link named {segment!r} under {cid}")
            cid, inside = link.cid, i + 1
            value = dag_codecs.decode_block(cid, get_block(cid))
            continue
        if isinstance(value, dict) and segment in value:
            value = value[segment]
        elif isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
            value = value[int(segment)]
        else:
            raise PathNotFoundError(f"key not found: {segment!r} in {cid}")
        if isinstance(value, CID):
            cid, inside = value, i + 1
            value = dag_codecs.decode_block(cid, get_block(cid))
    return cid, value, segments[inside:]
