"""The JS kubo-rpc-client, pinned in tools/js_client, unchanged against real Kubo and ours.

tools/js_client/drive.mjs runs the same steps against each daemon (``addAll(globSource())``,
``add`` with options, cat, ls, pin, block, dag put/get with paths, files, keys, IPNS, id,
version, stats) and prints each step's result; the two runs must agree step by step.
Needs node and ``npm ci`` in tools/js_client (.ci/setup-js-client.sh): skips without them
locally, fails in CI (strict mode).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.ipfs_rpc.client_runs import Results, failed_steps, step_diffs

JS_DIR = Path(__file__).resolve().parents[2] / "tools" / "js_client"

#: Steps whose values are the daemon's own (peer and key IDs, build, repo size and path).
VOLATILE = {
    "version": frozenset({"commit", "system", "golang"}),
    "id": frozenset({"id", "string", "publicKey", "agentVersion"}),
    "key.gen": frozenset({"id"}),
    "key.list own": frozenset({"id"}),
    "name.publish": frozenset({"name"}),
    "key.rename": frozenset({"id"}),
    "key.rm": frozenset({"id"}),
    "stats.repo": frozenset({"numObjects", "repoSize", "repoPath"}),
}
UNORDERED = frozenset({"pin.ls recursive own", "key.list own"})
#: The steps that fail on real Kubo too: bad input, missing things, offline-only commands.
EXPECTED_ERRORS = frozenset({
    "add bad chunker", "cat a directory", "pin.ls unpinned", "pin.rm not pinned",
    "block.get removed", "dag.get bad path", "files.write missing parent",
    "files.stat missing", "files.rm non-recursive dir", "files.stat removed", "key.gen again",
    "key.rm missing", "stats.bw", "stats.bitswap", "routing.get offline",
    "routing.findProvs offline", "dht.query removed", "config.profiles.apply unknown"})


def _upload_dir(root: Path) -> Path:
    """A folder as users add one: nested, an empty file and folder, a dotfile, a file of
    several blocks, and names that need percent-encoding."""
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "a.txt").write_text("jsclient alpha\n")
    (root / "empty").write_bytes(b"")
    (root / ".hidden").write_text("jsclient hidden")
    (root / "sub" / "b.txt").write_text("jsclient beta " * 30000)  # 420 kB: two chunks
    (root / "sub" / "ü name %41.txt").write_text("jsclient unicode")
    return root


@pytest.fixture(scope="module")
def drive(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Run drive.mjs against one daemon: ``drive((host, port)) -> Results``."""
    from pytest_ipfs_accelerate.strict import missing_backend

    node = shutil.which("node")
    if node is None or not (JS_DIR / "node_modules" / "kubo-rpc-client").is_dir():
        missing_backend(request.config, "the JS kubo-rpc-client (node and tools/js_client)",
                        "run .ci/setup-js-client.sh (npm ci in tools/js_client)")
    folder = _upload_dir(tmp_path_factory.mktemp("js-upload"))

    def run(addr: tuple[str, int]) -> Results:
        done = subprocess.run([node, str(JS_DIR / "drive.mjs"), f"http://{addr[0]}:{addr[1]}",
                               str(folder)], capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, f"drive.mjs failed ({done.returncode}): {done.stderr}"
        return json.loads(done.stdout)
    return run


def test_js_client_cannot_tell_ours_from_kubo(drive, kubo_api, ours_api):
    kubo, ours = drive(kubo_api), drive(ours_api)
    assert failed_steps(kubo) == EXPECTED_ERRORS, "the driver no longer does what it meant to"
    diffs = step_diffs(kubo, ours, VOLATILE, UNORDERED)
    assert not diffs, "kubo-rpc-client sees a difference:\n" + "\n".join(diffs)
