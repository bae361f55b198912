"""Issue 15, item 14: ``get`` never writes outside its target (tarfile's data filter rules).

The malicious DAG (a symlink ``x`` leading out, then a directory ``x/`` holding
``pwned.txt``) is served by our own Kubo RPC server and fetched with the Kubo RPC client;
the simulated node's own ``get`` follows the same rules. Hand-made archives cover the
member names a hostile server could send.
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from harness.reliability.adversarial import ipfs_cases as cases
from pytest_ipfs_accelerate.ipfs.engine.errors import UnsafePathError
from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode
from pytest_ipfs_accelerate.ipfs.rpc.kubo_client import _extract


def test_symlink_then_directory_never_escapes_through_rpc() -> None:
    cases.case_14_symlink_then_directory_never_escapes()


@pytest.mark.parametrize("link", ["absolute", "relative"])
def test_simulated_get_refuses_the_same_dag(tmp_path: Path, link: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    node = SimulatedNode()
    target = outside if link == "absolute" else Path("../../outside")
    cid = cases.malicious_dag(node, target)
    with pytest.raises(UnsafePathError):
        node.get(cid, tmp_path / "target")
    assert list(outside.iterdir()) == []


def _tar(*members: tuple[tarfile.TarInfo, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    buf.seek(0)
    return buf


def _member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


@pytest.mark.parametrize("members,why", [
    ([(_member("root/../../evil"), b"x")], "'..'"),
    ([(_member("/abs/evil"), b"x")], "plain file name"),
    ([(_member("root", tarfile.DIRTYPE), b""), (_member("root/l", tarfile.SYMTYPE, "/etc"), b"")],
     "absolute"),
    ([(_member("root", tarfile.DIRTYPE), b""),
      (_member("root/l", tarfile.SYMTYPE, "../../../x"), b"")], "outside"),
    ([(_member("root", tarfile.DIRTYPE), b""), (_member("root/h", tarfile.LNKTYPE, "/etc/x"),
                                                  b"")], "hard links"),
    ([(_member("root", tarfile.DIRTYPE), b""), (_member("root/dev", tarfile.CHRTYPE), b"")],
     "special files"),
], ids=["dotdot", "absolute-name", "absolute-link", "escaping-link", "hardlink", "device"])
def test_hostile_archives_are_refused(tmp_path: Path, members: list, why: str) -> None:
    target = tmp_path / "target"
    with pytest.raises(UnsafePathError, match=why):
        _extract(_tar(*members), target, None)
    assert not (tmp_path / "evil").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"]


def test_links_that_stay_inside_are_extracted(tmp_path: Path) -> None:
    archive = _tar((_member("root", tarfile.DIRTYPE), b""), (_member("root/f"), b"data"),
                   (_member("root/sub", tarfile.DIRTYPE), b""),
                   (_member("root/sub/up", tarfile.SYMTYPE, "../f"), b""))
    top = _extract(archive, tmp_path / "t", "copy")
    assert top == (tmp_path / "t" / "copy").resolve()
    assert os.readlink(top / "sub" / "up") == "../f"
    assert (top / "sub" / "up").read_bytes() == b"data"
