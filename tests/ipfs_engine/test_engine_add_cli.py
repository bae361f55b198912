"""``ipfs add`` CLI handler: Kubo's output lines and flag meanings."""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_ipfs_accelerate.cli.ipfs import add_arguments, add_command
from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.ipfs.engine.chunker import ChunkerError

HELLO = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"


def run(argv: list[str], put_block=None) -> list[str]:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    out = io.StringIO()
    assert add_command(parser.parse_args(argv), put_block, out) == 0
    return out.getvalue().splitlines()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "hello.txt").write_bytes(b"hello world\n")
    (tmp_path / "d" / "sub" / "empty").write_bytes(b"")
    (tmp_path / "d" / ".dot").write_bytes(b"x")
    return tmp_path


def test_single_file(tree: Path) -> None:
    assert run(["-n", str(tree / "d" / "hello.txt")]) == [f"added {HELLO} hello.txt"]
    assert run(["-Q", str(tree / "d" / "hello.txt")]) == [HELLO]


def test_recursive_order_and_hidden(tree: Path) -> None:
    lines = run(["-n", "-r", str(tree / "d")])
    names = [line.split(" ", 2)[2] for line in lines]
    assert names == ["d/hello.txt", "d/sub/empty", "d/sub", "d"]
    assert lines[1].split()[1] == "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
    hidden = run(["-n", "-r", "--hidden", str(tree / "d")])
    assert hidden[0].split(" ", 2)[2] == "d/.dot"
    assert hidden[-1].split()[1] != lines[-1].split()[1]


def test_wrap_quiet_and_quieter(tree: Path) -> None:
    lines = run(["-n", "-w", str(tree / "d" / "hello.txt")])
    assert lines[0] == f"added {HELLO} hello.txt"
    assert lines[1].startswith("added Qm") and lines[1].endswith(" ")  # wrapper: empty name
    assert run(["-q", "-w", str(tree / "d" / "hello.txt")]) == [ln.split()[1] for ln in lines]
    assert run(["-Q", "-w", str(tree / "d" / "hello.txt")]) == [lines[1].split()[1]]


def test_dag_flags(tree: Path) -> None:
    f = str(tree / "d" / "hello.txt")
    assert run(["-Q", "--cid-version", "1", f])[0].startswith("bafkrei")
    assert run(["-Q", "--cid-version", "1", "--raw-leaves=false", f])[0].startswith("bafybei")
    assert run(["-Q", "--raw-leaves", f])[0].startswith("bafkrei")
    assert run(["-Q", "--inline", f])[0].startswith("bafyaa")  # 20-byte dag-pb: inlined
    assert run(["-Q", "--inline", "--cid-version=1", f])[0].startswith("bafkqa")
    assert run(["-Q", "--trickle", f])[0] == "QmVib14uvPnCP73XaCDpwugRuwfTsVbGyWbatHAmLSdZUS"
    assert run(["-Q", "--chunker", "size-4", f])[0] != HELLO
    assert run(["-Q", "--hash", "sha2-512", f])[0].startswith("bafkrgq")


def test_put_block_gets_blocks_unless_only_hash(tree: Path) -> None:
    got: list[str] = []
    run(["-r", str(tree / "d")], lambda cid, data: got.append(str(cid)))
    assert HELLO in got
    got.clear()
    run(["-n", "-r", str(tree / "d")], lambda cid, data: got.append(str(cid)))
    assert got == []


@pytest.mark.parametrize("argv,error,match", [  # Kubo 0.43.1's own messages
    (["--chunker", "rabin-1-2-3"], ChunkerError, "rabin min must be greater than 16"),
    (["--chunker", "size-x"], ChunkerError, 'strconv.Atoi: parsing "x": invalid syntax'),
    (["--chunker", "size-0"], ChunkerError, "chunker size must be greater than 0"),
    (["--chunker", "size-2096897"], ChunkerError, "may not exceed the maximum chunk size of "
     "2096896"),
    (["--chunker", "fastcdc"], ChunkerError, "unrecognized chunker option: fastcdc"),
    (["--cid-version", "0", "--hash", "sha2-512"], IpfsAccelError, "CIDv0 only supports sha2-256"),
    (["--hash", "md5"], IpfsAccelError, "potentially insecure hash functions not allowed"),
    (["--hash", "sha2-224"], IpfsAccelError, 'unrecognized hash function: "sha2-224"'),
    (["--hash", "keccak-224"], IpfsAccelError, r"unknown multihash code 26 \(0x1a\)"),
])
def test_bad_options(tree: Path, argv: list[str], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        run([*argv, str(tree / "d" / "hello.txt")])


def test_directory_needs_recursive(tree: Path) -> None:
    with pytest.raises(IpfsAccelError, match="is a directory, use the '-r' flag"):
        run([str(tree / "d")])
    with pytest.raises(IpfsAccelError, match="no such file"):
        run([str(tree / "missing")])


def test_module_entry_point_reports_errors(tree: Path) -> None:
    ok = subprocess.run([sys.executable, "-m", "pytest_ipfs_accelerate.cli", "ipfs", "add",
                         str(tree / "d" / "hello.txt")], capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout == f"added {HELLO} hello.txt\n"
    bad = subprocess.run([sys.executable, "-m", "pytest_ipfs_accelerate.cli", "ipfs", "add",
                          str(tree / "d")], capture_output=True, text=True)
    assert bad.returncode == 2 and "ipfs-accel: error:" in bad.stderr
    assert "Traceback" not in bad.stderr


#: What `ipfs add` needs none of (its start-up is budgeted: docs/performance.md).
SLOW_IMPORTS = ("dataclasses", "inspect", "concurrent.futures", "logging", "typing", "shutil",
                "pathlib")
START_UP_PROBE = """
import sys
before = set(sys.modules)  # a development install's finder may already hold pathlib
from pytest_ipfs_accelerate.cli import main
code = main(["ipfs", "add", "-Q", "-n", sys.argv[1]])
print(code, sorted(m for m in {slow!r} if m in sys.modules and m not in before))
"""


def test_add_start_up_imports_nothing_slow(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"  # past one window: the worker threads start too
    big.write_bytes(b"\x01" * (9 << 20))
    probe = START_UP_PROBE.format(slow=SLOW_IMPORTS)
    done = subprocess.run([sys.executable, "-c", probe, str(big)], capture_output=True,
                          text=True, check=True)
    assert done.stdout.splitlines()[-1] == "0 []", done.stdout + done.stderr


def test_help_width_follows_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_ipfs_accelerate.cli import build_parser, help_width

    monkeypatch.setenv("COLUMNS", "50")
    assert help_width() == 48
    text = build_parser(("ipfs",)).format_help()
    assert max(len(line) for line in text.splitlines()) <= 48
    monkeypatch.setenv("COLUMNS", "junk")
    assert help_width() >= 8
