"""Errors of IPFS operations, each with the HTTP status the RPC server answers it with.

The engine raises the request and path ones below (bad arguments, unsupported codecs,
unsafe names); ``node/errors.py`` adds the node's own (missing blocks, pins, faults...).
"""

from __future__ import annotations

from pytest_ipfs_accelerate.errors import IpfsAccelError


class IpfsNodeError(IpfsAccelError):
    """Base of every node-side error. ``http_status`` is what the RPC server answers with."""

    http_status = 500


class BadRequestError(IpfsNodeError):
    """Missing or malformed arguments of an operation (RPC: 400)."""

    http_status = 400


class UnsupportedError(IpfsNodeError):
    """An option or codec the simulated node does not implement."""

    http_status = 400


class InvalidPathError(IpfsNodeError):
    """A CID or /ipfs/ path that cannot be parsed (Kubo answers these with 500)."""


class UnsafePathError(IpfsNodeError):
    """A name in a DAG would write outside the target directory (``..``, absolute, ``/``)."""
