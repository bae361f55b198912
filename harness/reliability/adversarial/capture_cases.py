"""Issue 15, cases 1-10: capture never loses a run.

Each case runs real pytest sessions (subprocesses; real xdist workers where it says so)
against real DuckDB files, a real tmpfs for the full disk (root only, SKIP otherwise),
and returns what it saw. ``tests/reliability/test_capture_*.py``, ``test_db_*.py`` and
``test_config_*.py`` run the same functions.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from harness.reliability.adversarial import Unavailable
from harness.reliability.adversarial.surface_cases import corrupt_copy
from pytest_ipfs_accelerate.cli import main
from pytest_ipfs_accelerate.db.connect import open_database, open_for_reading
from pytest_ipfs_accelerate.db.spools import spool_dir
from pytest_ipfs_accelerate.db.tables import RUN_TAGS, RUNS, TEST_RESULTS
from pytest_ipfs_accelerate.db.writer import BufferedWriter
from pytest_ipfs_accelerate.errors import DatabaseLockedError
from pytest_ipfs_accelerate.testing.synthetic import build_db

#: Plugins a child pytest must not load (slow start-up, reordering), as the suite's own.
CHILD_PLUGINS = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:randomly")
#: pytest's last line: ``1 failed, 198 passed ... in 0.90s`` (``-q``) or between ``=``s.
SUMMARY = re.compile(r"^=*\s*(?:\d+ \w+(?:, )?)+.* in [\d.]+s(?: \(.*\))?\s*=*$")


@dataclass
class Run:
    """A finished pytest (or CLI) process."""

    rc: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    def summary(self) -> str:
        """pytest's summary line; AssertionError when it is missing."""
        lines = [line for line in self.out.splitlines() if SUMMARY.match(line.strip())]
        assert lines, f"no summary line (rc {self.rc}):\n{self.text[-2000:]}"
        return lines[-1].strip(" =")

    def clean(self) -> Run:
        """Itself, after checking that no traceback or INTERNALERROR was printed."""
        assert "Traceback" not in self.text and "INTERNALERROR" not in self.text, \
            self.text[-3000:]
        return self


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="ipfs-accel-capture-") as tmp:
        yield Path(tmp)


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a child pytest: none of the outer run's settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("IPFS_ACCEL_", "PYTEST_")) and k != "PYTHONPATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if "PYTHONPATH" in os.environ:  # a checkout under test puts itself first
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    env.update(extra or {})
    return env


def pytest_run(folder: Path, *args: str, env: dict[str, str] | None = None,
               timeout: float = 300) -> Run:
    """``pytest ARGS`` in ``folder``, a fresh process."""
    proc = subprocess.run([sys.executable, "-m", "pytest", *CHILD_PLUGINS, *args], cwd=folder,
                          env=child_env(env), capture_output=True, text=True,
                          timeout=timeout, check=False, errors="backslashreplace")
    return Run(proc.returncode, proc.stdout, proc.stderr)


def cli(*argv: str) -> Run:
    """``ipfs-accel ARGV`` in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return Run(code, out.getvalue(), err.getvalue())


def rows(db: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line(run: Run, *words: str) -> str:
    """The single line of ``run``'s output that holds every one of ``words``."""
    found = [line for line in run.text.splitlines() if all(w in line for w in words)]
    assert len(found) == 1, f"{words}: {len(found)} lines in\n{run.text[-3000:]}"
    return found[0]


def lost_count(run: Run) -> int:
    """The rows the warning line counts as not recorded (0 when there is none)."""
    lines = [line for line in run.out.splitlines() if "WARNING not recorded:" in line]
    assert len(lines) <= 1, lines
    if not lines:
        return 0
    return sum(int(n) for n in re.findall(r"(\d+) row\(s\)", lines[0]))


# -- 1: xdist sends plain data -----------------------------------------------------------
PLAIN_DATA_SUITE = '''
import collections, enum, pytest
from typing import NamedTuple
from pytest_ipfs_accelerate.operations import record_operation

class Point(NamedTuple):
    x: int
    y: int

class Color(enum.IntEnum):
    RED = 1

class Name(str):
    pass

class Opaque:
    def __repr__(self):
        return "Opaque()"

@pytest.mark.parametrize("obj", [Point(24, 42), Color.RED, Name("n"), {"pair": Point(1, 2)},
                                 collections.OrderedDict(a=1), Opaque(), {1, 2},
                                 b"name-\\xff".decode("utf-8", "surrogateescape")],
                         ids=[f"obj{i}" for i in range(8)])
def test_param(obj):
    pass

def test_operation(request):
    record_operation(request.config, kind="ipfs", op="add", backend="simulated",
                     is_simulated=True, duration_s=0.001, target=Name("cid"),
                     extra={"point": Point(1, 2), "obj": Opaque()})

@pytest.mark.parametrize("i", range(20))
def test_more(i):
    pass
'''
PLAIN_DATA_CONFTEST = '''
from typing import NamedTuple

class Extra(NamedTuple):
    a: int

def pytest_ipfs_accel_result_extra(item, reports):
    if item.name == "test_operation":
        return {"extra": Extra(7)}
'''
PLAIN_DATA_PARAMS = {"test_param[obj0]": {"obj": [24, 42]}, "test_param[obj1]": {"obj": 1},
                     "test_param[obj2]": {"obj": "n"},
                     "test_param[obj3]": {"obj": {"pair": [1, 2]}},
                     "test_param[obj4]": {"obj": {"a": 1}},
                     "test_param[obj5]": {"obj": "Opaque()"},
                     "test_param[obj6]": {"obj": "{1, 2}"},
                     "test_param[obj7]": {"obj": "name-\\udcff"}}


def case_1_xdist_workers_send_only_plain_data() -> str:
    with workdir() as tmp:
        (tmp / "test_plain_data.py").write_text(PLAIN_DATA_SUITE)
        (tmp / "conftest.py").write_text(PLAIN_DATA_CONFTEST)
        seen = []
        for args in (["-n", "2"], ["-p", "no:xdist"]):  # workers, and in-process alike
            db = tmp / f"r{len(seen)}.duckdb"
            run = pytest_run(tmp, *args, "--ipfs-accel-db", str(db)).clean()
            assert run.rc == 0 and run.summary().startswith("29 passed"), run.text[-2000:]
            params = {n.split("::")[1]: json.loads(p) for n, p in rows(
                db, "SELECT nodeid, params FROM test_results WHERE nodeid LIKE '%test_param%'")}
            assert params == PLAIN_DATA_PARAMS, params
            [(extra, target, op_extra)] = rows(db, """
                SELECT t.extra, o.target, o.extra FROM test_results t JOIN operations o
                USING (run_id, nodeid) WHERE t.nodeid LIKE '%test_operation'""")
            assert json.loads(extra) == {"extra": [7]} and target == "cid", (extra, target)
            assert json.loads(op_extra) == {"point": [1, 2], "obj": "Opaque()"}, op_extra
            assert rows(db, "SELECT count(*) FROM test_results") == [(29,)]
            seen.append(run.summary())
        return (f"named tuple, IntEnum, str subclass, objects, a set, a surrogate as params, "
                f"extras and operation data: -n 2 '{seen[0]}', in-process '{seen[1]}', the "
                "same 29 rows and values")


# -- 2: one value never poisons a batch -------------------------------------------------
SURROGATE_SUITE = '''
import warnings, pytest
BAD = b"name-\\xff.txt".decode("utf-8", "surrogateescape")

@pytest.mark.parametrize("i", range(195))
def test_plain(i):
    pass

@pytest.mark.parametrize("v", [BAD])
def test_param(v):
    pass

def test_prop(record_property):
    record_property("file", BAD)

def test_assert():
    assert BAD == "x"

def test_skip():
    pytest.skip(BAD)

@pytest.mark.xfail(reason=BAD)
def test_xfail():
    assert 0

def test_warn():
    warnings.warn(BAD)
'''


def case_2_lone_surrogates_never_poison_a_batch() -> str:
    with workdir() as tmp:
        (tmp / "test_surrogates.py").write_text(SURROGATE_SUITE)
        run = pytest_run(tmp, "-p", "no:xdist", "--ipfs-accel-db", "r.duckdb").clean()
        summary = run.summary()
        assert run.rc == 1 and summary.startswith("1 failed, 198 passed, 1 skipped, 1 xfailed"), \
            run.text[-2000:]
        db = tmp / "r.duckdb"
        assert rows(db, "SELECT count(*) FROM test_results") == [(201,)]
        got = dict(rows(db, """SELECT function, concat_ws(' ', params, user_properties,
            crash_message, skip_reason, xfail_reason, warnings) FROM test_results
            WHERE function <> 'test_plain'"""))
        for function, text in got.items():  # stored, escaped as the schema doc says (JSON
            # columns write the escape's backslash as \\)
            assert "name-\\udcff.txt" in text.replace("\\\\", "\\"), (function, text)
        assert rows(db, "SELECT count(*) FROM dropped_rows") == [(0,)]
        assert "WARNING not recorded" not in run.out
        return (f"surrogates in a param, property, assert, skip, xfail and warning: 201/201 "
                f"rows, escaped as \\udcff; rc 1 (one test fails); '{summary}'")


def _writer(db: Path, run_id: str, **kw: Any) -> BufferedWriter:
    w = BufferedWriter(db, spool_name=run_id, **{"flush_seconds": 0, **kw})
    w.put(RUNS.name, {"run_id": run_id, "started_at": "2026-01-01 00:00:00+00",
                      "schema_version": 1})
    return w


def case_2_writer_drops_only_the_rows_duckdb_refuses() -> str:
    with workdir() as tmp:
        db, run_id = tmp / "r.duckdb", str(uuid.uuid4())
        w = _writer(db, run_id, flush_rows=100_000)
        assert w.start()
        bad = {10: "bad\udcff", 500: "also\udc80bad"}  # past every row builder's escaping
        for i in range(1000):
            w.add(RUN_TAGS.name, RUN_TAGS.row(run_id=run_id, key=f"k{i}",
                                              value=bad.get(i, f"v{i}")))
        w.add(TEST_RESULTS.name, TEST_RESULTS.row(  # JSON that is not JSON
            run_id=run_id, nodeid="t.py::test_x", kind="item", outcome="passed",
            duration_s=0.1, params="{not json"))
        assert w.flush() and w.pending == 0, "the poisoned batch must not wait for a retry"
        assert w.flush() and w.failed_flushes == 0
        w.close()
        assert rows(db, "SELECT count(*) FROM run_tags") == [(998,)]
        dropped = rows(db, "SELECT table_name, nodeid, reason, row_text FROM dropped_rows "
                           "WHERE run_id = ? ORDER BY table_name, row_text", [run_id])
        assert [(d[0], d[1]) for d in dropped] == [
            ("run_tags", None), ("run_tags", None), ("test_results", "t.py::test_x")], dropped
        assert "'k10'" in dropped[0][3] and "'k500'" in dropped[1][3], dropped
        assert "surrogate" in dropped[0][2] and "Malformed JSON" in dropped[2][2], dropped
        return (f"1,001 rows, 3 refused: 998 written, 3 listed in dropped_rows with the "
                f"reason ({dropped[0][2][:50]}...), nothing left to retry")


# -- 3: a capture problem never changes pytest's outcome --------------------------------
FOUR_TESTS = '''
import pytest
@pytest.mark.parametrize("i", range(3))
def test_ok(i):
    pass

def test_fails():
    assert False
'''
HOLD_LOCK = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
print("ready", flush=True)
time.sleep(float(sys.argv[2]))
"""


@contextlib.contextmanager
def lock_held(db: Path, seconds: float = 120) -> Iterator[None]:
    """Another process holds ``db`` open for writing (DuckDB's lock) during the block."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def case_3_unwritable_db_and_spool_keep_the_tests_outcome() -> str:
    with workdir() as tmp:
        (tmp / "test_four.py").write_text(FOUR_TESTS)
        (tmp / "ipfs_accelerate.toml").write_text("[db]\nlock_timeout_s = 0.2\n")
        db = tmp / "r.duckdb"
        open_database(db).close()
        spool_dir(db).write_text("a file where the spool folder would go")
        plain = pytest_run(tmp, "-p", "no:ipfs_accelerate")
        with lock_held(db):
            run = pytest_run(tmp, "-p", "no:xdist", "--ipfs-accel-db", "r.duckdb").clean()
        assert run.rc == plain.rc == 1, (run.rc, plain.rc, run.text[-2000:])
        assert _outcomes(run.summary()) == _outcomes(plain.summary())
        line = one_line(run, "WARNING not recorded:")
        assert lost_count(run) >= 4 and "r.duckdb" in line, line  # 4 results, and more
        return f"DB locked all run, spool folder blocked: rc {run.rc} as without the " \
               f"plugin, '{run.summary()}', and: {line[:110]}..."


def _outcomes(summary: str) -> str:
    """A summary line without its timing."""
    return summary.rsplit(" in ", 1)[0]


RAISING_EXTRA = '''
def pytest_ipfs_accel_result_extra(item, reports):
    if item.name == "test_fails":
        raise RuntimeError("a broken extras hook")
'''


def case_3_failing_capture_hook_keeps_the_tests_outcome() -> str:
    with workdir() as tmp:
        (tmp / "test_four.py").write_text(FOUR_TESTS)
        (tmp / "conftest.py").write_text(RAISING_EXTRA)
        seen = []
        for args in (["-p", "no:xdist"], ["-n", "2"]):
            run = pytest_run(tmp, *args, "--ipfs-accel-db", f"r{len(seen)}.duckdb").clean()
            assert run.rc == 1 and run.summary().startswith("1 failed, 3 passed"), \
                run.text[-2000:]
            line = one_line(run, "WARNING not recorded:", "capture failed 1 time(s)")
            assert "RuntimeError: a broken extras hook" in line, line
            n = rows(tmp / f"r{len(seen)}.duckdb", "SELECT count(*) FROM test_results")[0][0]
            assert n == 4, n  # every test's row, that one without its extras
            seen.append(f"{args[-1]}: rc 1, {n} rows")
        return f"an extras hook that raises: {'; '.join(seen)}, the failure in one line"


# -- 4: parameters whose repr, str, eq or hash raise ------------------------------------
HOSTILE_PARAMS = '''
import pytest

class BadRepr:
    def __repr__(self):
        raise ValueError("no repr")

class BadStr:
    def __str__(self):
        raise ValueError("no str")
    __repr__ = __str__

class BadEq:
    def __eq__(self, other):
        raise ValueError("no eq")
    def __hash__(self):
        raise ValueError("no hash")
    def __repr__(self):
        return "BadEq()"

@pytest.mark.parametrize("v", [BadRepr(), BadStr(), BadEq()])
def test_hostile(v):
    pass

@pytest.mark.parametrize("i", range(5))
def test_after(i):
    pass
'''


def case_4_unrepresentable_parameters_get_a_placeholder() -> str:
    with workdir() as tmp:
        (tmp / "test_hostile.py").write_text(HOSTILE_PARAMS)
        for args in (["-p", "no:xdist"], ["-n", "2"]):
            run = pytest_run(tmp, *args, "--ipfs-accel-db", "r.duckdb").clean()
            assert run.rc == 0 and run.summary().startswith("8 passed"), run.text[-2000:]
        params = [p for (p,) in rows(tmp / "r.duckdb", "SELECT params FROM test_results "
                                     "WHERE function = 'test_hostile' ORDER BY nodeid")]
        assert params == sorted(['{"v": "<unrepresentable BadRepr: ValueError>"}',
                                 '{"v": "<unrepresentable BadStr: ValueError>"}',
                                 '{"v": "BadEq()"}'] * 2), params
        return "raising __repr__/__str__/__eq__/__hash__: every test ran in-process and " \
               "under -n 2 (16 rows); params " + params[0]


# -- 5: disk full mid-run ---------------------------------------------------------------
@contextlib.contextmanager
def tmpfs(size: str) -> Iterator[Path]:
    """A real tmpfs of ``size`` (root only; Unavailable otherwise)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        raise Unavailable("mounting a tmpfs needs root")
    with tempfile.TemporaryDirectory(prefix="ipfs-accel-tmpfs-") as tmp:
        mnt = Path(tmp)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", tmp],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise Unavailable(f"mount -t tmpfs failed: {done.stderr.strip()}")
        try:
            yield mnt
        finally:
            subprocess.run(["umount", "-l", tmp], check=False)


MANY_TESTS = '''
import pytest
@pytest.mark.parametrize("i", range(2000))
def test_n(i):
    pass
'''


def _disk_full(size: str, *args: str) -> str:
    with workdir() as tmp, tmpfs(size) as mnt:
        (tmp / "test_many.py").write_text(MANY_TESTS)
        db = mnt / "r.duckdb"
        run = pytest_run(tmp, "-p", "no:xdist", "--ipfs-accel-db", str(db), *args).clean()
        assert run.rc == 0 and run.summary().startswith("2000 passed"), run.text[-2000:]
        stored = rows(db, "SELECT count(*) FROM test_results")[0][0]
        lost = lost_count(run)
        assert stored + lost == 2000, (stored, lost, run.out[-1500:])
        if lost:
            assert "no space left on the device" in one_line(run, "WARNING not recorded:")
        assert sorted(p.name for p in mnt.iterdir()) == ["r.duckdb"], list(mnt.iterdir())
        open_database(db, read_only=True).close()  # opens afterwards, schema intact
        assert rows(db, "SELECT count(*) FROM runs") == [(1,)]
        return (f"{size} tmpfs, 2,000 tests{' ' + ' '.join(args) if args else ''}: rc 0, "
                f"'{run.summary()}', {stored} rows stored, {lost} counted in one warning; "
                "no .wal/.tmp/spool left; the DB opens")


def case_5_disk_full_on_a_2mib_tmpfs() -> str:
    return _disk_full("2m")


def case_5_disk_full_stores_the_rows_that_fit() -> str:
    return _disk_full("2304k", "--ipfs-accel-flush-rows", "100")


# -- 6: spool files never collide -------------------------------------------------------
def case_6_a_second_spool_of_a_run_is_folded_too() -> str:
    with workdir() as tmp:
        db, run_id = tmp / "r.duckdb", str(uuid.uuid4())
        w = _writer(db, run_id, lock_timeout_s=0.1)
        assert w.start()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lock_held(db):
                for i in range(10):
                    w.add(RUN_TAGS.name, RUN_TAGS.row(run_id=run_id, key=f"a{i}", value="v"))
                first = w.finish()
            _writer(db, str(uuid.uuid4())).close()  # the next writer folds the first spool
            with lock_held(db):
                for i in range(5):  # rows that came after the session finished
                    w.add(RUN_TAGS.name, RUN_TAGS.row(run_id=run_id, key=f"b{i}", value="v"))
                second = w.close()
        assert first is not None and second is not None and first != second, (first, second)
        _writer(db, str(uuid.uuid4())).close()  # ... and the second
        assert not spool_dir(db).exists()
        n = rows(db, "SELECT count(*) FROM run_tags WHERE run_id = ?", [run_id])[0][0]
        assert n == 15, f"{n} of 15 rows"
        return f"two spools of one run ({first.name}, {second.name}): both folded, 15/15 rows"


# -- 7: damaged and foreign files -------------------------------------------------------
def damaged_copies(tmp: Path) -> dict[str, Path]:
    """A results DB cut in half, and one whose header block fails its checksum."""
    good = tmp / "good.duckdb"
    build_db(good, tests=200, runs=2, fail_every=7)
    data = good.read_bytes()
    out = {"truncated": tmp / "truncated.duckdb", "corrupt": tmp / "corrupt.duckdb"}
    out["truncated"].write_bytes(data[:len(data) // 2])
    flipped = bytearray(data)
    flipped[4200:4300] = bytes(b ^ 0xFF for b in flipped[4200:4300])
    out["corrupt"].write_bytes(bytes(flipped))
    return out


def case_7_damaged_db_is_refused_in_one_line_and_unchanged() -> str:
    with workdir() as tmp:
        (tmp / "test_one.py").write_text("def test_one():\n    pass\n")
        seen = []
        for kind, db in damaged_copies(tmp).items():
            before = digest(db)
            run = pytest_run(tmp, "--ipfs-accel-db", db.name).clean()
            line = one_line(run, db.name, f"the file is {kind}")
            assert run.rc == 4 and "stayed locked" not in run.text, run.text[-2000:]
            for argv in (["runs", str(db)], ["report", str(db)],
                         ["query", str(db), "SELECT 1"], ["merge", str(tmp / "out.duckdb"),
                                                          str(db)],
                         ["merge", str(db), str(tmp / "good.duckdb")]):
                got = cli(*argv).clean()
                assert got.rc == 2 and not got.out, (argv, got)
                one_line(got, db.name, f"the file is {kind}")
            assert digest(db) == before and not (tmp / "out.duckdb").exists()
            assert sorted(p.name for p in tmp.iterdir() if db.name in p.name) == [db.name]
            seen.append(line.split(": ", 2)[-1][:70])
        return "plugin, runs, report, query, merge (as input and output): " + " | ".join(seen)


def case_7_damage_found_mid_run_is_named_and_never_spooled() -> str:
    with workdir() as tmp:
        (tmp / "test_one.py").write_text("def test_one():\n    pass\n")
        build_db(tmp / "good.duckdb", tests=3000, runs=3, fail_every=11)
        how = corrupt_copy(tmp / "good.duckdb", tmp / "r.duckdb")
        run = pytest_run(tmp, "--ipfs-accel-db", "r.duckdb").clean()
        assert run.rc == 0 and run.summary().startswith("1 passed"), run.text[-2000:]
        line = one_line(run, "r.duckdb", "the file is corrupt")
        assert "stayed locked" not in run.text and not spool_dir(tmp / "r.duckdb").exists()
        merged = cli("merge", str(tmp / "out.duckdb"), str(tmp / "r.duckdb")).clean()
        assert merged.rc == 2 and not (tmp / "out.duckdb").exists(), merged
        one_line(merged, "r.duckdb", "the file is corrupt")
        return f"{how}: the session rc 0, and {line[:100]}...; merge refuses it in one line"


def _foreign(path: Path, ddl: str) -> None:
    con = duckdb.connect(str(path))
    con.execute(ddl)
    con.close()


FOREIGN = {"schema": "CREATE SCHEMA app; CREATE TABLE app.sales AS SELECT 1 AS id",
           "views": "CREATE VIEW answer AS SELECT 42 AS x",
           "sequence": "CREATE SEQUENCE ids"}


def case_7_foreign_duckdb_files_are_refused_byte_identical() -> str:
    with workdir() as tmp:
        (tmp / "test_one.py").write_text("import pathlib\ndef test_one():\n"
                                         "    pathlib.Path('ran').touch()\n")
        for kind, ddl in FOREIGN.items():
            db = tmp / f"{kind}.duckdb"
            _foreign(db, ddl)
            before = digest(db)
            run = pytest_run(tmp, "--ipfs-accel-db", db.name).clean()
            assert run.rc == 4 and not (tmp / "ran").exists(), run.text[-2000:]
            one_line(run, db.name, "not a pytest-ipfs-accelerate results DB")
            got = cli("merge", str(db), str(tmp / "none.duckdb"))
            assert got.rc == 2
            assert digest(db) == before and not (tmp / f"{kind}.duckdb.wal").exists(), kind
        return "tables only in schema app, only views, only a sequence: refused in one " \
               "line before any test ran, byte-identical"


# -- 8: config values -------------------------------------------------------------------
BAD_CONFIG = {
    "nan": ("[db]\nflush_seconds = nan\n", "db.flush_seconds"),
    "inf": ("[db]\nlock_timeout_s = inf\n", "db.lock_timeout_s"),
    "negative": ("[db]\nflush_rows = -5\n", "db.flush_rows"),
    "absurd": ("[db]\nflush_rows = 1000000000000000000000\n", "db.flush_rows"),
    "nul-in-path": ('[db]\npath = "r.duckdb\\u0000x"\n', "db.path"),
    "deep-array": ("[hardware]\ndevices = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deep"),
}


def case_8_bad_config_values_are_one_line_errors() -> str:
    with workdir() as tmp:
        (tmp / "test_one.py").write_text("def test_one():\n    pass\n")
        for name, (text, key) in BAD_CONFIG.items():
            cfg = tmp / f"{name}.toml"
            cfg.write_text(text)
            run = pytest_run(tmp, "--ipfs-accel-config", cfg.name, "--ipfs-accel-db",
                             "r.duckdb").clean()
            assert run.rc == 4, (name, run.text[-1500:])
            one_line(run, cfg.name, key)
            got = cli("config", "validate", "--config", str(cfg)).clean()
            assert got.rc == 2 and key in got.err and got.err.count("\n") == 1, (name, got)
        assert sorted(p.name for p in tmp.iterdir() if "duckdb" in p.name) == [], \
            "a refused config created a DB file"
        for args, env, key in ((["--ipfs-accel-flush-seconds", "nan"], {}, "flush-seconds"),
                               (["--ipfs-accel-flush-rows", "-5"], {}, "flush-rows"),
                               ([], {"IPFS_ACCEL_DB_FLUSH_SECONDS": "inf"}, "flush_seconds"),
                               ([], {"IPFS_ACCEL_DB_LOCK_TIMEOUT_S": "-1"}, "lock_timeout_s")):
            run = pytest_run(tmp, *args, "--ipfs-accel-db", "r.duckdb", env=env).clean()
            assert run.rc == 4, (args, env, run.text[-1500:])
            one_line(run, key, "out of range")
        return (f"{', '.join(BAD_CONFIG)} in the file, nan/-5 as options, inf/-1 in env: "
                "rc 4 with one line naming the key (config validate: rc 2), no stray file")


# -- 9: record_property values are capped -----------------------------------------------
BIG_PROPERTIES = '''
def test_big(record_property):
    record_property("text", "x" * 10_000_000)
    record_property("numbers", list(range(2_000_000)))
    record_property("k" * 50_000, 1)
'''


def case_9_record_property_values_are_capped() -> str:
    with workdir() as tmp:
        (tmp / "test_big.py").write_text(BIG_PROPERTIES)
        (tmp / "ipfs_accelerate.toml").write_text("[db]\nproperty_max_chars = 1000\n")
        run = pytest_run(tmp, "-p", "no:xdist", "--ipfs-accel-db", "r.duckdb").clean()
        assert run.rc == 0, run.text[-2000:]
        [(props,)] = rows(tmp / "r.duckdb", "SELECT user_properties FROM test_results")
        pairs = json.loads(props)
        assert len(props) < 5000, len(props)
        for key, value in pairs:
            assert len(key) <= 1100 and len(str(value)) <= 1100, (key[:50], str(value)[:50])
        assert pairs[0][1].startswith("x" * 1000) and "more characters truncated" in pairs[0][1]
        assert pairs[1][1].startswith("[0, 1, 2") and "truncated" in pairs[1][1]
        return (f"a 10 MB string, a 2M-item list and a 50k-char key under "
                f"property_max_chars = 1000: stored as {len(props):,} characters of JSON")


# -- 10: readers wait for a busy writer -------------------------------------------------
SLOW_SUITE = '''
import time, pytest
@pytest.mark.parametrize("i", range({n}))
def test_slow(i):
    time.sleep({sleep})
'''


def _start_session(folder: Path, db: Path, n: int, sleep: float, *args: str
                   ) -> subprocess.Popen[str]:
    folder.mkdir(exist_ok=True)
    (folder / "test_slow.py").write_text(SLOW_SUITE.format(n=n, sleep=sleep))
    return subprocess.Popen([sys.executable, "-m", "pytest", *CHILD_PLUGINS, "-q", "-p",
                             "no:xdist", "--ipfs-accel-db", str(db), *args], cwd=folder,
                            env=child_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _wait_until_locked(db: Path, timeout: float = 60) -> None:
    """Until another process holds ``db``'s write lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                duckdb.connect(str(db), read_only=True).close()
            except duckdb.Error as exc:
                if "lock" in str(exc):
                    return
        time.sleep(0.05)
    raise AssertionError(f"{db}: nobody took its lock in {timeout} s")


def _wait_for_rows(db: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(duckdb.Error):
            if db.exists() and rows(db, "SELECT count(*) FROM runs")[0][0]:
                return
        time.sleep(0.05)
    raise AssertionError(f"{db}: no run row after {timeout} s")


READS = (("query", "{db}", "SELECT count(*) FROM test_results"), ("runs", "{db}"),
         ("report", "{db}"))


def case_10_readers_wait_for_a_writer_that_holds_the_db() -> str:
    with workdir() as tmp:
        db = tmp / "r.duckdb"
        (tmp / "s").mkdir()
        (tmp / "s" / "ipfs_accelerate.toml").write_text('[db]\nconnection = "hold"\n')
        session = _start_session(tmp / "s", db, n=30, sleep=0.15)
        try:
            _wait_until_locked(db)
            results: dict[str, Run] = {}

            def read(argv: tuple[str, ...]) -> None:
                results[argv[0]] = _cli_subprocess(*(a.format(db=db) for a in argv))

            threads = [threading.Thread(target=read, args=(argv,)) for argv in READS]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            out = session.communicate(timeout=120)[0]
        assert session.returncode == 0, out[-2000:]
        for name, run in results.items():
            assert run.rc == 0 and run.out, (name, run)
            one_line(run, "is writing to it; waiting up to")
        return ("query, runs and report started while a hold-mode session held the DB: each "
                "said it waits, then answered (rc 0)")


def _cli_subprocess(*argv: str) -> Run:
    proc = subprocess.run([sys.executable, "-m", "pytest_ipfs_accelerate.cli", *argv],
                          env=child_env(), capture_output=True, text=True, timeout=120,
                          check=False)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def case_10_readers_succeed_while_sessions_write() -> str:
    with workdir() as tmp:
        db = tmp / "r.duckdb"
        open_database(db).close()
        sessions = [_start_session(tmp / f"s{i}", db, 150, 0.01, "--ipfs-accel-flush-rows",
                                   "5") for i in range(4)]
        reads: list[Run] = []
        try:
            _wait_for_rows(db)
            while any(s.poll() is None for s in sessions) or len(reads) < 6:
                argv = READS[len(reads) % len(READS)]
                reads.append(_cli_subprocess(*(a.format(db=db) for a in argv)))
        finally:
            outs = [s.communicate(timeout=120)[0] for s in sessions]
        assert all(s.returncode == 0 for s in sessions), [o[-500:] for o in outs]
        failed = [r for r in reads if r.rc != 0]
        assert not failed, f"{len(failed)} of {len(reads)} reads failed: {failed[0].err}"
        assert rows(db, "SELECT count(*) FROM test_results") == [(600,)]
        return f"4 sessions x 150 tests flushing every 5 rows: {len(reads)}/{len(reads)} " \
               "reads (query, runs, report) answered"


def case_10_a_reader_waits_a_bounded_time() -> str:
    with workdir() as tmp:
        db = tmp / "r.duckdb"
        open_database(db).close()
        told: list[str] = []
        with lock_held(db):
            started = time.monotonic()
            try:
                open_for_reading(db, on_wait=told.append, lock_timeout_s=4).close()
            except DatabaseLockedError as exc:
                waited, error = time.monotonic() - started, str(exc)
            else:
                raise AssertionError("the read got past a lock held all along")
        assert 3.5 < waited < 8 and len(told) == 1 and "waiting up to" in told[0], (waited, told)
        return f"a lock held all along: one notice after 3 s, then after {waited:.1f} s: " \
               f"{error[:70]}..."
