"""pytest side of benchmark and metric capture.

:class:`BenchmarkCollector` runs wherever tests run (in-process or on an xdist
worker): at each teardown it attaches the ``benchmark`` fixture's payload and the
metrics recorded since the last teardown to the report. :class:`BenchmarkRecorder`
runs on the controller next to the ``CaptureSession``: it turns those into rows for
the session's writer and, at session end, compares the run with its baseline.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_ipfs_accelerate.benchmarks.instructions import MARKER
from pytest_ipfs_accelerate.benchmarks.metrics import (
    METRICS_KEY,
    MetricBuffer,
    activate,
    deactivate,
)
from pytest_ipfs_accelerate.benchmarks.records import (
    STATUS_DISABLED,
    STATUS_ERROR,
    STATUS_OK,
    benchmark_payload,
    benchmark_rows,
    metric_row,
)
from pytest_ipfs_accelerate.capture.records import PROP_DEVICE, PROP_SIMULATED, jsonable
from pytest_ipfs_accelerate.db.tables import (
    BENCHMARK_RESULTS,
    BENCHMARK_SAMPLES,
    METRICS,
    REGRESSIONS,
)

if TYPE_CHECKING:
    from pytest_ipfs_accelerate.capture.session import CaptureSession
    from pytest_ipfs_accelerate.capture.start import Capture

THRESHOLD_MARKER = "benchmark_threshold"


def start_benchmarks(config: pytest.Config, capture: Capture) -> BenchmarkRecorder | None:
    """Register the collector (wherever tests run) with its metric buffer, as an attacher of
    the capture annotator. On the controller, return the recorder for ``capture.session``,
    its ``[benchmarks]`` settings checked (a usage error before any run is written); the
    caller registers it."""
    from pytest_ipfs_accelerate.config import resolve

    metrics = MetricBuffer()
    config.stash[METRICS_KEY] = metrics
    activate(metrics)
    config.add_cleanup(lambda: deactivate(metrics))
    collector = BenchmarkCollector(config, metrics, capture.session)
    config.pluginmanager.register(collector, "ipfs_accel_benchmark_collector")
    capture.annotator.attachers.append(collector)
    if capture.session is None:
        return None
    return BenchmarkRecorder(config, capture.session, metrics, fail_on_regression=bool(resolve(
        config, option="ipfs_accel_fail_on_regression", key="benchmarks.fail_on_regression")))


def marker_threshold(item: pytest.Item) -> float | None:
    """The ``benchmark_threshold(x)`` of an item; a bad one is a usage error."""
    mark = item.get_closest_marker(THRESHOLD_MARKER)
    if mark is None:
        return None
    value = mark.args[0] if mark.args else mark.kwargs.get("threshold")
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.{THRESHOLD_MARKER} needs a "
                                f"positive relative threshold such as 0.2 (20%), got {value!r}")
    return float(value)


def _compare_options(config: pytest.Config) -> Any:
    """``[benchmarks]`` compare options; a bad threshold table is a usage error."""
    from pytest_ipfs_accelerate.config import settings_for
    from pytest_ipfs_accelerate.config.thresholds import CompareOptions
    from pytest_ipfs_accelerate.errors import ConfigError

    try:
        return CompareOptions.from_settings(settings_for(config))
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None


def _failure_text(report: pytest.TestReport) -> str:
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    if crash is not None and getattr(crash, "message", None):
        return str(crash.message).splitlines()[0][:500]
    text = (report.longreprtext or "").strip().splitlines()
    return text[-1][:500] if text else "failed"


def _device_props(item: pytest.Item) -> tuple[str | None, bool]:
    props = dict(item.user_properties)
    return props.get(PROP_DEVICE), bool(props.get(PROP_SIMULATED, False))


_FIXTURE = pytest.StashKey[Any]()
_KEEPER_NAME = "ipfs_accel_benchmark_fixtures"


class _FixtureKeeper:
    """Registered only when a collected test uses ``benchmark``. Keeps an item's fixture
    past its teardown (reports are attached when logged, and a rerun plugin logs them only
    after pytest has dropped ``item.funcargs``), and pauses the results DB's writer for the
    call phase of a test that uses it: no flush, nor its timer, runs beside the timing.

    The whole call phase, not just the ``benchmark(...)`` call: a test may time several
    times, and the writer gets rows only from report hooks, between phases, so the pause
    holds nothing back but the timer's flushes of earlier tests' rows (memory stays
    bounded by ``BufferedWriter.max_buffered_rows`` all the same).
    """

    def __init__(self, session: CaptureSession | None) -> None:
        self.session = session  # None on an xdist worker (no writer; no timing either)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        writer = None if self.session is None else self.session.writer
        if writer is None or "benchmark" not in getattr(item, "fixturenames", ()):
            return (yield)
        writer.pause()
        try:
            return (yield)
        finally:
            writer.resume()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> None:
        if call.when == "teardown":
            fixture = (getattr(item, "funcargs", None) or {}).get("benchmark")
            if fixture is not None:
                item.stash[_FIXTURE] = fixture


class BenchmarkCollector:
    """Attaches benchmark payloads and metrics to teardown reports (workers included).

    It is an attacher of the capture annotator, which calls it at each teardown, so
    it adds no per-test hook of its own.
    """

    def __init__(self, config: pytest.Config, buffer: MetricBuffer,
                 session: CaptureSession | None = None) -> None:
        self.config = config
        self.buffer = buffer
        self.session = session  # the writing session (None on an xdist worker)
        self.timed = False  # some collected test uses the benchmark fixture

    def disabled_reason(self) -> str:
        if os.environ.get("PYTEST_XDIST_WORKER") or \
                self.config.getoption("dist", "no") not in ("no", None):
            return ("pytest-benchmark disables itself under pytest-xdist (-n/--dist); run the "
                    "benchmarks without -n (or with -p no:xdist) to time them")
        if self.config.getoption("benchmark_disable", False):
            return "disabled by --benchmark-disable"
        return "pytest-benchmark was disabled"

    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        """A bad ``benchmark_threshold`` marker is a usage error before any test runs; the
        fixture keeper is registered only when some test uses ``benchmark``."""
        timed = False
        for item in items:
            names = getattr(item, "fixturenames", ())
            if "benchmark" in names or "accel_metric" in names:
                marker_threshold(item)
                timed = timed or "benchmark" in names
        self.timed = self.timed or timed
        if timed and not config.pluginmanager.has_plugin(_KEEPER_NAME):
            config.pluginmanager.register(_FixtureKeeper(self.session), _KEEPER_NAME)

    def attach(self, item: pytest.Item, reports: list[pytest.TestReport]) -> None:
        if not self.timed and not self.buffer.entries:
            return  # the common case: no benchmark in this run, no metric waiting
        fixture = item.stash.get(_FIXTURE, None)
        if fixture is not None:
            del item.stash[_FIXTURE]
        if not hasattr(fixture, "disabled"):
            fixture = None  # not pytest-benchmark's fixture
        if fixture is None and not self.buffer.entries:
            return  # the common case: nothing to attach
        # An xfailed test is reported skipped, but ran: pytest-benchmark timed it (and lists
        # it), so its benchmark is kept, its failure being the expected one.
        xfailed = next((r for r in reports if r.skipped and "wasxfail" in r.__dict__), None)
        if any(r.skipped and r is not xfailed for r in reports if r.when != "teardown"):
            fixture = None  # the test was skipped: no timing
        first_error = next((f"{r.when}: {_failure_text(r)}" for r in reports
                            if r.outcome in ("failed", "rerun")), None)  # rerun: it failed
        call_start = next((getattr(r, "start", None) for r in reversed(reports)
                           if r.when == "call"), None)  # the item's own, after subtests'
        expected = None if xfailed is None else (
            str(xfailed.__dict__["wasxfail"]), f"{xfailed.when}: {_failure_text(xfailed)}")
        self._attach(item, reports[-1], fixture, first_error, call_start, expected)

    def _attach(self, item: pytest.Item, report: pytest.TestReport, fixture: Any,
                first_error: str | None, call_start: float | None,
                xfailed: tuple[str, str] | None = None) -> None:
        entries = self.buffer.drain()
        device, simulated = _device_props(item)
        try:
            threshold = marker_threshold(item)
        except pytest.UsageError:
            threshold = None
        if fixture is not None:  # plain data: it may travel from an xdist worker
            report.ipfs_accel_benchmark = jsonable(benchmark_payload(  # type: ignore[attr-defined]
                fixture, nodeid=item.nodeid, error=first_error,
                disabled_reason=self.disabled_reason(), started_at=call_start, device=device,
                is_simulated=simulated, threshold=threshold,
                instructions=item.get_closest_marker(MARKER) is not None, xfailed=xfailed))
        for entry in entries:
            if entry["nodeid"] == item.nodeid:
                if entry["device"] is None:
                    entry["device"] = device
                if entry["is_simulated"] is None:
                    entry["is_simulated"] = simulated
                if threshold is not None:
                    entry["extra"] = {**(entry["extra"] or {}), "threshold": threshold}
        if entries:
            report.ipfs_accel_metrics = jsonable(entries)  # type: ignore[attr-defined]


class BenchmarkRecorder:
    """Controller side: rows to the session's writer; the regression check at session end."""

    def __init__(self, config: pytest.Config, session: Any, buffer: MetricBuffer, *,
                 fail_on_regression: bool) -> None:
        self.config = config
        self.session = session
        self.buffer = buffer
        self.fail_on_regression = fail_on_regression
        self.options = _compare_options(config)
        self.counts = {"ok": 0, "error": 0, "disabled": 0, "metrics": 0}
        self.summary: list[str] = []
        #: Timed benchmarks whose instructions are counted at session end.
        self.to_count: list[str] = []
        self.count_all = bool(config.getoption("ipfs_accel_instructions", False))

    def payload_handlers(self) -> dict[str, Callable[[Any], None]]:
        """Teardown-report attributes this recorder writes, for the capture session (a
        lookup per test instead of a hook implementation or a call)."""
        return {"ipfs_accel_benchmark": self._write_benchmark,
                "ipfs_accel_metrics": self._write_metrics}

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        leftover = self.buffer.drain()  # recorded outside any test, in this process
        if leftover:
            self._write_metrics(leftover)
        if self.to_count:
            self._count_instructions()
        writer = self.session.writer
        if writer is None or not (self.counts["ok"] or self.counts["metrics"]):
            return
        writer.flush()
        self._check_regressions(session, writer)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        c = self.counts
        if not any(c.values()):
            return
        tr = terminalreporter
        tr.write_sep("-", "ipfs-accelerate benchmarks")
        line = f"{c['ok']} benchmark(s) captured"
        if c["error"]:
            line += f", {c['error']} errored"
        if c["disabled"]:
            line += f", {c['disabled']} disabled (not timed)"
        tr.write_line(f"{line}; {c['metrics']} metric value(s)")
        for text in self.summary:
            tr.write_line(text, red=text.startswith("REGRESSION"))

    # -- internals -----------------------------------------------------------------------
    def _write_benchmark(self, payload: dict[str, Any]) -> None:
        writer = self.session.writer
        if writer is None:
            return
        row, samples = benchmark_rows(payload, self.session.run_id)
        writer.add(BENCHMARK_RESULTS.name, row)
        for sample in samples:
            writer.add(BENCHMARK_SAMPLES.name, sample)
        status = payload["status"]
        self.counts["error" if status == STATUS_ERROR else
                    "disabled" if status == STATUS_DISABLED else "ok"] += 1
        if status == STATUS_OK and (self.count_all or payload["extra"].get("instructions")):
            self.to_count.append(payload["nodeid"])

    def _write_metrics(self, entries: list[dict[str, Any]]) -> None:
        writer = self.session.writer
        if writer is None:
            return
        for entry in entries:
            writer.add(METRICS.name, metric_row(entry, self.session.run_id))
            self.counts["metrics"] += 1

    def _count_instructions(self) -> None:
        """One child run under callgrind counts every benchmark of ``to_count``; a failure
        is a summary line, never the session's failure."""
        from pytest_ipfs_accelerate.benchmarks.instructions import (
            InstructionCountError,
            count_instructions,
            instruction_metrics,
        )

        nodeids = list(dict.fromkeys(self.to_count))
        try:
            counts = count_instructions(nodeids, rootdir=self.config.rootpath)
        except InstructionCountError as exc:
            self.summary.append(f"instructions not counted: {exc}")
            return
        self._write_metrics(instruction_metrics(counts))
        self.summary.append(f"instructions counted for {len(counts.by_nodeid)} benchmark(s) "
                            "under callgrind")

    def _check_regressions(self, session: pytest.Session, writer: Any) -> None:
        from pytest_ipfs_accelerate.analysis import AnalysisError, compare_runs
        from pytest_ipfs_accelerate.analysis.compare import comparison_rows

        try:
            with writer.reading() as con:
                result = compare_runs(con, candidate=str(self.session.run_id),
                                      options=self.options)
        except AnalysisError as exc:
            self.summary.append(f"regression check skipped: {exc}")
            return
        except Exception as exc:  # the rows are safe; only the check failed
            self.summary.append(f"REGRESSION CHECK FAILED: {type(exc).__name__}: {exc}")
            return
        for row in comparison_rows(result):
            writer.add(REGRESSIONS.name, row)
        writer.flush()
        base = result.baseline_run.label
        regs = result.regressions
        self.summary.append(f"compared with baseline {base}: {len(result.comparisons)} "
                            f"compared, {len(regs)} regressed, {len(result.improvements)} "
                            "improved")
        for c in regs:
            ratio = f"{c.ratio:.2f}x" if c.ratio is not None else "?"
            self.summary.append(f"REGRESSION {c.nodeid or ''} {c.metric}: {ratio} "
                                f"(threshold {c.threshold:.0%}, {c.method}"
                                + (f", p={c.p_value:.2g})" if c.p_value is not None else ")"))
        if regs and self.fail_on_regression:
            self.summary.append("failing the session: --ipfs-accel-fail-on-regression")
            if session.exitstatus == 0:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
                self.session.update_run(exit_status=int(pytest.ExitCode.TESTS_FAILED))
