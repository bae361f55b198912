"""A run as JUnit XML, the format CI systems render (``ipfs-accel export --junitxml``).

The layout is pytest's own ``--junitxml`` (xunit2): one ``<testsuite name="pytest">``,
a ``<testcase>`` per test with ``classname`` (the file as a dotted path, then classes)
and ``name``, plus the ``file`` attribute most CI systems read. A failure carries its
crash message and whole traceback, an error (setup or teardown) the same, a skip its
reason (``type="pytest.skip"``), an xfail ``type="pytest.xfail"``, and captured output
goes to ``<system-out>`` / ``<system-err>`` (the log after stderr). Characters XML cannot
hold are written as ``#xNN``, as pytest does. ``capture.imported`` reads it back.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from pytest_ipfs_accelerate.report.build import find_run

if TYPE_CHECKING:
    import duckdb

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: Any) -> str:
    """Text XML 1.0 can hold: its illegal characters as ``#xNN`` (as pytest writes them)."""
    return _ILLEGAL_XML.sub(lambda m: f"#x{ord(m.group()):02X}", str(value))


def junit_names(nodeid: str) -> tuple[str, str]:
    """(classname, name) of a node id, as pytest's junitxml builds them."""
    path, bracket, params = nodeid.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    names[-1] += bracket + params
    return ".".join(names[:-1]), names[-1]


_COLUMNS = ("nodeid", "kind", "outcome", "duration_s", "file", "longrepr", "crash_message",
            "xfail_reason", "skip_reason", "stdout", "stderr", "log", "setup_outcome",
            "teardown_outcome")


def junit_xml(con: duckdb.DuckDBPyConnection, run_id: Any) -> bytes:
    """The run (``run_id``: an id or unique prefix) as a JUnit XML document."""
    run = find_run(con, run_id)
    cur = con.execute(f"SELECT {', '.join(_COLUMNS)} FROM test_results WHERE run_id = ? "
                      "ORDER BY rowid", [run["run_id"]])
    suite = ElementTree.Element("testsuite", name="pytest")
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total = 0.0
    while batch := cur.fetchmany(10_000):
        for values in batch:
            row = dict(zip(_COLUMNS, values, strict=True))
            suite.append(_case(row, counts))
            total += row["duration_s"] or 0.0
    started = run.get("started_at")
    suite.attrib.update({k: str(v) for k, v in counts.items()})
    suite.set("time", f"{total:.3f}")
    if started:
        suite.set("timestamp", str(started))
    if run.get("host"):
        suite.set("hostname", xml_text(run["host"]))
    props = ElementTree.Element("properties")
    for key in ("run_id", "git_commit", "git_branch", "tox_env", "hardware_fingerprint"):
        if run.get(key):
            ElementTree.SubElement(props, "property", name=key, value=xml_text(run[key]))
    if len(props):
        suite.insert(0, props)
    root = ElementTree.Element("testsuites", name="pytest tests")
    root.append(suite)
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _case(row: dict[str, Any], counts: dict[str, int]) -> ElementTree.Element:
    counts["tests"] += 1
    classname, name = junit_names(row["nodeid"])
    if row["kind"] == "collection":  # pytest: classname "" and the dotted path as name
        classname, name = "", ".".join(filter(None, junit_names(row["nodeid"])))
    case = ElementTree.Element("testcase", classname=xml_text(classname), name=xml_text(name))
    if row["file"]:
        case.set("file", xml_text(row["file"]))
    case.set("time", f"{row['duration_s'] or 0.0:.3f}")
    outcome = row["outcome"]
    message = row["crash_message"] or ""
    if outcome == "failed":
        counts["failures"] += 1
        _detail(case, "failure", message, row["longrepr"])
    elif outcome == "error":
        counts["errors"] += 1
        phase = ("setup" if row["setup_outcome"] == "failed" else
                 "teardown" if row["teardown_outcome"] == "failed" else None)
        if row["kind"] == "collection":
            message = "collection failure"
        elif phase:  # pytest's wording
            message = f'failed on {phase} with "{message}"'
        _detail(case, "error", message, row["longrepr"])
    elif outcome == "skipped":
        counts["skipped"] += 1
        _detail(case, "skipped", row["skip_reason"] or "", row["longrepr"], "pytest.skip")
    elif outcome == "xfailed":
        counts["skipped"] += 1
        _detail(case, "skipped", row["xfail_reason"] or "", None, "pytest.xfail")
    if row["stdout"]:
        ElementTree.SubElement(case, "system-out").text = xml_text(row["stdout"])
    err = "".join(x for x in (row["stderr"], row["log"]) if x)
    if err:
        ElementTree.SubElement(case, "system-err").text = xml_text(err)
    return case


def _detail(case: ElementTree.Element, tag: str, message: str, text: str | None,
            kind: str | None = None) -> None:
    element = ElementTree.SubElement(case, tag, message=xml_text(message))
    if kind:
        element.set("type", kind)
    if text:
        element.text = xml_text(text)
