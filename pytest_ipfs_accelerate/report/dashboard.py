"""The live dashboard: a stdlib HTTP server on loopback over a results DB.

DuckDB allows one writer process, and a running pytest session writes. So the server
never holds the DB: each poll opens it read-only, reads, and closes it, waiting for a
writer's lock a short bounded time (``lock_wait_s``). When the DB stays busy, it serves
the last good snapshot with its age, marked ``stale``. Answers are cached for
``min_interval_s``, so many browsers cost one DB open per interval.

Endpoints: ``/`` (the page), ``/api/live`` (latest run, updated while it writes),
``/api/runs``, ``/api/run/<id>`` (a run report as JSON), ``/report/<id>`` (the HTML report).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.errors import DatabaseError, DatabaseLockedError, IpfsAccelError
from pytest_ipfs_accelerate.report.dashboard_page import PAGE
from pytest_ipfs_accelerate.report.model import OUTCOMES, Limits, rows

LOOPBACK = ("127.0.0.1", "::1", "localhost")
_RUN_ID = re.compile(r"^[0-9a-fA-F-]{1,36}$")
RECENT = 15
#: Snapshots kept (live, runs, and the run reports last asked for).
MAX_CACHED = 16


class NoSnapshot(IpfsAccelError):
    """The DB could not be read and nothing was read before."""


class SnapshotReader:
    """Read-only, brief, per-poll reads of the DB with the last good answer kept per key."""

    def __init__(self, path: Path, *, lock_wait_s: float = 0.4, min_interval_s: float = 0.2):
        self.path = path
        self.lock_wait_s = lock_wait_s
        self.min_interval_s = min_interval_s
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, Any]] = {}

    def get(self, key: str, build: Callable[[Any], Any]) -> dict[str, Any]:
        """``{"data", "snapshot_at", "age_s", "stale", "busy", "error"}`` for ``key``."""
        with self._lock:
            now = time.time()
            cached = self._cache.get(key)
            if cached and now - cached[0] < self.min_interval_s:
                return self._answer(cached, now, stale=False)
            try:
                con = self._open()
            except DatabaseError as exc:  # busy (a writer's lock) or not there yet
                if cached is None:
                    raise NoSnapshot(str(exc)) from None
                busy = isinstance(exc, DatabaseLockedError)
                return self._answer(cached, now, stale=True, busy=busy, error=str(exc))
            try:
                data = build(con)  # errors in the question (unknown run) go to the caller
            finally:
                con.close()
            if len(self._cache) >= MAX_CACHED:  # forget the oldest answer
                del self._cache[min(self._cache, key=lambda k: self._cache[k][0])]
            self._cache[key] = (now, data)
            return self._answer(self._cache[key], now, stale=False)

    def _open(self) -> Any:
        from pytest_ipfs_accelerate.db.connect import open_database

        return open_database(self.path, read_only=True, lock_timeout_s=self.lock_wait_s)

    @staticmethod
    def _answer(entry: tuple[float, Any], now: float, *, stale: bool, busy: bool = False,
                error: str | None = None) -> dict[str, Any]:
        at, data = entry
        return {"data": data, "snapshot_at": at, "age_s": round(now - at, 3), "stale": stale,
                "busy": busy, "error": error}


def live_state(con: Any) -> dict[str, Any] | None:
    """The newest run as it stands: counts, progress, recent results, failures."""
    found = rows(con, """
        SELECT CAST(run_id AS VARCHAR) AS run_id, started_at, finished_at, exit_status, host,
               git_branch, git_commit, tox_env, tests_collected, xdist_workers
        FROM runs ORDER BY started_at DESC LIMIT 1""", [])
    if not found:
        return None
    run = found[0]
    rid = run["run_id"]
    counts = {o: 0 for o in OUTCOMES}
    for outcome, n in con.execute("SELECT outcome, count(*) FROM test_results "
                                  "WHERE run_id = ? GROUP BY outcome", [rid]).fetchall():
        counts[outcome] = n
    return {"run": run, "counts": counts, "total": sum(counts.values()),
            "finished": run["finished_at"] is not None,
            "recent": rows(con, """
                SELECT nodeid, outcome, duration_s, finished_at FROM test_results
                WHERE run_id = ? ORDER BY finished_at DESC NULLS LAST LIMIT ?""",
                           [rid, RECENT]),
            "failures": rows(con, """
                SELECT nodeid, outcome, left(crash_message, 300) AS crash_message
                FROM test_results WHERE run_id = ? AND outcome IN ('failed', 'error')
                ORDER BY finished_at DESC NULLS LAST LIMIT 20""", [rid])}


def run_list(con: Any, limit: int = 50) -> list[dict[str, Any]]:
    return rows(con, """
        SELECT CAST(run_id AS VARCHAR) AS run_id, started_at, finished_at, exit_status, host,
               git_branch, left(git_commit, 12) AS git_commit, tox_env, tests, passed, failed,
               errors, skipped
        FROM run_summary ORDER BY started_at DESC LIMIT ?""", [limit])


class DashboardServer(ThreadingHTTPServer):
    """The HTTP server; ``reader`` does every DB read."""

    daemon_threads = True

    def __init__(self, db: Path, host: str = "127.0.0.1", port: int = 0, *,
                 lock_wait_s: float = 0.4, min_interval_s: float = 0.2) -> None:
        if host not in LOOPBACK:
            raise IpfsAccelError(f"serve: host {host!r} is not loopback; the dashboard only "
                                 "listens on 127.0.0.1 (use an SSH tunnel to reach it remotely)")
        self.reader = SnapshotReader(db, lock_wait_s=lock_wait_s, min_interval_s=min_interval_s)
        try:
            super().__init__(("127.0.0.1" if host == "localhost" else host, port), _Handler)
        except OSError as exc:
            raise IpfsAccelError(f"serve: cannot listen on {host}:{port}: {exc.strerror}; "
                                 "choose another --port (0 picks a free one)") from None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{'[' + host + ']' if ':' in str(host) else host}:{port}/"


class _Handler(BaseHTTPRequestHandler):
    server: DashboardServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet by default
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        reader = self.server.reader
        try:
            if path in ("/", "/index.html"):
                self._send(HTTPStatus.OK, PAGE.encode(), "text/html; charset=utf-8")
            elif path == "/api/live":
                self._json(reader.get("live", live_state))
            elif path == "/api/runs":
                self._json(reader.get("runs", run_list))
            elif m := re.fullmatch(r"/(api/run|report)/([^/]+)", path):
                kind, rid = m.groups()
                if not _RUN_ID.match(rid):
                    self._error(HTTPStatus.BAD_REQUEST, f"bad run id {rid!r}")
                elif kind == "report":
                    self._report_page(rid)
                else:
                    self._json(reader.get(f"run:{rid}", lambda con: _run_report(con, rid)))
            else:
                self._error(HTTPStatus.NOT_FOUND, f"no such page: {path}")
        except NoSnapshot as exc:
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, str(exc))
        except IpfsAccelError as exc:
            self._error(HTTPStatus.NOT_FOUND, str(exc))
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _report_page(self, rid: str) -> None:
        from pytest_ipfs_accelerate.report.build import build_run_report
        from pytest_ipfs_accelerate.report.html_page import render_html

        snap = self.server.reader.get(f"report:{rid}",
                                      lambda con: render_html(build_run_report(con, rid)))
        self._send(HTTPStatus.OK, snap["data"].encode(), "text/html; charset=utf-8")

    def _json(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, default=str, separators=(",", ":")).encode()
        self._send(HTTPStatus.OK, body, "application/json")

    def _error(self, status: HTTPStatus, message: str) -> None:
        self._send(status, json.dumps({"error": message}).encode(), "application/json")

    def _send(self, status: HTTPStatus, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy",
                         "default-src 'self'; script-src 'unsafe-inline'; "
                         "style-src 'unsafe-inline'; img-src data:")
        self.end_headers()
        self.wfile.write(body)


def _run_report(con: Any, rid: str) -> dict[str, Any]:
    from pytest_ipfs_accelerate.report.build import build_run_report

    return build_run_report(con, rid, limits=Limits(tests=1000)).to_dict()


def serve(db: Path, host: str = "127.0.0.1", port: int = 8765,
          announce: Callable[[str], None] = print) -> None:
    """Serve until interrupted."""
    if not db.exists():
        raise DatabaseError(f"{db}: no such results DB; run `pytest --ipfs-accel-db {db}` "
                            "first or check the path")
    server = DashboardServer(db, host, port)
    announce(f"serving {db} at {server.url} (Ctrl-C stops)")
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
