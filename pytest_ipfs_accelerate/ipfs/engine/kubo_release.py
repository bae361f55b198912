"""The one Kubo release this project reproduces, stated once.

The engine builds the DAGs of this release's ``ipfs add`` (boxo's importer as it ships
in it: HAMT sharding when the estimate is *greater than* the threshold, the 2 MiB block
limit...). The simulated node answers ``version`` with it, ``.ci/setup-kubo.sh`` builds
it (it reads the line below), and the CI compares the engine with it.
"""

from __future__ import annotations

from typing import Any

KUBO_VERSION = "0.43.1"
#: The fs-repo version of that release (``ipfs version --all``: "Repo version").
REPO_VERSION = "18"
#: The oldest Kubo the real-Kubo backend accepts: the RPC calls it makes
#: (``block/put --cid-codec``, ``dag put --store-codec``, ``init --empty-repo``) exist since.
MIN_KUBO_VERSION = "0.14.0"


def default_config() -> dict[str, Any]:
    """This release's configuration after ``ipfs init --profile test --empty-repo``, as
    ``ipfs config show`` prints it (``kubo_config.json``; ``Identity.PeerID`` left empty
    for the node to fill in). A new copy on each call."""
    import json
    from pathlib import Path

    return dict(json.loads(Path(__file__).with_name("kubo_config.json").read_text("utf-8")))


def version_tuple(text: str) -> tuple[int, ...]:
    """``"0.43.1"`` (or ``"v0.43.1-rc1"``) -> ``(0, 43, 1)``; unparsable parts stop it."""
    out = []
    for part in text.strip().lstrip("v").split("-")[0].split("."):
        if not part.isdigit():
            break
        out.append(int(part))
    return tuple(out)
