"""Issue 15, cases 11, 12 and 16: every surface does only what it says.

- 11: ``ipfs-accel query`` reads the DB it was given and nothing else (DuckDB's own
  switches: no external access, no extensions, settings locked).
- 12: the dashboard answers only requests for its own address, listens on ``::1`` when
  asked, and a corrupt DB is a 503 with a JSON error.
- 16: control characters from test output never reach the terminal raw through
  ``ipfs-accel report`` or ``query``.

Each case works on real DuckDB files (a run of a real pytest for case 16) and returns
what it saw; ``tests/reliability/test_surface_*.py`` run the same functions.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.reliability.adversarial import Unavailable
from pytest_ipfs_accelerate.cli import main
from pytest_ipfs_accelerate.testing.synthetic import build_db


def cli(*argv: str) -> tuple[int, str, str]:
    """``ipfs-accel ARGV`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="ipfs-accel-surface-") as tmp:
        yield Path(tmp)


def _results_db(folder: Path, name: str = "r.duckdb") -> Path:
    path = folder / name
    build_db(path, tests=20, runs=2, fail_every=7)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refused(code: int, out: str, err: str, what: str) -> None:
    assert code == 2, f"{what}: exit {code}, stdout {out[:200]!r}"
    assert err.startswith("ipfs-accel: error: query failed") and err.count("\n") == 1, \
        f"{what}: {err!r}"
    assert "Traceback" not in err and not out, f"{what}: printed {out[:200]!r}"


# -- 11: query -----------------------------------------------------------------------------
def case_11_query_reads_no_file_outside_the_db() -> str:
    with workdir() as tmp:
        db = _results_db(tmp)
        secret = tmp / "secret.txt"
        secret.write_text("top-secret-line\n")
        for sql in (f"SELECT * FROM read_text('{secret}')",
                    f"SELECT * FROM read_csv('{secret}')",
                    f"SELECT * FROM read_blob('{secret}')",
                    f"SELECT * FROM glob('{tmp}/*')",
                    f"SELECT * FROM '{secret}'"):
            code, out, err = cli("query", str(db), sql)
            assert code == 2 and "top-secret" not in out + err and "secret.txt" not in out, \
                f"{sql}: exit {code}, {out[:200]!r}"
        code, out, _ = cli("query", str(db), "SELECT count(*) AS n FROM runs", "--format",
                           "json")
        assert code == 0 and json.loads(out) == [{"n": 2}], out
        return "read_text, read_csv, read_blob, glob and a file path refused; the DB reads"


def case_11_query_cannot_write_files_or_other_dbs() -> str:
    with workdir() as tmp:
        db = _results_db(tmp)
        other = _results_db(tmp, "other.duckdb")
        before = _digest(other), _digest(db)
        for sql in (f"COPY (SELECT * FROM runs) TO '{other}' (FORMAT csv)",
                    f"COPY runs TO '{tmp / 'out.parquet'}'",
                    f"EXPORT DATABASE '{tmp / 'dump'}'"):
            _refused(*cli("query", str(db), sql), sql)
        assert (_digest(other), _digest(db)) == before, "a results DB changed"
        assert not (tmp / "out.parquet").exists() and not (tmp / "dump").exists()
        return "COPY TO another results DB and to Parquet, EXPORT DATABASE: refused, " \
               "both DBs byte-identical"


def case_11_query_refuses_attach_extensions_and_settings() -> str:
    with workdir() as tmp:
        db = _results_db(tmp)
        other = _results_db(tmp, "other.duckdb")
        for sql in (f"ATTACH '{other}' AS o", "INSTALL httpfs", "LOAD httpfs",
                    "SET enable_external_access = true", "SET threads = 1",
                    "RESET lock_configuration", "PRAGMA threads = 1"):
            _refused(*cli("query", str(db), sql), sql)
        return "ATTACH, INSTALL, LOAD, SET, RESET and PRAGMA settings refused"


def case_11_query_several_statements_print_every_result() -> str:
    with workdir() as tmp:
        db = _results_db(tmp)
        code, out, err = cli("query", str(db), "SELECT 1 AS first_one; SELECT 2 AS second_one")
        assert code == 0 and "first_one" in out and "second_one" in out, (out, err)
        assert out.count("(1 row)") == 2
        code, out, err = cli("query", str(db), "SELECT 1; SELECT 2", "--format", "json")
        assert code == 2 and "2 statements" in err and not out, (out, err)
        code, out, err = cli("query", str(db), "SELECT 1; COPY runs TO 'x.csv'")
        assert code == 2 and "query failed" in err, (out, err)
        return "two SELECTs: both tables printed; --format json: refused; a COPY among " \
               "them: refused"


# -- 12: dashboard -------------------------------------------------------------------------
@contextlib.contextmanager
def dashboard(db: Path, host: str = "127.0.0.1", **kw: float) -> Iterator[Any]:
    """A dashboard on a free port of ``host``, served from a thread while in the block
    (``kw``: ``lock_wait_s``, ``min_interval_s``)."""
    from pytest_ipfs_accelerate.report.dashboard import DashboardServer

    server = DashboardServer(db, host, 0, **{"lock_wait_s": 0.2, **kw})
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def http_get(server: Any, path: str, host_header: str | None = None,
             ) -> tuple[int, str, bytes]:
    """(status, content type, body) of a GET, with the ``Host`` header given (else the
    server's own address)."""
    addr = server.server_address
    conn = http.client.HTTPConnection(addr[0], addr[1], timeout=10)
    try:
        conn.putrequest("GET", path, skip_host=True)
        own = f"[{addr[0]}]:{addr[1]}" if ":" in addr[0] else f"{addr[0]}:{addr[1]}"
        conn.putheader("Host", host_header if host_header is not None else own)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type") or "", resp.read()
    finally:
        conn.close()


def case_12_dashboard_refuses_a_foreign_host_header() -> str:
    with workdir() as tmp, dashboard(_results_db(tmp)) as server:
        port = server.server_address[1]
        for host in ("attacker.example", f"attacker.example:{port}", f"127.0.0.1:{port + 1}",
                     f"localhost.attacker.example:{port}", ""):
            for path in ("/api/live", "/api/runs", "/", "/report/0"):
                status, ctype, body = http_get(server, path, host)
                assert status == 403 and ctype == "application/json", (host, path, status)
                assert b"run_id" not in body and b"test_gen" not in body, (host, body[:200])
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
            status, _, body = http_get(server, "/api/runs", host)
            assert status == 200 and b"run_id" in body, (host, status)
        return "Host attacker.example (with and without the port), a wrong port, no Host: " \
               "403 with no run data; 127.0.0.1:PORT and localhost:PORT served"


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


def case_12_dashboard_listens_on_ipv6_loopback() -> str:
    if not _ipv6_loopback():
        raise Unavailable("this machine has no IPv6 loopback (::1)")
    with workdir() as tmp:
        db = _results_db(tmp)
        for host in ("::1", "[::1]"):
            with dashboard(db, host) as server:
                url = server.url
                assert url.startswith("http://[::1]:"), url
                status, _, body = http_get(server, "/api/runs")
                assert status == 200 and len(json.loads(body)["data"]) == 2, status
                status, _, _ = http_get(server, "/api/runs", "127.0.0.1:1")
                assert status == 403
        return f"--host ::1 and [::1] listen on {url} and serve the runs"


def corrupt_copy(src: Path, dst: Path) -> str:
    """A copy of ``src`` with one block overwritten so that DuckDB opens it but fails to
    read it (a checksum error in a data block); says which block."""
    import duckdb

    from pytest_ipfs_accelerate.report.dashboard import live_state, run_list

    size = src.stat().st_size
    for offset in range(12288 + 262144 + 100, size, 262144):  # past the header block
        shutil.copy(src, dst)
        with dst.open("r+b") as f:
            f.seek(offset)
            f.write(b"\x55" * 64)
        try:
            con = duckdb.connect(str(dst), read_only=True)
        except duckdb.Error:
            continue
        try:
            live_state(con)
            run_list(con)
        except duckdb.Error as exc:
            return f"block at {offset}: opens, then {str(exc).splitlines()[0][:60]}"
        finally:
            con.close()
    raise AssertionError(f"no corruption of {src} opened and then failed to read")


def case_12_dashboard_corrupt_db_is_a_503_with_json() -> str:
    with workdir() as tmp:
        src = tmp / "good.duckdb"
        build_db(src, tests=3000, runs=3, fail_every=11)
        db = tmp / "corrupt.duckdb"
        how = corrupt_copy(src, db)
        with dashboard(db) as server:
            for path in ("/api/live", "/api/runs", "/api/charts"):
                status, ctype, body = http_get(server, path)
                assert status == 503 and ctype == "application/json", (path, status, body)
                assert "corrupt.duckdb" in json.loads(body)["error"], body
            status, _, _ = http_get(server, "/")
            assert status == 200, "the page itself is still served"
        return f"{how}; /api/live, /api/runs, /api/charts: 503 with a JSON error naming " \
               "the file"


# -- 16: control characters ----------------------------------------------------------------
#: What a terminal must never receive raw: C0 controls but line feed and tab, DEL, C1
#: controls, and bidirectional overrides.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

HOSTILE_SUITE = r'''
import sys, pytest

@pytest.mark.parametrize("v", ["\x1b[2J\x1b[31mred", "\u202egnp.exe"])
def test_hostile(v):
    print("out: \x1b]0;pwned title\x07 \x9b31m c1 \x08\x08 backspaces")
    sys.stderr.write("err: \x1b[1A\r overwrite\n")
    assert v == "plain", "msg: \x1b[5m blink \x00 nul"
'''


def hostile_run(folder: Path) -> Path:
    """A results DB from a real pytest run whose ids, messages and output hold escape
    sequences, C1 controls and a bidi override."""
    (folder / "test_hostile.py").write_text(HOSTILE_SUITE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTEST_ADDOPTS", "IPFS_ACCEL_DB", "PYTEST_XDIST_WORKER")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
         "-p", "no:hypothesispytest", "-q", "--ipfs-accel-db", "h.duckdb",
         "--ipfs-accel-capture-output", "all", "test_hostile.py"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    return folder / "h.duckdb"


def assert_no_raw_controls(text: str, what: str) -> None:
    found = RAW_CONTROL.search(text)
    assert found is None, f"{what}: raw {found.group()!r} at {found.start()}: " \
                          f"{text[max(found.start() - 40, 0):found.start() + 20]!r}"


def case_16_report_escapes_control_characters() -> str:
    with workdir() as tmp:
        db = hostile_run(tmp)
        code, out, err = cli("report", str(db))
        assert code == 0, err
        assert_no_raw_controls(out, "report (Markdown)")
        assert "\\x1b[2J" in out and "\\u202e" in out, "the escapes are shown"
        code, out, err = cli("report", str(db), "--format", "json")
        assert code == 0, err
        assert_no_raw_controls(out, "report (JSON)")
        data = json.loads(out)
        assert any("\x1b[5m" in (f["crash_message"] or "") for f in data["failures"]), \
            "JSON keeps the text losslessly"
        return "Markdown shows \\x1b, \\x9b, \\u202e as escapes; JSON as \\u escapes, lossless"


def case_16_query_escapes_control_characters() -> str:
    with workdir() as tmp:
        db = hostile_run(tmp)
        sql = "SELECT nodeid, crash_message, stdout, stderr FROM test_results ORDER BY nodeid"
        for fmt in ("table", "csv", "json"):
            code, out, err = cli("query", str(db), sql, "--format", fmt)
            assert code == 0, err
            assert_no_raw_controls(out, f"query --format {fmt}")
        code, out, _ = cli("query", str(db), sql)
        assert "\\x1b]0;pwned title\\x07" in out and "\\x9b31m" in out, out
        return "table, csv and json: no raw control character; the table shows \\x1b, " \
               "\\x07, \\x9b"
