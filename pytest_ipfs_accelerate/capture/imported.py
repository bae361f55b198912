"""Runs recorded by other tools, as rows of the results DB: a JUnit XML file (pytest's
``--junitxml``, or any CI's) becomes a ``runs`` row and one ``test_results`` row per test
case; ``benchmarks.imported`` does the same for pytest-benchmark's saved JSON.

Each file is one run whose id is derived from the file's bytes (a UUID5), so importing the
same file twice adds nothing. The rows go through the ``BufferedWriter``, as a session's
rows do, in one transaction.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from pytest_ipfs_accelerate.capture.records import (
    encodable,
    encodable_row,
    nodeid_identity,
    to_json,
)
from pytest_ipfs_accelerate.db.schema import SCHEMA_VERSION
from pytest_ipfs_accelerate.db.tables import RUN_TAGS, RUNS, TEST_RESULTS
from pytest_ipfs_accelerate.errors import DatabaseError, IpfsAccelError

#: Namespace of the ids of imported runs (uuid5 of the format and the file's SHA-256).
IMPORT_NAMESPACE = uuid.UUID("8f0b7a52-6c1e-4f55-9b2d-3c4a1e0d5f77")
#: The ``imported`` tag of an imported run: which format it came from.
JUNIT_XML = "junit-xml"


class ImportFileError(IpfsAccelError):
    """A file to import is not what it claims to be (names the file and the problem)."""


@dataclass
class ImportedRun:
    """One run read from a file: its ``runs`` row (a mapping the writer's ``put`` binds)
    and its other rows as (table, typed row)."""

    source: Path
    fmt: str
    run: dict[str, Any]
    rows: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    summary: str = ""

    @property
    def run_id(self) -> str:
        return str(self.run["run_id"])


def run_id_for(fmt: str, data: bytes) -> str:
    """The id of the run imported from ``data`` in format ``fmt``: the same bytes, the
    same run."""
    return str(uuid.uuid5(IMPORT_NAMESPACE, f"{fmt}:{hashlib.sha256(data).hexdigest()}"))


def imported_run_row(run_id: str, fmt: str, source: Path, *, started_at: datetime | None,
                     duration_s: float | None = None, **facts: Any) -> dict[str, Any]:
    """The ``runs`` row of an imported run (facts the file does not give stay NULL);
    ``extra`` says where it came from."""
    started = started_at or datetime.fromtimestamp(source.stat().st_mtime, tz=timezone.utc)
    finished = started + timedelta(seconds=duration_s) if duration_s is not None else None
    extra = {"imported_from": encodable(str(source)), "format": fmt}
    return RUNS.from_mapping({
        **{k: encodable(v) if isinstance(v, str) else v for k, v in facts.items()},
        "run_id": run_id, "started_at": started, "finished_at": finished,
        "schema_version": SCHEMA_VERSION, "extra": to_json(extra),
    })._asdict()


def write_imported(db: str | Path, runs: list[ImportedRun]) -> list[tuple[ImportedRun, bool]]:
    """Write every run not yet in ``db`` (created if missing), all in one transaction;
    returns (run, added) pairs: ``added`` False for a run imported before."""
    from pytest_ipfs_accelerate.db.writer import BufferedWriter

    writer = BufferedWriter(db, flush_seconds=0, flush_rows=1 << 62, spool_name="import")
    try:
        if not writer.start():  # creates or upgrades the DB; bad files raise DatabaseError
            raise DatabaseError(f"{db}: locked by another process past "
                                f"{writer.lock_timeout_s:.0f} s; nothing was imported, try "
                                "again when it is free")
        with writer.reading() as con:
            ids = [r.run_id for r in runs]
            have = {str(r[0]) for r in con.execute(
                "SELECT run_id FROM runs WHERE run_id IN (SELECT unnest(CAST(? AS UUID[])))",
                [ids]).fetchall()} if ids else set()
        result = []
        for run in runs:
            added = run.run_id not in have
            result.append((run, added))
            if not added:
                continue
            have.add(run.run_id)
            writer.put(RUNS.name, run.run)
            writer.add(RUN_TAGS.name, RUN_TAGS.row(run_id=run.run_id, key="imported",
                                                    value=run.fmt))
            for table, row in run.rows:
                writer.add(table, row)
        if not writer.flush():
            raise DatabaseError(f"{db}: the import could not be written (the DB stayed locked "
                                "or a write failed); nothing was imported, try again")
    except BaseException:
        writer.discard()
        raise
    writer.close()
    return result


# -- JUnit XML -------------------------------------------------------------------------------
_CRASH_LINE = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>\d+): (?P<message>.*)$")
#: pytest's message of an error in setup or teardown, around the crash message.
_PHASE_ERROR = re.compile(r'^failed on (?P<phase>setup|teardown) with "(?P<message>.*)"$', re.S)


def parse_timestamp(text: Any) -> datetime | None:
    """An ISO 8601 time from a file (no zone: UTC); None when there is none or it is bad."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        stamp = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def _float(text: str | None) -> float:
    try:
        value = float(text or 0)
    except ValueError:
        return 0.0
    return value if value >= 0 and value == value and value != float("inf") else 0.0


def nodeid_from_junit(classname: str, name: str, file: str | None = None) -> str:
    """pytest's node id back from a test case's ``classname`` and ``name``.

    pytest writes ``classname`` as the file's path with ``/`` as ``.`` and no ``.py``,
    then the classes. With a ``file`` attribute the split is exact; without one, the
    classes are the trailing parts that start with a capital letter (``Test...``).
    """
    parts = [p for p in classname.split(".") if p] if classname else []
    if not parts:  # a collection error: the name is the dotted path
        return name.replace(".", "/") + ".py" if name and "/" not in name else name
    if file:
        module = file.removesuffix(".py").replace("/", ".").split(".")
        classes = parts[len(module):] if parts[:len(module)] == module else []
        path = file
    else:
        cut = next((i for i, p in enumerate(parts) if i and p[:1].isupper()), len(parts))
        classes, path = parts[cut:], "/".join(parts[:cut]) + ".py"
    return "::".join([path, *classes, name])


def _junit_case(case: ElementTree.Element, run_id: str) -> tuple[str, tuple[Any, ...]]:
    classname, name = case.get("classname") or "", case.get("name") or ""
    nodeid = encodable(nodeid_from_junit(classname, name, case.get("file")))
    failure, error, skipped = (case.find(tag) for tag in ("failure", "error", "skipped"))
    outcome, detail = "passed", None
    if failure is not None:
        outcome, detail = "failed", failure
    elif error is not None:
        outcome, detail = "error", error
    elif skipped is not None:
        xfail = (skipped.get("type") or "") == "pytest.xfail"
        outcome, detail = ("xfailed" if xfail else "skipped"), skipped
    text = (detail.text or "").strip("\n") if detail is not None else None
    message = detail.get("message") if detail is not None else None
    phase = None
    if outcome == "error" and message and (m := _PHASE_ERROR.match(message)):
        phase, message = m["phase"], m["message"]
    crash_path = crash_lineno = None
    if outcome in ("failed", "error") and text:
        last = text.rstrip().splitlines()[-1]
        if m := _CRASH_LINE.match(last):
            crash_path, crash_lineno = m["path"], int(m["line"])
            message = message or m["message"]
    props = [[p.get("name") or "", p.get("value") or ""]
             for p in case.findall("properties/property")]
    ident = nodeid_identity(nodeid)
    collection = not classname and outcome == "error"
    row = TEST_RESULTS.row(
        run_id=run_id, nodeid=nodeid, kind="collection" if collection else "item",
        file=ident["file"], class_name=ident["class_name"],
        function=ident["function"] or None, param_id=ident["param_id"], outcome=outcome,
        duration_s=_float(case.get("time")),
        setup_outcome="failed" if phase == "setup" else None,
        teardown_outcome="failed" if phase == "teardown" else None,
        longrepr=text or None, crash_path=crash_path,
        crash_lineno=crash_lineno, crash_message=message if outcome in ("failed", "error")
        else None,
        xfail_reason=message if outcome == "xfailed" else None,
        skip_reason=message if outcome == "skipped" else None,
        stdout=_text(case, "system-out"), stderr=_text(case, "system-err"),
        user_properties=to_json(props) if props else None,
        extra=to_json({"junit": {"classname": classname, "name": name}}))
    return nodeid, encodable_row(row)


def _text(case: ElementTree.Element, tag: str) -> str | None:
    parts = [e.text for e in case.findall(tag) if e.text]
    return "".join(parts) or None


#: Which of two results of one test case (a rerun, a teardown error) a run keeps.
_RANK = {"error": 5, "failed": 4, "xfailed": 3, "passed": 2, "skipped": 1}


def read_junit(path: Path) -> ImportedRun:
    """A JUnit XML file as one run: every ``<testcase>``, under ``<testsuites>`` or one
    ``<testsuite>``; the first suite's timestamp and hostname are the run's."""
    data = path.read_bytes()
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ImportFileError(f"{path}: not a JUnit XML file ({exc}); give the file pytest "
                              "--junitxml (or your CI) wrote") from None
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    if root.tag not in ("testsuite", "testsuites"):
        raise ImportFileError(f"{path}: its root element is <{root.tag[:40]}>, not <testsuites> "
                              "or <testsuite>: not a JUnit XML file")
    run_id = run_id_for(JUNIT_XML, data)
    cases: dict[str, tuple[Any, ...]] = {}
    for case in root.iter("testcase"):
        nodeid, row = _junit_case(case, run_id)
        kept = cases.get(nodeid)
        if kept is None or _RANK.get(row.outcome, 0) >= _RANK.get(kept.outcome, 0):
            cases[nodeid] = row
    first = suites[0] if suites else root
    counts = {o: sum(1 for r in cases.values() if r.outcome == o) for o in _RANK}
    run = imported_run_row(
        run_id, JUNIT_XML, path, started_at=parse_timestamp(first.get("timestamp")),
        duration_s=sum(_float(s.get("time")) for s in suites) if suites else None,
        host=first.get("hostname"), tests_collected=len(cases),
        exit_status=1 if counts["failed"] or counts["error"] else 0)
    summary = ", ".join(f"{n} {o}" for o, n in counts.items() if n) or "no tests"
    return ImportedRun(path, JUNIT_XML, run,
                       [(TEST_RESULTS.name, row) for row in cases.values()],
                       f"{len(cases)} tests ({summary})")
