"""Several simulated nodes connected as peers: blocks missing on one are fetched from another."""

from __future__ import annotations

from collections.abc import Sequence

from pytest_ipfs_accelerate.ipfs.node.faults import FaultConfig
from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode


def make_swarm(count: int, *, faults: FaultConfig | Sequence[FaultConfig | None] | None = None,
               topology: str = "full", name_prefix: str = "swarm") -> list[SimulatedNode]:
    """``count`` in-memory nodes, connected ``full`` (every pair) or as a ``line`` (a chain).

    ``faults`` is one config for all nodes, or one per node (each seeded as given).
    """
    if count < 1:
        raise ValueError(f"a swarm needs at least one node, got {count}")
    if topology not in ("full", "line"):
        raise ValueError(f"unknown topology {topology!r}: use 'full' or 'line'")
    per_node = list(faults) if isinstance(faults, Sequence) else [faults] * count
    if len(per_node) != count:
        raise ValueError(f"{len(per_node)} fault configs for {count} nodes")
    nodes = [SimulatedNode(faults=f, name=f"{name_prefix}{i}") for i, f in enumerate(per_node)]
    for i, node in enumerate(nodes):
        others = nodes[i + 1:] if topology == "full" else nodes[i + 1:i + 2]
        for other in others:
            node.connect(other)
    return nodes
