"""Record builders: pure functions from pytest reports to result rows.

An :class:`ItemRecord` collects one test item's reports (setup, call, teardown, and
earlier attempts when a rerun plugin retries it) and turns them into one
``test_results`` row (``tables.TEST_RESULTS``, or the brief layout,
``tables.BRIEF_RESULTS``, when there is nothing more to say). It works from
reports alone, so the same code runs in-process and on the xdist controller.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from pytest_ipfs_accelerate.db.tables import (
    BRIEF_RESULTS,
    LIST_SEPARATOR,
    PLAIN_RESULTS,
    TEST_RESULTS,
)
from pytest_ipfs_accelerate.marks import NodeFacts

FAILED_OUTCOMES = frozenset({"failed", "error"})
PHASES = ("setup", "call", "teardown")

#: user_properties keys the plugin reads (set by fixtures, e.g. simulated devices).
PROP_SIMULATED = "ipfs_accel_simulated"
PROP_DEVICE = "ipfs_accel_device"


@dataclass(frozen=True)
class CaptureOptions:
    """What to keep of each test, and how much."""

    longrepr_max_chars: int = 20000
    capture_output: str = "failed"  # failed | all | none
    output_max_chars: int = 10000
    property_max_chars: int = 10000


def truncate(text: str | None, limit: int) -> str | None:
    """``text`` cut to ``limit`` characters, with a note of how much was cut."""
    if text is None or limit <= 0 or len(text) <= limit:
        return text if limit > 0 else None
    return f"{text[:limit]}\n[... {len(text) - limit} more characters truncated]"


def encodable(text: str) -> str:
    """``text`` with what UTF-8 cannot encode (lone surrogates, as a non-UTF-8 file name
    decoded with ``surrogateescape`` holds) written as backslash escapes (``\\udcff``)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def encodable_row(row: tuple) -> tuple:
    """A typed row with every string :func:`encodable` (``row`` itself when all are)."""
    for value in row:
        if type(value) is str and not value.isascii():
            break
    else:
        return row
    return type(row)(*[encodable(v) if type(v) is str else v for v in row])


#: Longest ``repr`` kept of a value that is not plain data.
REPR_MAX_CHARS = 10_000
#: Nesting kept as data; deeper levels (and cycles) become their ``repr``.
MAX_DEPTH = 32
_SCALARS = frozenset({int, float, bool, type(None)})
_INF = float("inf")


def safe_repr(value: Any, show: Callable[[Any], str] = repr) -> str:
    """``show(value)`` (``repr`` by default), :func:`encodable` and capped; a placeholder
    such as ``<unrepresentable Foo: ValueError>`` when it raises."""
    try:
        text = str.__str__(show(value))
    except Exception as exc:
        return encodable(f"<unrepresentable {type(value).__name__}: {type(exc).__name__}>")
    return encodable(truncate(text, REPR_MAX_CHARS))  # type: ignore[arg-type]


def jsonable(value: Any, depth: int = 0) -> Any:
    """``value`` as plain data that JSON, xdist's transport (execnet) and the DB all take:
    ``str`` (:func:`encodable`), ``int``, finite ``float``, ``bool``, ``None``, lists and
    str-keyed dicts of exactly those types. Subclasses become their base type as JSON
    writes them (a named tuple a list, an ``IntEnum`` its int); a NaN or infinite float
    becomes its ``repr`` (``"nan"``, ``"inf"``, ``"-inf"``: standard JSON has no such
    numbers, and ``json.dumps`` would write ``NaN``, which JSON readers refuse); anything
    else becomes its :func:`safe_repr`. Used for every value users hand us (parameters,
    properties, extras, payloads)."""
    kind = type(value)
    if kind is str:
        return value if value.isascii() else encodable(value)
    if kind in _SCALARS:
        if kind is float and not -_INF < value < _INF:  # NaN fails both comparisons
            return repr(value)
        return value
    if depth >= MAX_DEPTH:
        return safe_repr(value)
    try:
        if isinstance(value, list | tuple):
            return [jsonable(v, depth + 1) for v in value]
        if isinstance(value, dict):
            return {_json_key(k): jsonable(v, depth + 1) for k, v in value.items()}
        if isinstance(value, str):
            return encodable(str.__str__(value))
        if isinstance(value, int):
            return int.__int__(value)
        if isinstance(value, float):
            return jsonable(float.__float__(value))
    except Exception:  # a hostile container (its iteration or keys raise)
        pass
    return safe_repr(value)


def _json_key(key: Any) -> str:
    """A dict key as JSON writes it (``1`` -> ``"1"``, ``None`` -> ``"null"``; a NaN
    ``"nan"``, as :func:`jsonable` writes the value)."""
    if isinstance(key, str):
        return jsonable(key)
    if type(key) in _SCALARS or isinstance(key, int | float):
        plain = jsonable(key)
        return plain if type(plain) is str else json.dumps(plain)
    return safe_repr(key)


def to_json(value: Any) -> str | None:
    """JSON text of ``value`` (None stays None), encodable; what JSON cannot hold (objects,
    cycles, deep nesting, lone surrogates) goes through :func:`jsonable` first."""
    if value is None:
        return None
    try:  # allow_nan=False: a NaN or infinity goes through jsonable (standard JSON)
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        if text.isascii() or encodable(text) is text:
            return text
    except Exception:
        pass
    try:  # escape the strings, not the JSON text
        return json.dumps(jsonable(value), ensure_ascii=False)
    except (ValueError, RecursionError):  # e.g. an int past Python's digit limit
        return json.dumps(safe_repr(value), ensure_ascii=False)


def ts(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=timezone.utc)


def split_nodeid(nodeid: str) -> tuple[str, str | None, str, str | None]:
    """(file, class, function, param id) parsed from a node id; used when no item is at hand."""
    base, _, param = nodeid.partition("[")
    param_id = param[:-1] if param.endswith("]") else (param or None)
    parts = base.split("::")
    file = parts[0]
    function = parts[-1] if len(parts) > 1 else ""
    klass = parts[-2] if len(parts) > 2 else None
    return file, klass, function, param_id


def nodeid_identity(nodeid: str) -> dict[str, Any]:
    """The identity :func:`item_identity` gives, as far as a node id alone tells it."""
    file, klass, function, param_id = split_nodeid(nodeid)
    return {"file": file, "class_name": klass, "function": function, "param_id": param_id,
            "params": None, "markers": None}


def item_identity(item: Any, facts: NodeFacts | None = None) -> dict[str, Any]:
    """Facts about a collected item that reports do not carry (attached on the worker).

    ``facts``: the run's cache of per-parent facts (markers, class); else a fresh one.
    """
    facts = facts or NodeFacts()
    callspec = item.__dict__.get("callspec")  # only parametrized items have one
    params = None
    param_id = None
    if callspec is not None:
        params = {k: jsonable(v) for k, v in callspec.params.items()}
        param_id = callspec.id
    markers, class_name = facts.of(item)
    return {
        "file": item.location[0],
        "class_name": class_name,
        "function": getattr(item, "originalname", None) or item.name,
        "param_id": param_id,
        "params": params,
        "markers": markers,
    }


#: One phase of an item: (outcome, duration, start, stop), times in epoch seconds.
Phase = tuple[str, float, "float | None", "float | None"]
_NO_PHASE = (None, None, None, None)


class ItemRecord:
    """Everything known about one item so far; ``row()`` makes its result row.

    Runs for every report of every test, so it is lean: slots, tuples for phases, and
    optional report attributes read from the report's ``__dict__`` (a missing
    attribute through ``getattr`` costs an exception each time).
    """

    __slots__ = ("attempts", "crashed", "extra", "failure", "failure_when", "identity",
                 "in_rerun", "nodeid", "phases", "sections", "subtests", "subtests_failed",
                 "user_properties", "worker_id", "xfail_reason", "xpassed")

    def __init__(self, nodeid: str) -> None:
        self.nodeid = nodeid
        self.phases: dict[str, Phase] = {}
        self.identity: dict[str, Any] | None = None
        self.extra: dict[str, Any] | None = None
        self.failure: Any = None  # the report that carries the failure or skip detail
        self.failure_when: str | None = None
        self.xfail_reason: str | None = None
        self.xpassed = False
        # Immutable empties: pytest keeps ~1 KB of objects per test already, and every
        # container allocated per test makes the cyclic GC run more often.
        self.user_properties: Sequence[tuple[str, Any]] = ()
        self.sections: Sequence[tuple[str, str]] = ()
        self.worker_id: str | None = None
        self.attempts: list[dict[str, Any]] | tuple[()] = ()
        self.in_rerun = False
        self.crashed = False  # its xdist worker died while running it
        #: Its subtests' reports (pytest 9's ``subtests``, unittest's ``subTest``), in order.
        self.subtests: list[Any] | tuple[()] = ()
        self.subtests_failed = 0

    def add(self, report: Any, worker: str | None = None) -> bool:
        """Take one report (from xdist ``worker``, if any); True when the item is complete
        (its teardown arrived, or its worker crashed)."""
        attrs = report.__dict__
        when = report.when
        outcome = report.outcome
        if (outcome == "rerun" or self.in_rerun or when not in PHASES
                or "context" in attrs):  # the rare cases
            if "context" in attrs and when == "call" and is_subtest(report):
                self._add_subtest(report, outcome, worker)
                return False
            if outcome == "rerun":
                self._start_new_attempt(report)
                self.in_rerun = True
                return False
            if self.in_rerun and when == "teardown":  # the retried attempt's own teardown
                self.in_rerun = False
                self.attempts[-1]["duration_s"] += report.duration  # type: ignore[index]
                return False
            self.in_rerun = False
            if when not in PHASES:  # xdist's crash report uses when="???"
                when = "call"
                self.crashed = True
        self.phases[when] = (outcome, report.duration, attrs.get("start"), attrs.get("stop"))
        if when == "setup":  # the annotator's identity rides on setup reports
            ident = attrs.get("ipfs_accel_item")
            if ident is not None:
                self.identity = ident
                if self.worker_id is None:
                    self.worker_id = ident.get("worker_id")
        elif when == "teardown":  # and the attachers' extras on teardown reports
            extra = attrs.get("ipfs_accel_extra")
            if extra:
                self.extra = {**(self.extra or {}), **extra}
        if outcome != "passed" or "wasxfail" in attrs:
            self._note(report, when, outcome, attrs.get("wasxfail"))
        if report.user_properties:
            self.user_properties = list(report.user_properties)
        if report.sections:
            self.sections = list(report.sections)
        if worker:
            self.worker_id = worker
        return when == "teardown" or self.crashed

    def _note(self, report: Any, when: str, outcome: str, wasxfail: str | None) -> None:
        """Keep what a report that did not simply pass says: xfail, failure or skip."""
        if wasxfail is not None:
            self.xfail_reason = wasxfail
            if outcome == "passed":
                self.xpassed = True
        if outcome != "passed" and (
            self.failure is None or (outcome == "failed" and self.failure.outcome != "failed")
        ):
            self.failure, self.failure_when = report, when

    def _add_subtest(self, report: Any, outcome: str, worker: str | None) -> None:
        """A subtest's report: kept apart from the call phase (pytest logs each subtest's
        report before the item's own call report, which would otherwise overwrite a
        failure with the item's pass). A failed subtest fails the item, as pytest's summary
        and JUnit XML count it."""
        if not self.subtests:
            self.subtests = []
        self.subtests.append(report)  # type: ignore[union-attr]
        if outcome == "failed":
            self.subtests_failed += 1
            if self.failure is None or self.failure.outcome != "failed":
                self.failure, self.failure_when = report, "call"
        if worker:
            self.worker_id = worker

    def _start_new_attempt(self, report: Any) -> None:
        crash = _crash(report)
        if not self.attempts:
            self.attempts = []
        self.attempts.append({
            "when": report.when,
            "outcome": "rerun",
            "duration_s": sum(p[1] for p in self.phases.values()) + report.duration,
            "crash_message": crash[2] if crash else None,
        })
        keep_identity = report.__dict__.get("ipfs_accel_item") or self.identity
        self.phases.clear()
        self.failure = self.failure_when = None
        self.xfail_reason, self.xpassed = None, False
        self.subtests, self.subtests_failed = (), 0
        self.identity = keep_identity

    def final_outcome(self) -> str:
        """The outcome in pytest's vocabulary: passed failed error skipped xfailed xpassed."""
        phases = self.phases
        setup = phases.get("setup")
        call = phases.get("call")
        teardown = phases.get("teardown")
        if self.crashed or (setup is not None and setup[0] == "failed"):
            return "error"
        if setup is not None and setup[0] == "skipped":
            return "xfailed" if self.xfail_reason is not None else "skipped"
        if call is not None:
            if call[0] == "failed" or self.subtests_failed:
                return "failed"
            if teardown is not None and teardown[0] == "failed":
                return "error"
            if call[0] == "skipped":
                return "xfailed" if self.xfail_reason is not None else "skipped"
            return "xpassed" if self.xpassed else "passed"
        if teardown is not None and teardown[0] == "failed":
            return "error"
        if setup is None or teardown is None:  # never set up, or stopped while running
            return "error"
        return "passed"  # set up and torn down without a call (``--setup-only``)

    def row(self, run_id: Any, opts: CaptureOptions,
            warnings: list[dict[str, Any]]) -> tuple[str, tuple]:
        """``(layout, row)`` for the writer: a ``test_results`` row, or, when the item has
        nothing beyond its outcome and times, the shorter ``test_results:brief`` row
        (``tables.BRIEF_RESULTS``; the session declares it as a writer layout)."""
        outcome = self.final_outcome()
        ident = self.identity or nodeid_identity(self.nodeid)
        get = self.phases.get
        brief = brief_row(self.nodeid, ident, outcome, get("setup", _NO_PHASE),
                          get("call", _NO_PHASE), get("teardown", _NO_PHASE), self.worker_id)
        stdout = stderr = log = None
        if self.sections and (opts.capture_output == "all" or (
                opts.capture_output == "failed" and outcome in FAILED_OUTCOMES)):
            stdout, stderr, log = _streams(self.sections, opts.output_max_chars)
        props = self.user_properties
        stopped = None if "teardown" in self.phases or self.crashed else STOPPED
        if (self.failure is None and self.xfail_reason is None and stdout is None
                and stderr is None and log is None and not props and not warnings
                and not self.attempts and not self.extra and stopped is None
                and not self.subtests):
            return BRIEF_RESULTS.name, brief if self.nodeid.isascii() else encodable_row(brief)
        longrepr, crash_path, crash_lineno, crash_message, skip_reason = (
            failure_detail(self.failure, opts, from_end=False)
            if self.failure is not None else _NO_FAILURE)
        device = None
        simulated = False
        for key, value in props:
            if key == PROP_DEVICE:
                device = safe_repr(value, str)
            elif key == PROP_SIMULATED:
                simulated = value is True or (type(value) in _SCALARS and bool(value))
        limit = opts.longrepr_max_chars
        extra = self.extra
        if self.subtests:
            extra = {**(extra or {}), **subtests_extra(self.subtests, opts)}
        return TEST_RESULTS.name, encodable_row(TEST_RESULTS.row(
            **brief._asdict(), run_id=run_id, kind="item",
            longrepr=longrepr, crash_path=crash_path, crash_lineno=crash_lineno,
            crash_message=crash_message or stopped,
            xfail_reason=truncate(self.xfail_reason, limit), skip_reason=truncate(skip_reason, limit),
            stdout=stdout, stderr=stderr, log=log,
            user_properties=properties_json(props, opts.property_max_chars) if props else None,
            warnings=to_json(warnings) if warnings else None,
            rerun_count=len(self.attempts),
            attempts=to_json(self.attempts) if self.attempts else None,
            device=device, is_simulated=simulated,
            extra=to_json(extra) if extra else None,
        ))


#: Subtests kept in full per item; beyond it only failed ones (the rest are counted).
SUBTESTS_KEPT = 1000


def is_subtest(report: Any) -> bool:
    """True for a subtest's report: pytest 9's ``SubtestReport`` (or the pytest-subtests
    plugin's ``SubTestReport``), whose ``context`` holds the subtest's message and
    parameters."""
    return type(report).__name__ in ("SubtestReport", "SubTestReport")


def subtests_extra(reports: Sequence[Any], opts: CaptureOptions) -> dict[str, Any]:
    """``{"subtests": [...]}`` for an item's ``extra``: per subtest its message, parameters
    (as pytest shows them), outcome and duration; a failure's crash line, location and
    text, and its captured output under the ``capture_output`` rule; a skip's reason.
    Past :data:`SUBTESTS_KEPT` only failures are kept, the others counted in
    ``subtests_omitted``."""
    entries: list[dict[str, Any]] = []
    omitted = 0
    for report in reports:
        outcome = report.outcome
        if len(entries) >= SUBTESTS_KEPT and outcome != "failed":
            omitted += 1
            continue
        wasxfail = report.__dict__.get("wasxfail")
        context = report.__dict__.get("context")
        entry: dict[str, Any] = {
            "msg": getattr(context, "msg", None),
            "params": dict(getattr(context, "kwargs", None) or {}),
            "outcome": ("xfailed" if outcome == "skipped" and wasxfail is not None else
                        "xpassed" if wasxfail is not None else outcome),
            "duration_s": report.duration,
        }
        if outcome != "passed":
            longrepr, path, lineno, message, skip = failure_detail(report, opts, from_end=False)
            if outcome == "failed":
                entry.update(crash_message=message, crash_path=path, crash_lineno=lineno,
                             longrepr=longrepr)
            else:
                entry["reason"] = truncate(wasxfail or skip, opts.longrepr_max_chars)
        if report.sections and (opts.capture_output == "all" or (
                opts.capture_output == "failed" and outcome == "failed")):
            stdout, stderr, log = _streams(report.sections, opts.output_max_chars)
            entry.update({k: v for k, v in (("stdout", stdout), ("stderr", stderr),
                                            ("log", log)) if v is not None})
        entries.append(entry)
    extra: dict[str, Any] = {"subtests": jsonable(entries)}
    if omitted:
        extra["subtests_omitted"] = omitted
    return extra


def properties_json(props: Sequence[tuple[str, Any]], limit: int) -> str | None:
    """``record_property`` pairs as JSON ``[[key, value], ...]``, each key and value capped
    at ``limit`` characters (a value longer as JSON is stored as its truncated JSON text)."""
    pairs = []
    for key, value in props:
        value = jsonable(value)
        if type(value) is not str:
            text = to_json(value)
            if text is not None and len(text) > limit:
                value = text
        if type(value) is str:
            value = truncate(value, limit)
        name = key if type(key) is str else safe_repr(key)
        pairs.append([truncate(encodable(name), limit), value])
    return to_json(pairs)


#: The crash message of an item whose teardown never came (the run was stopped).
STOPPED = "the run stopped before this test's teardown"
_NO_FAILURE = (None, None, None, None, None)


def brief_row(nodeid: str, ident: dict[str, Any], outcome: str, setup: Phase, call: Phase,
              teardown: Phase, worker_id: str | None) -> tuple:
    """A ``test_results:brief`` row (``tables.BRIEF_RESULTS``)."""
    params, markers = ident["params"], ident["markers"]
    started_at, finished_at = _span(setup[2], call[2], teardown[2],
                                    setup[3], call[3], teardown[3])
    return BRIEF_RESULTS.row(
        nodeid=nodeid, file=ident["file"], class_name=ident["class_name"],
        function=ident["function"], param_id=ident["param_id"],
        params=to_json(params) if params is not None else None,
        markers=LIST_SEPARATOR.join(markers) if markers is not None else None,
        outcome=outcome, duration_s=(setup[1] or 0.0) + (call[1] or 0.0) + (teardown[1] or 0.0),
        started_at=started_at, finished_at=finished_at,
        setup_outcome=setup[0], setup_duration_s=setup[1], setup_started_at=setup[2],
        setup_finished_at=setup[3],
        call_outcome=call[0], call_duration_s=call[1], call_started_at=call[2],
        call_finished_at=call[3],
        teardown_outcome=teardown[0], teardown_duration_s=teardown[1],
        teardown_started_at=teardown[2], teardown_finished_at=teardown[3],
        worker_id=worker_id,
    )


def _span(setup_start: float | None, call_start: float | None, teardown_start: float | None,
          setup_stop: float | None, call_stop: float | None,
          teardown_stop: float | None) -> tuple[float | None, float | None]:
    """The item's (start, stop): the phases ran in order, so its first phase's start and
    its last phase's stop."""
    return (setup_start if setup_start is not None else call_start if call_start is not None
            else teardown_start,
            teardown_stop if teardown_stop is not None else call_stop if call_stop is not None
            else setup_stop)


def plain_pass(reports: Sequence[Any]) -> bool:
    """True when ``reports`` (an attempt's setup, call and teardown, in-process) passed
    with nothing more to say: no output, properties, xfail or extras. Such an item's row
    is :func:`plain_row`, built without an :class:`ItemRecord`."""
    if len(reports) != 3 or "ipfs_accel_extra" in reports[2].__dict__:
        return False
    for report in reports:
        if (report.outcome != "passed" or report.sections or report.user_properties
                or "wasxfail" in report.__dict__):
            return False
    return True


def plain_row(nodeid: str, reports: Sequence[Any]) -> tuple:
    """The ``test_results:plain`` row (``tables.PLAIN_RESULTS``) of a :func:`plain_pass`
    attempt; its setup report carries the annotator's identity. The hottest path of a
    capture run: one call, keywords only, no intermediate dict."""
    setup, call, teardown = reports[0].__dict__, reports[1].__dict__, reports[2].__dict__
    ident = setup.get("ipfs_accel_item") or nodeid_identity(nodeid)
    params, markers = ident["params"], ident["markers"]
    setup_start, call_start, teardown_start = (
        setup.get("start"), call.get("start"), teardown.get("start"))
    setup_stop, call_stop, teardown_stop = setup.get("stop"), call.get("stop"), teardown.get("stop")
    setup_s, call_s, teardown_s = setup["duration"], call["duration"], teardown["duration"]
    started_at, finished_at = _span(setup_start, call_start, teardown_start,
                                    setup_stop, call_stop, teardown_stop)
    row = PLAIN_RESULTS.row(
        nodeid=nodeid, file=ident["file"], class_name=ident["class_name"],
        function=ident["function"], param_id=ident["param_id"],
        params=to_json(params) if params is not None else None,
        markers=LIST_SEPARATOR.join(markers) if markers is not None else None,
        duration_s=setup_s + call_s + teardown_s, started_at=started_at,
        finished_at=finished_at,
        setup_duration_s=setup_s, setup_started_at=setup_start, setup_finished_at=setup_stop,
        call_duration_s=call_s, call_started_at=call_start, call_finished_at=call_stop,
        teardown_duration_s=teardown_s, teardown_started_at=teardown_start,
        teardown_finished_at=teardown_stop,
    )
    # The identity's params are encodable already (``item_identity``); its other strings
    # come from the node id, so one check covers them.
    return row if nodeid.isascii() else encodable_row(row)


def worker_of(report: Any) -> str | None:
    """The xdist worker (``gw0``...) a report came from, on the controller; else None."""
    node = report.__dict__.get("node")
    return None if node is None else getattr(getattr(node, "gateway", None), "id", None)


def failure_detail(report: Any, opts: CaptureOptions, *, from_end: bool) -> tuple[Any, ...]:
    """(longrepr, crash path, crash line, crash message, skip reason) of a non-passing report.

    Without a structured crash location, the message is a line of the failure text: the
    last one for collection errors (``from_end``), else the worker-crash line or the first.
    """
    if report.outcome == "skipped":
        return None, None, None, None, _skip_reason(report)
    longrepr = truncate(report.longreprtext, opts.longrepr_max_chars)
    crash = _crash(report)
    if crash:
        path, lineno, message = crash
        return longrepr, path, lineno, truncate(message, opts.longrepr_max_chars), None
    if not longrepr or not longrepr.strip():
        return longrepr, None, None, None, None
    lines = longrepr.strip().splitlines()
    if from_end:
        message = lines[-1]
    else:
        message = next((line for line in lines if "crashed while running" in line), lines[0])
    return longrepr, None, None, message[:500], None


def collect_row(report: Any, run_id: Any, opts: CaptureOptions) -> tuple | None:
    """A row for a collection error or a module-level skip; None for a clean collection."""
    if report.outcome == "passed":
        return None
    file, klass, function, param_id = split_nodeid(report.nodeid)
    longrepr, crash_path, crash_lineno, crash_message, skip_reason = failure_detail(
        report, opts, from_end=True)
    now = getattr(report, "start", None)
    return encodable_row(TEST_RESULTS.row(
        run_id=run_id, nodeid=report.nodeid or "<session>", kind="collection", file=file,
        class_name=klass, function=function or None, param_id=param_id,
        outcome="error" if report.outcome == "failed" else "skipped",
        duration_s=float(getattr(report, "duration", 0.0) or 0.0), started_at=now,
        finished_at=now, longrepr=longrepr, crash_path=crash_path, crash_lineno=crash_lineno,
        crash_message=crash_message, skip_reason=truncate(skip_reason, opts.longrepr_max_chars),
    ))


def _crash(report: Any) -> tuple[str | None, int | None, str | None] | None:
    longrepr = report.longrepr
    crash = getattr(longrepr, "reprcrash", None)
    if crash is None:
        chain = getattr(longrepr, "chain", None)
        if chain:
            crash = chain[-1][1]
    if crash is None:
        return None
    lineno = getattr(crash, "lineno", None)
    return getattr(crash, "path", None), lineno, getattr(crash, "message", None)


def _skip_reason(report: Any) -> str | None:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        reason = str(longrepr[2])
        return reason[len("Skipped: "):] if reason.startswith("Skipped: ") else reason
    crash = _crash(report)
    if crash and crash[2]:
        return crash[2]
    return str(longrepr) if longrepr is not None else None


def _streams(sections: list[tuple[str, str]], limit: int) -> tuple[str | None, ...]:
    out: dict[str, list[str]] = {"stdout": [], "stderr": [], "log": []}
    for title, content in sections:
        for stream in out:
            if title.startswith(f"Captured {stream}"):
                out[stream].append(content)
    return tuple(truncate("".join(v), limit) if v else None for v in out.values())
