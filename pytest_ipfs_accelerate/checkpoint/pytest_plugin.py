"""The checkpoint package's pytest plugin: the ``checkpoint`` fixture.

Registered by pytest_ipfs_accelerate.plugin. Imports nothing heavy at module level:
torch is imported only when a test asks for a checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_ipfs_accelerate.strict import missing_backend

if TYPE_CHECKING:
    from pytest_ipfs_accelerate.checkpoint.publish import PublishedCheckpoint


@pytest.fixture
def checkpoint(request: pytest.FixtureRequest, ipfs_node: Any,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublishedCheckpoint]:
    """A small real torch model saved as safetensors, published to ``ipfs_node``.

    Returns a ``PublishedCheckpoint`` with ``.cid``, ``.path``, ``.metadata``,
    ``.state_dict`` (the original tensors) and ``.node``. Parametrize indirectly with a
    dict (``architecture``, ``config``, ``seed``) for another model; the default is a
    seeded ``mlp-classifier``.
    """
    try:
        import torch  # noqa: F401
    except ImportError:
        missing_backend(request.config, "torch",
                        "pip install 'pytest-ipfs-accelerate[torch]' (torch, safetensors)")
    from pytest_ipfs_accelerate.checkpoint.publish import publish_example_checkpoint

    params = dict(getattr(request, "param", None) or {})
    yield publish_example_checkpoint(ipfs_node, tmp_path_factory.mktemp("checkpoint"), **params)
