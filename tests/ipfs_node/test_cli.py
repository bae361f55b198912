"""``ipfs-accel ipfs add|cat|verify``: Kubo's output, repos, and clear errors."""

from __future__ import annotations

import pytest

from pytest_ipfs_accelerate.cli import main

HELLO_CID = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hello.txt").write_bytes(b"hello world\n")
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "a").write_bytes(b"aaa\n")
    (tmp_path / "d" / "sub" / "b").write_bytes(b"bb\n")
    (tmp_path / "d" / ".hidden").write_bytes(b"h\n")
    return tmp_path


def run(capsys, *argv):
    code = main(["ipfs", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_add_prints_like_ipfs_add(tree, capsys):
    assert run(capsys, "add", "hello.txt") == (0, f"added {HELLO_CID} hello.txt\n", "")
    code, out, _ = run(capsys, "add", "-r", "d")
    names = [line.split(" ", 2)[2] for line in out.splitlines()]
    assert code == 0 and names == ["d/a", "d/sub/b", "d/sub", "d"]
    code, out_hidden, _ = run(capsys, "add", "-r", "-H", "-Q", "d")
    assert out_hidden.strip() != out.splitlines()[-1].split()[1]  # .hidden changes the root
    code, out, _ = run(capsys, "add", "-Q", "--cid-version", "1", "hello.txt")
    assert out.strip().startswith("bafkrei")
    code, out, _ = run(capsys, "add", "-w", "hello.txt")
    assert out.splitlines()[-1].startswith("added ") and len(out.splitlines()[-1].split()) == 2


def test_repo_add_then_cat(tree, capsys):
    repo = str(tree / "repo")
    assert run(capsys, "add", "-q", "hello.txt", "--repo", repo)[1].strip() == HELLO_CID
    assert run(capsys, "cat", HELLO_CID, "--repo", repo, "--offset", "6")[1] == "world\n"
    code, _, err = run(capsys, "cat", "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH",
                       "--repo", repo)
    assert code == 2 and "block not found: QmbFMke1" in err


def test_verify(tree, capsys):
    assert run(capsys, "verify", HELLO_CID, "hello.txt")[0] == 0
    code, _, err = run(capsys, "verify", HELLO_CID, "d/a")
    assert code == 1 and "MISMATCH" in err and HELLO_CID in err


def test_verify_takes_the_add_flags_as_add_spells_them(tree, capsys):
    code, out, _ = run(capsys, "add", "-Q", "--cid-version=1", "--raw-leaves=false", "hello.txt")
    assert code == 0 and out.strip().startswith("bafybei")  # dag-pb leaves, CIDv1
    assert run(capsys, "verify", out.strip(), "hello.txt", "--raw-leaves=false")[0] == 0
    code, _, err = run(capsys, "verify", out.strip(), "hello.txt")  # v1 implies raw leaves
    assert code == 1 and "MISMATCH" in err


@pytest.mark.parametrize("argv,message", [
    (["cat", "notacid", "--repo", "repo"], "invalid"),
    (["cat", HELLO_CID], "--repo dir"),
    (["add", "missing.txt"], "no such file"),
    (["add", "d"], "use the '-r' flag"),
    (["add", "--chunker", "rabin-1-2-3", "hello.txt"], "rabin min must be greater than 16"),
    (["daemon", "--api", "/dns/example.com/tcp/1"], "listen multiaddr"),
    (["add", "--api", "/ip4/127.0.0.1/tcp/9", "hello.txt"], "cannot reach"),
])
def test_bad_input_is_one_clear_line(tree, capsys, argv, message):
    (tree / "repo").mkdir(exist_ok=True)
    code, _, err = run(capsys, *argv)
    assert code == 2 and err.startswith("ipfs-accel: error: ") and message.lower() in err.lower()
    assert "Traceback" not in err


def test_add_and_cat_over_api(tree, capsys):
    from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode
    from pytest_ipfs_accelerate.ipfs.rpc.server import KuboRpcServer

    node = SimulatedNode()
    with KuboRpcServer(node) as server:
        code, out, _ = run(capsys, "add", "-r", "d", "hello.txt", "--api", server.multiaddr)
        assert code == 0 and out.splitlines()[-1] == f"added {HELLO_CID} hello.txt"
        root = out.splitlines()[-2].split()[1]
        assert set(node.pin_ls("recursive")) == {root, HELLO_CID}
        assert run(capsys, "cat", f"{root}/sub/b", "--api", server.url)[1] == "bb\n"


def test_repo_add_pins_roots_and_only_hash_stores_nothing(tree, capsys):
    from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode

    repo = tree / "repo"
    run(capsys, "add", "-n", "hello.txt", "--repo", str(repo))
    assert SimulatedNode(repo).repo_stat()["NumObjects"] == 0
    code, out, _ = run(capsys, "add", "-r", "-w", "d", "hello.txt", "--repo", str(repo))
    assert code == 0
    wrapper = out.splitlines()[-1].split()[1]
    assert SimulatedNode(repo).pin_ls("recursive") == {wrapper: "recursive"}
