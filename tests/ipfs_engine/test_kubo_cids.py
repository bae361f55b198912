"""``ipfs-accel ipfs add -n`` against real Kubo's ``ipfs add -n``: same lines, byte for byte.

Every option set runs both on a seeded corpus (tests/ipfs_engine/kubo_corpus.py: files at
every chunk, fan-out and trickle boundary, symlinks, empty directories, non-UTF-8 and
control-character names, directories at the HAMT edge) and compares the whole output:
CIDs, sizes, names and their order. Where Kubo refuses, ours must refuse with Kubo's
message (after printing what Kubo printed before it). Real Kubo is required: skips
locally without it, fails in CI (.ci/setup-kubo.sh builds the pinned release).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pytest_ipfs_accelerate.cli import main
from pytest_ipfs_accelerate.ipfs.engine import multihash
from pytest_ipfs_accelerate.ipfs.engine.cid import CID
from pytest_ipfs_accelerate.ipfs.engine.kubo_release import KUBO_VERSION
from pytest_ipfs_accelerate.strict import missing_backend
from tests.ipfs_engine.kubo_corpus import make_corpus

SEED = 20261204
SMALL = ["--chunker=size-16", "--max-file-links=4"]

#: (id, add flags, corpus parts): each runs as one `ipfs add -n -r` per side. Kubo 0.43.1's
#: -n ignores --max-directory-links and --max-hamt-fanout on the top directory and fails
#: on directories with metadata ("ipld: could not find"): those sets (STORED) run Kubo
#: without -n, which stores into its disposable repo and gives the CIDs a real add gives.
OPTION_SETS: list[tuple[str, list[str], list[str]]] = [
    ("default", [], ["boundaries", "tree", "fanout"]),
    ("cidv1", ["--cid-version=1"], ["boundaries", "tree"]),
    ("raw-leaves-v0", ["--raw-leaves"], ["boundaries", "tree"]),
    ("v1-no-raw-leaves", ["--cid-version=1", "--raw-leaves=false"], ["boundaries"]),
    ("small-balanced", SMALL, ["boundaries"]),
    ("small-balanced-raw", [*SMALL, "--raw-leaves"], ["boundaries"]),
    ("small-trickle", [*SMALL, "--trickle"], ["boundaries"]),
    ("small-trickle-raw", [*SMALL, "--trickle", "--raw-leaves"], ["boundaries"]),
    ("small-trickle-v1", [*SMALL, "-t", "--cid-version=1"], ["boundaries"]),
    ("fanout-174", ["--chunker=size-1024"], ["fanout"]),
    ("fanout-174-trickle", ["--chunker=size-1024", "--trickle"], ["fanout"]),
    ("chunk-max", ["--chunker=size-2096896"], ["content"]),
    ("rabin-small", ["--chunker=rabin-16-32-64"], ["boundaries", "content"]),
    ("rabin-avg", ["--chunker=rabin-4096"], ["content"]),
    ("rabin-labels", ["--chunker=rabin-min:512-avg:1024-max:4096"], ["content"]),
    ("rabin-default", ["--chunker=rabin"], ["content"]),
    ("buzhash", ["--chunker=buzhash"], ["content"]),
    ("inline", ["--inline"], ["boundaries", "tree"]),
    ("inline-100-v1", ["--inline", "--inline-limit=100", "--cid-version=1"], ["tree"]),
    ("inline-128", ["--inline", "--inline-limit=128", *SMALL], ["boundaries"]),
    ("hidden", ["-H"], ["tree"]),
    ("wrap", ["-w"], ["tree", "fanout"]),
    ("wrap-hidden-trickle", ["-w", "-H", "-t"], ["tree"]),
    ("no-empty-dirs", ["--empty-dirs=false"], ["tree"]),
    ("no-empty-dirs-short", ["-E=false", "-H"], ["tree"]),
    ("max-directory-links", ["--max-directory-links=3"], ["tree"]),
    ("hamt-edge", [], ["hamt-at", "hamt-over"]),
    ("hamt-edge-v1", ["--cid-version=1"], ["hamt-at", "hamt-over"]),
    ("hamt-fanout-8", ["--max-hamt-fanout=8"], ["hamt-over"]),
    ("hamt-fanout-1024", ["--max-hamt-fanout=1024"], ["hamt-over"]),
    ("mode-mtime", ["--mode=0644", "--mtime=1700000000", "--mtime-nsecs=5"], ["tree"]),
    ("mode-octal-v1", ["--mode=0o755", "--cid-version=1"], ["boundaries"]),
    ("mode-setuid", ["--mode=04755"], ["tree"]),  # Go's os.FileMode: stored as 0755
    ("mode-decimal", ["--mode=4755"], ["tree"]),  # a uint option: decimal 4755
    ("mtime-trickle", ["--mtime=42", "-t", *SMALL], ["boundaries"]),
    ("preserve", ["--preserve-mode", "--preserve-mtime"], ["tree"]),
    ("deref-symlinks", ["--dereference-symlinks"], ["deref"]),
    ("ignore", ["--ignore=*.log", "--ignore=!also.log", "--ignore=build/"], ["ignore"]),
    ("ignore-rules", ["--ignore-rules-path=ignore-rules", "--ignore=*.md"], ["ignore"]),
    ("cid-base-32", ["--cid-base=base32"], ["tree"]),
    ("cid-base-36-v1", ["--cid-base=base36", "--cid-version=1"], ["tree"]),
    ("cid-base-58-v1", ["--cid-base=base58btc", "--cid-version=1"], ["tree"]),
    ("cid-base-16-upper", ["--cid-base=base16upper"], ["tiny"]),
    ("upgrade-cidv0", ["--upgrade-cidv0-in-output"], ["tree"]),
    ("quiet", ["-q"], ["tree"]),
    ("quieter", ["-Q"], ["tree"]),
    ("silent", ["--silent"], ["tree"]),
    ("accepted-no-ops", ["-p", "--fscache", "--fast-provide-root=false",
                         "--fast-provide-dag", "--fast-provide-wait", "--pin=false"], ["tiny"]),
    ("identity-tiny", ["--hash=identity"], ["tiny"]),
    ("identity-too-big", ["--hash=identity"], ["boundaries"]),
    ("sha3-trickle", ["--hash=SHA3-256", "-t", *SMALL], ["boundaries"]),
]
STORED = {"max-directory-links", "hamt-fanout-8", "hamt-fanout-1024", "mode-mtime",
          "mode-octal-v1", "mode-setuid", "mode-decimal", "mtime-trickle", "preserve"}
#: (id, add flags): Kubo refuses each; ours must, with Kubo's message.
REFUSED: list[tuple[str, list[str]]] = [
    ("bad-chunker", ["--chunker=fastcdc"]),
    ("chunk-too-big", ["--chunker=size-2096897"]),
    ("rabin-min", ["--chunker=rabin-8-16-32"]),
    ("rabin-order", ["--chunker=rabin-64-32-128"]),
    ("rabin-max", ["--chunker=rabin-16-32-4000000"]),
    ("rabin-avg-too-big", ["--chunker=rabin-2000000"]),
    ("rabin-format", ["--chunker=rabin-1-2"]),
    ("cidv0-hash", ["--cid-version=0", "--hash=sha2-512"]),
    ("cid-version-2", ["--cid-version=2"]),
    ("inline-limit", ["--inline", "--inline-limit=129"]),
    ("raw-leaves-metadata", ["--raw-leaves", "--mode=0644"]),
    ("mtime-nsecs-alone", ["--mtime-nsecs=3"]),
    ("hamt-fanout", ["--max-hamt-fanout=12"]),
    ("bad-cid-base", ["--cid-base=foo"]),
    ("nocopy", ["--nocopy"]),
    ("to-files-only-hash", ["--to-files=/x"]),
    ("pin-name-only-hash", ["--pin-name=x"]),
]


@pytest.fixture(scope="module")
def kubo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Real Kubo with a repo of its own (``ipfs add -n`` runs offline on it)."""
    binary = shutil.which(os.environ.get("IPFS_ACCEL_IPFS_BIN") or "ipfs")
    if binary is None:
        missing_backend(request.config, "Kubo (ipfs on PATH)",
                        "bash .ci/setup-kubo.sh builds the pinned release")
    env = {**os.environ, "IPFS_PATH": str(tmp_path_factory.mktemp("kubo-repo") / "repo")}
    subprocess.run([binary, "init", "--profile", "test", "--empty-repo"], env=env, check=True,
                   capture_output=True, timeout=120)
    version = subprocess.run([binary, "version", "--number"], env=env, capture_output=True,
                             text=True, timeout=60).stdout.strip()
    return {"bin": binary, "env": env, "version": version}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    make_corpus(root, SEED)
    return root


def run_kubo(kubo: dict, args: list[str], cwd: Path, stdin: bytes | None = None,
             only_hash: bool = True) -> tuple[int, bytes, str]:
    out = subprocess.run([kubo["bin"], "add", *(["-n"] if only_hash else []), *args],
                         cwd=cwd, env=kubo["env"],
                         input=stdin, capture_output=True, timeout=600)
    err = out.stderr.decode(errors="replace")
    error = next((line[len("Error: "):] for line in err.splitlines()
                  if line.startswith("Error: ")), "")
    return out.returncode, out.stdout, error


def run_ours(args: list[str], cwd: Path, stdin: bytes | None = None,
             monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, bytes, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        if stdin is not None and monkeypatch is not None:
            fake = io.TextIOWrapper(io.BytesIO(stdin))
            monkeypatch.setattr("sys.stdin", fake)
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(["ipfs", "add", "-n", *args])
    finally:
        os.chdir(old)
    prefix = "ipfs-accel: error: "
    error = next((line[len(prefix):] for line in stderr.getvalue().splitlines()
                  if line.startswith(prefix)), "")
    return code, stdout.getvalue().encode("utf-8", "surrogateescape"), error


def test_kubo_is_the_pinned_release(kubo: dict) -> None:
    assert kubo["version"] == KUBO_VERSION


@pytest.mark.parametrize("flags,parts,stored",
                         [pytest.param(f, p, i in STORED, id=i) for i, f, p in OPTION_SETS])
def test_same_output_as_kubo(kubo: dict, corpus: Path, flags: list[str], parts: list[str],
                             stored: bool) -> None:
    args = ["-r", *flags, *parts]
    k_code, k_out, k_err = run_kubo(kubo, args, corpus, only_hash=not stored)
    o_code, o_out, o_err = run_ours(args, corpus)
    assert o_out.decode(errors="replace").splitlines() == \
        k_out.decode(errors="replace").splitlines(), f"seed={SEED} flags={flags}"
    assert (o_code == 0) == (k_code == 0), f"kubo: {k_err!r}; ours: {o_err!r}"
    assert o_err == k_err


@pytest.mark.parametrize("name", sorted(multihash.HASHES))
def test_every_hash_kubo_accepts(kubo: dict, corpus: Path, name: str) -> None:
    """Every multihash Kubo accepts, on files that stay within the identity limit."""
    flags = ["--hash", name.upper() if name.startswith("sha") else name, "tiny"]
    k_code, k_out, k_err = run_kubo(kubo, [*flags, "-r"], corpus)
    o_code, o_out, o_err = run_ours([*flags, "-r"], corpus)
    assert o_out.splitlines() == k_out.splitlines()
    assert (o_code == 0, o_err) == (k_code == 0, k_err)


@pytest.mark.parametrize("name", ["md5", "murmur3-x64-64", "shake-128", "blake2b-152",
                                  "blake2b-8", "keccak-224", "keccak-384", "blake2s-128",
                                  "x11", "sha2-256-trunc254-padded", "sha2-224", "nope"])
def test_every_hash_kubo_refuses(kubo: dict, corpus: Path, name: str) -> None:
    k_code, _, k_err = run_kubo(kubo, ["--hash", name, "tiny/t1"], corpus)
    o_code, _, o_err = run_ours(["--hash", name, "tiny/t1"], corpus)
    assert k_code != 0 and o_code != 0 and k_err and o_err == k_err


@pytest.mark.parametrize("flags", [pytest.param(f, id=i) for i, f in REFUSED])
def test_refused_like_kubo(kubo: dict, corpus: Path, flags: list[str]) -> None:
    k_code, _, k_err = run_kubo(kubo, [*flags, "tiny/t1"], corpus)
    o_code, _, o_err = run_ours([*flags, "tiny/t1"], corpus)
    assert k_code != 0 and k_err, f"Kubo accepted {flags}"
    assert o_code != 0 and o_err == k_err


@pytest.mark.parametrize("flags", [[], ["--stdin-name=named"], ["-w"],
                                   ["-w", "--stdin-name=named"], ["--cid-version=1"]],
                         ids=["plain", "named", "wrap", "wrap-named", "v1"])
def test_stdin_like_kubo(kubo: dict, corpus: Path, flags: list[str],
                         monkeypatch: pytest.MonkeyPatch) -> None:
    data = os.urandom(300_000)
    k_code, k_out, _ = run_kubo(kubo, flags, corpus, stdin=data)
    o_code, o_out, _ = run_ours(flags, corpus, stdin=data, monkeypatch=monkeypatch)
    assert (o_code == 0, o_out.splitlines()) == (k_code == 0, k_out.splitlines())


@pytest.mark.parametrize("flags", [["--dereference-args"], []], ids=["deref-args", "plain"])
def test_symlink_arguments_like_kubo(kubo: dict, corpus: Path, flags: list[str]) -> None:
    args = [*flags, "deref/to-file", "tree/link-to-a"]
    ours, theirs = run_ours(args, corpus), run_kubo(kubo, args, corpus)
    assert (ours[0] == 0, ours[1].splitlines(), ours[2]) == \
        (theirs[0] == 0, theirs[1].splitlines(), theirs[2])


def test_several_paths_and_repeats_like_kubo(kubo: dict, corpus: Path) -> None:
    args = ["-r", "tiny/t1", "tree/sub", "tiny/t20", "tiny/t1", "-w"]
    ours, theirs = run_ours(args, corpus), run_kubo(kubo, args, corpus)
    assert (ours[0] == 0, ours[1].splitlines(), ours[2]) == \
        (theirs[0] == 0, theirs[1].splitlines(), theirs[2])


def _block_edge_dir(path: Path, block_bytes: int) -> Path:
    """Empty files whose basic directory block is exactly ``block_bytes`` long (each link
    143 bytes with a 100-byte name; the remainder lengthens the first names by a byte)."""
    path.mkdir(parents=True)
    data_field, per_link = 4, 143  # "\x08\x01" framed; 1+2+(36 + 102 + 2) per link
    count, rest = divmod(block_bytes - data_field, per_link)
    for i in range(count):
        (path / (f"{i:06d}-" + "b" * (93 + (1 if i < rest else 0)))).touch()
    return path


@pytest.fixture(scope="module")
def estimation_dirs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pytest_ipfs_accelerate.ipfs.engine.hamt import DEFAULT_THRESHOLD

    root = tmp_path_factory.mktemp("estimation")
    _block_edge_dir(root / "block-at", DEFAULT_THRESHOLD)
    _block_edge_dir(root / "block-over", DEFAULT_THRESHOLD + 1)
    return root


#: Which of the four directories is a HAMT under each estimation.
SHARDED = {"block": [False, True, True, True], "links": [False, False, False, True],
           "disabled": [False, False, False, False]}


@pytest.mark.parametrize("estimation", sorted(SHARDED))
def test_hamt_size_estimation_as_kubo_config(kubo: dict, corpus: Path, estimation_dirs: Path,
                                             estimation: str,
                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    """Import.UnixFSHAMTDirectorySizeEstimation (a config key, no add flag): Kubo with its
    repo set so, ours with AddOptions(hamt_size_estimation=...), on directories at the edge
    of both estimates."""
    from pytest_ipfs_accelerate.ipfs.engine import unixfs
    from pytest_ipfs_accelerate.ipfs.engine.dagpb import decode_node
    from pytest_ipfs_accelerate.ipfs.engine.importer import AddOptions, add_paths

    env = {**kubo["env"], "IPFS_PATH": str(tmp_path_factory.mktemp("est") / "repo")}
    subprocess.run([kubo["bin"], "init", "--profile", "test", "--empty-repo"], env=env,
                   check=True, capture_output=True, timeout=120)
    subprocess.run([kubo["bin"], "config", "Import.UnixFSHAMTDirectorySizeEstimation",
                    estimation], env=env, check=True, capture_output=True, timeout=60)
    dirs = [estimation_dirs / "block-at", estimation_dirs / "block-over",
            corpus / "hamt-at", corpus / "hamt-over"]
    opts = AddOptions(hamt_size_estimation=estimation)
    got, want, sharded = [], [], []
    for path in dirs:
        out = subprocess.run([kubo["bin"], "add", "-n", "-Q", "-r", str(path)], env=env,
                             capture_output=True, text=True, timeout=600, check=True)
        want.append(out.stdout.strip())
        blocks: dict[CID, bytes] = {}
        root = add_paths([path], opts, blocks.__setitem__, recursive=True)[-1].cid
        got.append(str(root))
        data = unixfs.decode_data(decode_node(blocks[root]).data or b"")
        sharded.append(data.type == unixfs.HAMT_SHARD)
    assert got == want
    assert sharded == SHARDED[estimation]  # the directories straddle both edges


#: What each field-order test adds (AddOptions, Kubo's flags, paths): files of several
#: chunks (balanced, trickle, CIDv1 raw leaves), basic directories, HAMTs.
ORDER_CASES = [({}, [], ["boundaries", "tree"]),
               ({"trickle": True}, ["--trickle"], ["boundaries"]),
               ({"cid_version": 1}, ["--cid-version=1"], ["tree", "hamt-over"]),
               ({}, [], ["hamt-over", "fanout"])]


@pytest.mark.parametrize("order", ["links-first", "data-first"])
def test_pb_field_order_as_kubo_config(kubo: dict, corpus: Path, order: str,
                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    """Import.UnixFSPBNodeFieldOrder (IPIP-550; a config key, no add flag): Kubo with its
    repo set so, ours with ``AddOptions(pb_field_order=...)``: every CID of every entry."""
    from pytest_ipfs_accelerate.ipfs.engine.importer import AddOptions, add_paths

    env = {**kubo["env"], "IPFS_PATH": str(tmp_path_factory.mktemp("order") / "repo")}
    subprocess.run([kubo["bin"], "init", "--profile", "test", "--empty-repo"], env=env,
                   check=True, capture_output=True, timeout=120)
    subprocess.run([kubo["bin"], "config", "Import.UnixFSPBNodeFieldOrder", order], env=env,
                   check=True, capture_output=True, timeout=60)
    for options, flags, parts in ORDER_CASES:
        out = subprocess.run([kubo["bin"], "add", "-n", "-q", "-r", *flags, *parts],
                             cwd=corpus, env=env, capture_output=True, text=True, timeout=600,
                             check=True)
        opts = AddOptions(pb_field_order=order, **options)
        got = [str(a.cid) for a in add_paths([corpus / p for p in parts], opts, None,
                                             recursive=True)]
        assert got == out.stdout.split(), (order, flags, parts)
