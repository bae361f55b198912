"""The per-test path stays lean: hook implementations, attribution, and the rows it writes.

Speed itself is measured by ``harness/plugin_overhead``; these tests pin the structure
that keeps it cheap, so that a new per-test hook shows up as a failing test.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from datetime import datetime, timezone

import pytest

from tests.conftest import query

PER_TEST_HOOKS = (
    "pytest_runtest_protocol", "pytest_runtest_logstart", "pytest_runtest_setup",
    "pytest_runtest_call", "pytest_runtest_teardown", "pytest_runtest_makereport",
    "pytest_runtest_logreport", "pytest_runtest_logfinish",
)

# A conftest that lists, after the run, which of our plugins implement per-test hooks.
HOOK_PROBE = f"""
import json

def _ours(impl):
    plugin = impl.plugin
    module = getattr(plugin, "__name__", None) or type(plugin).__module__
    return module.startswith("pytest_ipfs_accelerate")

def pytest_sessionfinish(session):
    hooks = session.config.pluginmanager.hook
    found = {{name: sorted(impl.plugin_name for impl in getattr(hooks, name).get_hookimpls()
                           if _ours(impl))
             for name in {PER_TEST_HOOKS!r}}}
    with open("hooks.json", "w") as f:
        json.dump({{k: v for k, v in found.items() if v}}, f)
"""


@pytest.fixture
def hooks(pytester, run_pytest) -> Callable[..., dict[str, list[str]]]:
    """``hooks(*args)``: our per-test hook implementations in a run with ``args``."""
    def run(*args: str) -> dict[str, list[str]]:
        (pytester.path / "conftest.py").write_text(HOOK_PROBE)
        result = run_pytest(*args)
        assert result.ret == 0, result.stdout.str() + result.stderr.str()
        return json.loads((pytester.path / "hooks.json").read_text())

    return run


def test_capture_adds_one_per_test_hook(pytester, hooks):
    (pytester.path / "test_plain.py").write_text("def test_a():\n    pass\n")
    assert hooks("--ipfs-accel-db", "r.duckdb", "-p", "no:xdist") == {
        "pytest_runtest_logreport": ["ipfs_accel_capture"]}


def test_idle_plugin_adds_no_per_test_hook(pytester, hooks):
    (pytester.path / "test_plain.py").write_text("def test_a():\n    pass\n")
    assert hooks("-p", "no:xdist") == {}


def test_room_hooks_come_only_with_their_tests(pytester, hooks):
    (pytester.path / "test_rooms.py").write_text(textwrap.dedent("""
        import pytest

        @pytest.mark.hardware("cpu")
        def test_needs_cpu():
            pass

        def test_timed(benchmark):
            benchmark(sum, [1, 2])
    """))
    found = hooks("--ipfs-accel-db", "r.duckdb", "-p", "no:xdist")
    assert found == {
        "pytest_runtest_setup": ["ipfs_accel_hardware_gate"],
        # the benchmark keeper: pauses the writer while a benchmark times (issue 19)
        "pytest_runtest_call": ["ipfs_accel_benchmark_fixtures"],
        "pytest_runtest_makereport": ["ipfs_accel_benchmark_fixtures"],
        "pytest_runtest_logreport": ["ipfs_accel_capture"],
    }


def test_bad_threshold_marker_is_a_usage_error_before_any_test(pytester, run_pytest):
    (pytester.path / "test_bad.py").write_text(textwrap.dedent("""
        import pytest

        def test_first():
            pass

        @pytest.mark.benchmark_threshold("fast")
        def test_timed(accel_metric):
            accel_metric("x", 1.0)
    """))
    result = run_pytest("--ipfs-accel-db", "r.duckdb")
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + result.stderr.str()
    assert "test_bad.py::test_timed" in result.stderr.str()
    assert "positive relative threshold" in result.stderr.str()
    assert "Traceback" not in result.stderr.str()
    assert "test_first" not in result.stdout.str()  # nothing ran


def test_operations_outside_tests_belong_to_the_session(pytester, run_pytest):
    (pytester.path / "conftest.py").write_text(textwrap.dedent("""
        import pytest
        from pytest_ipfs_accelerate.operations import record_operation

        def pytest_collection_finish(session):
            record_operation(session.config, kind="ipfs", op="warmup", backend="simulated",
                             is_simulated=True, duration_s=0.001)

        @pytest.fixture
        def node(request):
            record_operation(request.config, kind="ipfs", op="add", backend="simulated",
                             is_simulated=True, duration_s=0.002)
    """))
    (pytester.path / "test_ops.py").write_text(
        "def test_first():\n    pass\n\ndef test_uses(node):\n    pass\n")
    result = run_pytest("--ipfs-accel-db", "r.duckdb")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    db = pytester.path / "r.duckdb"
    assert query(db, "SELECT op, nodeid FROM operations ORDER BY op") == [
        ("add", "test_ops.py::test_uses"), ("warmup", None)]


def test_row_times_match_the_reports(pytester, run_pytest):
    (pytester.path / "conftest.py").write_text(textwrap.dedent("""
        import json

        STARTS = {}

        def pytest_runtest_logreport(report):
            STARTS.setdefault(report.nodeid, {})[report.when] = [report.start, report.stop]

        def pytest_sessionfinish(session):
            with open("times.json", "w") as f:
                json.dump(STARTS, f)
    """))
    (pytester.path / "test_t.py").write_text(textwrap.dedent("""
        import pytest

        @pytest.mark.slow
        @pytest.mark.parametrize("x", [1, 2])
        def test_p(x):
            pass
    """))
    result = run_pytest("--ipfs-accel-db", "r.duckdb", "-p", "no:xdist")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    times = json.loads((pytester.path / "times.json").read_text())
    db = pytester.path / "r.duckdb"
    rows = query(db, "SELECT nodeid, started_at, setup_started_at, call_finished_at, "
                     "teardown_finished_at, markers, params, typeof(run_id) "
                     "FROM test_results ORDER BY nodeid")
    assert [r[0] for r in rows] == ["test_t.py::test_p[1]", "test_t.py::test_p[2]"]
    for nodeid, started, setup_started, call_finished, finished, markers, params, kind in rows:
        phases = times[nodeid]

        def at(epoch: float) -> datetime:
            return datetime.fromtimestamp(epoch, tz=timezone.utc)

        # epoch seconds staged as DOUBLE, converted by to_timestamp: within a microsecond
        assert abs((started - at(phases["setup"][0])).total_seconds()) < 2e-6
        assert abs((setup_started - at(phases["setup"][0])).total_seconds()) < 2e-6
        assert abs((call_finished - at(phases["call"][1])).total_seconds()) < 2e-6
        assert abs((finished - at(phases["teardown"][1])).total_seconds()) < 2e-6
        assert markers == ["parametrize", "slow"]
        assert json.loads(params) == {"x": int(nodeid[-2])}
        assert kind == "UUID"


def test_brief_and_full_rows_say_the_same_things(pytester, run_pytest):
    """Plain passes take the writer's brief layout; everything else the full one."""
    (pytester.path / "test_mix.py").write_text(textwrap.dedent("""
        import pytest

        def test_plain():
            pass

        def test_prop(record_property):
            record_property("k", 1)

        def test_fails():
            assert 0

        @pytest.mark.xfail(reason="known")
        def test_xpass():
            pass

        def test_skip():
            pytest.skip("later")
    """))
    result = run_pytest("--ipfs-accel-db", "r.duckdb", "-p", "no:xdist")
    assert result.ret == 1, result.stdout.str() + result.stderr.str()
    db = pytester.path / "r.duckdb"
    rows = query(db, "SELECT function, outcome, rerun_count, is_simulated, "
                     "user_properties IS NOT NULL, longrepr IS NOT NULL, xfail_reason, "
                     "skip_reason, call_outcome FROM test_results ORDER BY function")
    assert rows == [
        ("test_fails", "failed", 0, False, False, True, None, None, "failed"),
        ("test_plain", "passed", 0, False, False, False, None, None, "passed"),
        ("test_prop", "passed", 0, False, True, False, None, None, "passed"),
        ("test_skip", "skipped", 0, False, False, False, None, "later", "skipped"),
        ("test_xpass", "xpassed", 0, False, False, False, "known", None, "passed"),
    ]


def test_reports_pytest_keeps_carry_none_of_our_attributes(pytester, run_pytest):
    """The identity, operations and extras ride on reports only until they are read."""
    (pytester.path / "conftest.py").write_text(textwrap.dedent("""
        import json

        def pytest_ipfs_accel_result_extra(item, reports):
            return {"seen": len(reports)}

        def pytest_terminal_summary(terminalreporter):
            left = sorted({name for reports in terminalreporter.stats.values()
                           for r in reports for name in getattr(r, "__dict__", {})
                           if name.startswith("ipfs_accel_")})
            with open("left.json", "w") as f:
                json.dump(left, f)
    """))
    (pytester.path / "test_a.py").write_text(
        "def test_a(ipfs_node):\n    ipfs_node.add_bytes(b'x')\ndef test_b():\n    assert 0\n")
    result = run_pytest("--ipfs-accel-db", "r.duckdb", "-p", "no:xdist")
    assert result.ret == 1, result.stdout.str() + result.stderr.str()
    assert json.loads((pytester.path / "left.json").read_text()) == []
    db = pytester.path / "r.duckdb"
    assert query(db, "SELECT nodeid, extra FROM test_results ORDER BY nodeid") == [
        ("test_a.py::test_a", '{"seen": 3}'), ("test_a.py::test_b", '{"seen": 3}')]
    assert query(db, "SELECT DISTINCT nodeid FROM operations WHERE kind = 'ipfs'") == [
        ("test_a.py::test_a",)]


def test_controller_operations_join_the_workers_not_replace_them():
    from types import SimpleNamespace

    from pytest_ipfs_accelerate.capture.annotate import ItemAnnotator
    from pytest_ipfs_accelerate.capture.operations_buffer import OperationBuffer

    ops = OperationBuffer()
    ops.add_operation(kind="ipfs", op="add", backend="simulated", is_simulated=True,
                      duration_s=0.001)
    annotator = ItemAnnotator(SimpleNamespace(), ops)  # type: ignore[arg-type]
    shipped = [{"op": "cat", "nodeid": "t.py::test_w"}]
    report = SimpleNamespace(when="call", outcome="passed", ipfs_accel_ops=list(shipped))
    annotator.annotate(report, "t.py::test_w")  # type: ignore[arg-type]
    assert [o["op"] for o in report.ipfs_accel_ops] == ["cat", "add"]
    assert ops.ops == []


def test_report_skips_only_tables_the_run_did_not_write(pytester, run_pytest):
    """The session's report skips lookups in tables its writer gave no rows; the report
    is the same as one that looks everywhere."""
    import duckdb as ddb

    from pytest_ipfs_accelerate.report.build import build_run_report

    (pytester.path / "test_a.py").write_text(
        "def test_a(ipfs_node):\n    ipfs_node.add_bytes(b'x')\ndef test_b():\n    assert 0\n")
    result = run_pytest("--ipfs-accel-db", "r.duckdb", "--ipfs-accel-tag", "k=v")
    assert result.ret == 1, result.stdout.str()
    db = pytester.path / "r.duckdb"
    [(run_id,)] = query(db, "SELECT CAST(run_id AS VARCHAR) FROM runs")
    con = ddb.connect(str(db), read_only=True)
    try:
        full = build_run_report(con, run_id).to_dict()
        written = {"runs", "test_results", "hardware", "run_tags"}  # not "operations"
        hinted = build_run_report(con, run_id, written=written).to_dict()
    finally:
        con.close()
    assert full["tags"] == {"k": "v"} == hinted["tags"]
    assert full["operations"] and hinted["operations"] == []  # skipped: not "written"
    full["operations"] = []
    assert hinted == full


def test_plain_passes_and_the_full_rows_agree(pytester, run_pytest):
    """A plain pass is written from its three reports at once (``records.plain_row``);
    a warning that comes after its teardown still turns it into a full row."""
    (pytester.path / "test_w.py").write_text(textwrap.dedent("""
        import warnings

        def test_warns_first():
            warnings.warn("first news", UserWarning)

        def test_plain():
            pass

        def test_noisy(record_property):
            record_property("k", 1)

        def test_warns_last():
            warnings.warn("last news", UserWarning)
    """))
    result = run_pytest("--ipfs-accel-db", "r.duckdb", "-p", "no:xdist")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    db = pytester.path / "r.duckdb"
    rows = query(db, """
        SELECT function, outcome, setup_outcome, call_outcome, teardown_outcome, worker_id,
               kind, typeof(run_id), json_extract_string(warnings, '$[0].message'),
               abs(duration_s - (setup_duration_s + call_duration_s + teardown_duration_s))
                   < 1e-9,
               started_at = setup_started_at AND finished_at = teardown_finished_at,
               setup_finished_at <= call_started_at
        FROM test_results ORDER BY function""")
    common = ("passed", "passed", "passed", "passed", None, "item", "UUID")
    assert rows == [
        ("test_noisy", *common, None, True, True, True),
        ("test_plain", *common, None, True, True, True),
        ("test_warns_first", *common, "first news", True, True, True),
        ("test_warns_last", *common, "last news", True, True, True),
    ]


def test_an_item_stopped_before_its_teardown_is_still_recorded(pytester, run_pytest):
    (pytester.path / "test_stop.py").write_text(textwrap.dedent("""
        import pytest

        def test_first():
            pass

        def test_stops():
            pytest.exit("enough")

        def test_never():
            pass
    """))
    result = run_pytest("--ipfs-accel-db", "r.duckdb", "-p", "no:xdist")
    assert result.ret == pytest.ExitCode.INTERRUPTED, result.stdout.str() + result.stderr.str()
    db = pytester.path / "r.duckdb"
    assert query(db, "SELECT function, outcome, setup_outcome, call_outcome, "
                     "crash_message FROM test_results ORDER BY function") == [
        ("test_first", "passed", "passed", "passed", None),
        ("test_stops", "error", "passed", None, "the run stopped before this test's teardown")]


def test_setup_only_items_are_not_counted_as_stopped(pytester, run_pytest):
    (pytester.path / "test_s.py").write_text("def test_a():\n    pass\n")
    result = run_pytest("--ipfs-accel-db", "r.duckdb", "-p", "no:xdist",
                        "--setup-only")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    db = pytester.path / "r.duckdb"
    assert query(db, "SELECT outcome, call_outcome, crash_message FROM test_results") == [
        ("passed", None, None)]


def test_an_attempt_that_lost_its_teardown_is_not_merged_into_the_next():
    """In-process the annotator keeps reports until a teardown. Should an item's teardown
    never come while the session goes on, its reports stay its own, not the next item's."""
    from types import SimpleNamespace

    from pytest_ipfs_accelerate.capture.annotate import ItemAnnotator
    from pytest_ipfs_accelerate.capture.operations_buffer import OperationBuffer
    from pytest_ipfs_accelerate.capture.records import STOPPED, CaptureOptions
    from pytest_ipfs_accelerate.capture.session import CaptureSession, CaptureSettings
    from pytest_ipfs_accelerate.db.tables import TEST_RESULTS

    def item(name: str) -> SimpleNamespace:
        return SimpleNamespace(parent=None, own_markers=[], location=("t.py", 1, name),
                               name=name, originalname=name)

    def report(name: str, when: str) -> pytest.TestReport:
        return pytest.TestReport(f"t.py::{name}", ("t.py", 1, name), {}, "passed", None, when,
                                 duration=0.1, start=1.0, stop=1.1)

    annotator = ItemAnnotator(SimpleNamespace(), OperationBuffer())  # type: ignore[arg-type]
    annotator.items = {"t.py::test_a": item("test_a"), "t.py::test_b": item("test_b")}
    session = CaptureSession(
        SimpleNamespace(), CaptureSettings(db_path=None),  # type: ignore[arg-type]
        tags={}, ops=annotator.ops, annotator=annotator)
    rows: list[tuple] = []
    session.writer = SimpleNamespace(add=lambda layout, row: rows.append((layout, row)))
    for r in (report("test_a", "setup"), report("test_b", "setup"), report("test_b", "call"),
              report("test_b", "teardown")):
        session.pytest_runtest_logreport(r)
    for entry in session.done.pop(None):
        session._finish(entry)
    assert [(layout, row[0], row[7]) for layout, row in rows] == [
        ("test_results:brief", "t.py::test_b", "passed")]
    [stopped] = session.items.values()  # test_a: finished at session end, as stopped
    layout, row = stopped.row("run", CaptureOptions(), [])
    values = dict(zip(TEST_RESULTS.columns, row, strict=True))
    assert (layout, values["nodeid"], values["outcome"], values["crash_message"]) == (
        "test_results", "t.py::test_a", "error", STOPPED)
