"""What users' clients send with an upload, read as Kubo reads it, without a Kubo at hand:
mode and mtime in a part's form name (``file?mode=0640&mtime=...``, the JS client's and
Kubo's CLI's way), stored with ``preserve-mode``/``preserve-mtime`` and echoed in the
output; ``--mode``/``--mtime``; files listed in upload order. The CIDs are real Kubo
0.43.1's answers to the same uploads (tests/ipfs_rpc checks them live)."""

from __future__ import annotations

import json

import pytest

from pytest_ipfs_accelerate.ipfs.engine.add_flags import go_uint
from pytest_ipfs_accelerate.ipfs.engine.importer import unix_mode
from pytest_ipfs_accelerate.ipfs.node.add import NO_STAT, Stat, Symlink
from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode
from pytest_ipfs_accelerate.ipfs.rpc.multipart import part_stat
from pytest_ipfs_accelerate.ipfs.rpc.server import KuboRpcServer
from tests.ipfs_rpc.corpus import SYMLINK, multipart
from tests.ipfs_rpc.exchange import exchange

DIR, FILE, LINK = "application/x-directory", "application/octet-stream", SYMLINK
#: Parts as a client sends them: (form name, file name, content type, data).
TREE = [("dir?mode=0700&mtime=1600000000", "d", DIR, b""),
        ("file?mode=0640&mtime=1700000000&mtime-nsecs=5", "d/a.txt", FILE, b"aaa"),
        ("file-2?mode=0777&mtime=1500000000", "d/l", LINK, b"a.txt"),
        ("file-3", "d/b.txt", FILE, b"bbb")]
#: Kubo 0.43.1's CIDs of TREE, by query.
KUBO = {
    "pin=false": ["QmNqQKFq7xqQz76aGTihW8UJvRmat52i3rSKjDMmDpHmVi",
                  "QmS9U51FvTAqDDVLJ5okMzeLjsEeg8JEG1rPmSq2oPahF6",
                  "Qmd4fAUaWxHDDXXTNFck2xdug2znuyd2Ry8NKbAdkvHqiz",
                  "QmRYVhdMU7dHMMFRsQg5E7azzxGCPMCcrzJMQaHuYqmUWd"],
    "pin=false&preserve-mode=true&preserve-mtime=true": [
        "QmWZxg8bJAbH9P2f4Lmrxm8JJ8KW2DesMgGJhPcJB69soc",
        "QmVZwMEvVjaMuxauUwAG7RVCwKzjzdSHNEFFeriWyPvXDa",
        "Qmd4fAUaWxHDDXXTNFck2xdug2znuyd2Ry8NKbAdkvHqiz",
        "QmQUyhL3weacA6carHZZqK6ReDab7hRwokrg5atmSnxcNZ"],
    "pin=false&mode=0600&mtime=1234": [
        "QmQr3iaovdC5AvdJWvLFDEm3nH1tQfEWSTAdC511pkPzA6",
        "QmQCqqwZDSRnXZ5HvHz6r4FeVxhfy9YC7AhUkNKHkwbuGy",
        "QmUJ93rRxn2oz9DCecmDnG4emLg7kdJyW5gMFEc1HpMfzj",
        "QmVt1ey98VdyXYLEPPpcBbCpAfaGGtpPapiHHksdPuYUFR"],
}


@pytest.fixture(scope="module")
def server():
    with KuboRpcServer(SimulatedNode()) as srv:
        yield srv


def _add(server: KuboRpcServer, query: str, parts: list[tuple[str, str, str, bytes]]
         ) -> list[dict]:
    body, headers = multipart(*((name, None if kind == DIR else data, form, kind)
                                for form, name, kind, data in parts))
    answer = exchange(server.host, server.port, "POST", f"/api/v0/add?{query}", body, headers)
    assert answer.status == 200, answer.body
    return [json.loads(line) for line in answer.body.splitlines()]


@pytest.mark.parametrize("query", sorted(KUBO))
def test_part_metadata_as_kubo_stores_and_echoes_it(server, query):
    lines = _add(server, query, TREE)
    assert [line["Name"] for line in lines] == ["d/a.txt", "d/l", "d/b.txt", "d"]  # upload order
    assert [line["Hash"] for line in lines] == KUBO[query]
    # Every line echoes the top-level part's own metadata, stored or not, as Kubo does.
    assert all(line["Mode"] == "0700" and line["Mtime"] == 1600000000 for line in lines)


def test_wrapped_uploads_echo_nothing_and_a_top_symlink_says_its_type(server):
    assert all("Mode" not in line for line in _add(server, "wrap-with-directory=true", TREE))
    (line,) = _add(server, "pin=false", [("file?mode=0777&mtime=9", "l", LINK, b"target")])
    assert line["Mode"] == "01000000777" and line["Mtime"] == 9  # Go's ModeSymlink | 0777
    assert line["Hash"] == "QmbqcXVc1m3ptTWpceoVYfkn1gD6MRvjEFbVeMsBjSKQgT"


def test_node_api_takes_the_same_stats():
    node = SimulatedNode()
    added = node.add_entries([("d", None, Stat(0o700, (1600000000, 0))),
                              ("d/a.txt", b"aaa", Stat(0o640, (1700000000, 5))),
                              ("d/l", Symlink("a.txt"), Stat(0o777, (1500000000, 0))),
                              ("d/b.txt", b"bbb")],
                             pin=False, preserve_mode=True, preserve_mtime=True)
    assert [a.cid for a in added] == KUBO["pin=false&preserve-mode=true&preserve-mtime=true"]


@pytest.mark.parametrize(("form", "stat"), [
    ("file", NO_STAT),
    ("file?", Stat(0, (0, 0))),  # a query at all: Go's time.Unix(0, 0), not the zero time
    ("file?mode=0640&mtime=1700000000&mtime-nsecs=5", Stat(0o640, (1700000000, 5))),
    ("file?mode=4755", Stat(0o4755, (0, 0))),
    ("file?mode=abc&mtime=7", Stat(0, (7, 0))),  # a bad mode is ignored
    ("file?mode=0644&mtime=x", Stat(0o644, None)),  # a bad mtime: no time at all
    ("file?mtime=5&mtime-nsecs=2000000000", Stat(0, (7, 0))),  # normalised as time.Unix
    ("file?mtime=5&mtime-nsecs=-1", Stat(0, (4, 999999999))),
    ("file?mode=0640;x=1", NO_STAT),  # url.ParseQuery refuses ';'
    ("file?mode=%zz", NO_STAT),
])
def test_form_name_metadata_read_as_boxo_reads_it(form, stat):
    assert part_stat(form) == stat


def test_mode_option_keeps_go_s_permission_bits_only():
    assert unix_mode(go_uint("0755")) == unix_mode(go_uint("04755")) == 0o755
    assert unix_mode(go_uint("4755")) == 4755 & 0o777  # decimal, as Kubo's uint option
    assert unix_mode(1 << 23 | 1 << 22 | 1 << 20 | 0o644) == 0o7644  # Go's setuid/gid/sticky
    node = SimulatedNode()
    data = b"jsclient with metadata"
    assert node.add_bytes(data, name="meta.txt", pin=False, mode=go_uint("04755")).cid == \
        "QmQMdecPsRcRycFRhkV4J1w9B3QcGqRnJJwTpByeSrJ31D"
    assert node.add_bytes(data, name="meta.txt", pin=False, mode=go_uint("4755")).cid == \
        "QmZrgc4VXkeKzJk5pXEh6JvuWG75ayVhQksyqQaJ6QtSU3"
