"""The pytest11 entry point: options, markers and hooks. Thin: it wires the rooms together.

While capture is off, this module registers options, markers and fixtures only; the
DuckDB writer (and duckdb itself) is loaded only when ``--ipfs-accel-db``, the
``ipfs_accel_db`` ini option, ``IPFS_ACCEL_DB`` or ``[db] path`` names a database.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from pytest_ipfs_accelerate.operations import CAPTURE_KEY

#: Room plugin modules: each owns its options, markers and fixtures.
ROOM_PLUGINS = (
    "pytest_ipfs_accelerate.ipfs.pytest_plugin",
    "pytest_ipfs_accelerate.containers.pytest_plugin",
    "pytest_ipfs_accelerate.hardware.pytest_plugin",
    "pytest_ipfs_accelerate.benchmarks.pytest_plugin",
)

_SESSION_KEY = pytest.StashKey[Any]()


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from pytest_ipfs_accelerate import hookspecs

    pluginmanager.add_hookspecs(hookspecs)
    for name in ROOM_PLUGINS:
        if not pluginmanager.has_plugin(name):
            pluginmanager.import_plugin(name)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ipfs-accelerate", "pytest-ipfs-accelerate")
    group.addoption("--ipfs-accel-db", dest="ipfs_accel_db", metavar="PATH", default=None,
                    help="Write every test result and the run's facts to this DuckDB file "
                         "(also: ini ipfs_accel_db, env IPFS_ACCEL_DB, config [db] path).")
    group.addoption("--ipfs-accel-config", dest="ipfs_accel_config", metavar="FILE",
                    default=None,
                    help="TOML config file (default: ipfs_accelerate.toml or "
                         "[tool.ipfs_accelerate] in pyproject.toml under rootdir).")
    group.addoption("--ipfs-accel-tag", dest="ipfs_accel_tag", metavar="KEY=VALUE",
                    action="append", default=None,
                    help="Tag this run in the results DB (repeatable).")
    group.addoption("--ipfs-accel-report", dest="ipfs_accel_report", metavar="FILE",
                    default=None,
                    help="Write a report of this run at session end (.md, .html or .json).")
    group.addoption("--ipfs-accel-strict", dest="ipfs_accel_strict", action="store_true",
                    default=False,
                    help="Fail, rather than skip, tests whose real backend or device is "
                         "missing (on by default when CI=true).")
    group.addoption("--ipfs-accel-flush-rows", dest="ipfs_accel_flush_rows", type=int,
                    metavar="N", default=None, help="Flush buffered rows after N rows.")
    group.addoption("--ipfs-accel-flush-seconds", dest="ipfs_accel_flush_seconds", type=float,
                    metavar="T", default=None, help="Flush buffered rows after T seconds.")
    group.addoption("--ipfs-accel-capture-output", dest="ipfs_accel_capture_output",
                    choices=("failed", "all", "none"), default=None,
                    help="Store captured stdout/stderr/log for failed tests (default), all, "
                         "or none.")
    group.addoption("--ipfs-accel-slowest", dest="ipfs_accel_slowest", type=int, metavar="N",
                    default=None, help="How many slowest tests the summary lists.")
    group.addoption("--ipfs-accel-fail-on-regression", dest="ipfs_accel_fail_on_regression",
                    action="store_true", default=None,
                    help="Fail the session when a benchmark or metric of this run regressed "
                         "against its baseline run (config: [benchmarks] fail_on_regression).")
    parser.addini("ipfs_accel_db", "Results DuckDB file; setting it switches capture on.",
                  default=None)


def pytest_configure(config: pytest.Config) -> None:
    from pytest_ipfs_accelerate.idle import nothing_configured

    if nothing_configured(config):  # the idle fast path: no config to read, capture off
        db_path = None
    else:
        from pytest_ipfs_accelerate.config import settings_for

        settings = settings_for(config)  # a malformed config is a usage error, DB or not
        _configure_logging(settings)
        db_path = _db_path(config, settings)
    if db_path is None:
        for opt, flag in (("ipfs_accel_report", "--ipfs-accel-report"),
                          ("ipfs_accel_fail_on_regression", "--ipfs-accel-fail-on-regression")):
            if config.getoption(opt):
                raise pytest.UsageError(f"{flag} needs a results DB: add --ipfs-accel-db PATH")
        return
    if not _importable("duckdb"):
        raise pytest.UsageError(f"--ipfs-accel-db {db_path}: the duckdb package is not "
                                "installed; pip install duckdb (or pytest-ipfs-accelerate)")
    from pytest_ipfs_accelerate.benchmarks.capture import BenchmarkRecorder, register_collector
    from pytest_ipfs_accelerate.capture.annotate import ItemAnnotator
    from pytest_ipfs_accelerate.capture.operations_buffer import OperationBuffer
    from pytest_ipfs_accelerate.capture.records import CaptureOptions
    from pytest_ipfs_accelerate.config import resolve

    ops = OperationBuffer()
    config.stash[CAPTURE_KEY] = ops
    config.pluginmanager.register(ItemAnnotator(config, ops), "ipfs_accel_annotator")
    metrics = register_collector(config)  # benchmark payloads and metrics, workers included
    if hasattr(config, "workerinput"):  # xdist worker: only the controller writes
        return

    from pytest_ipfs_accelerate.capture.runinfo import parse_tags
    from pytest_ipfs_accelerate.capture.session import CaptureSession

    try:
        tags = parse_tags(config.getoption("ipfs_accel_tag"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    report_path = _report_path(config, settings)
    opts = CaptureOptions(
        longrepr_max_chars=settings.get("db.longrepr_max_chars"),
        capture_output=resolve(config, option="ipfs_accel_capture_output",
                               key="db.capture_output"),
        output_max_chars=settings.get("db.output_max_chars"),
    )
    session = CaptureSession(
        config,
        db_path=db_path,
        opts=opts,
        tags=tags,
        ops=ops,
        connection=settings.get("db.connection"),
        flush_rows=resolve(config, option="ipfs_accel_flush_rows", key="db.flush_rows"),
        flush_seconds=resolve(config, option="ipfs_accel_flush_seconds",
                              key="db.flush_seconds"),
        lock_timeout_s=settings.get("db.lock_timeout_s"),
        slowest=resolve(config, option="ipfs_accel_slowest", key="db.slowest"),
        report_path=report_path,
    )
    benchmarks = BenchmarkRecorder(  # before open(): bad [benchmarks] config writes no run
        config, session, metrics, fail_on_regression=bool(resolve(
            config, option="ipfs_accel_fail_on_regression", key="benchmarks.fail_on_regression")))
    session.open()
    config.stash[_SESSION_KEY] = session
    config.pluginmanager.register(session, "ipfs_accel_capture")
    config.pluginmanager.register(benchmarks, "ipfs_accel_benchmarks")


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(_SESSION_KEY, None)
    if session is not None:
        session.close()
        del config.stash[_SESSION_KEY]


@pytest.hookimpl(trylast=True)
def pytest_ipfs_accel_hardware(config: pytest.Config) -> list[dict[str, Any]]:
    """Default hardware rows: the CPU only (the hardware room adds accelerators)."""
    from pytest_ipfs_accelerate.capture.runinfo import cpu_model, ram_bytes

    return [{"device": "cpu", "kind": "cpu", "name": cpu_model(), "vendor": None,
             "memory_bytes": ram_bytes(), "is_simulated": False,
             "extra": {"logical_cores": os.cpu_count()}}]


def _importable(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _configure_logging(settings: Any) -> None:
    """``[general] log_level`` (or ``debug = true``) sets the level of our loggers."""
    import logging

    level = "DEBUG" if settings.get("general.debug") else settings.get("general.log_level")
    logging.getLogger("pytest_ipfs_accelerate").setLevel(level)


def _db_path(config: pytest.Config, settings: Any) -> Path | None:
    """The DB path by precedence: option > env > ini > config file; None means off."""
    value = config.getoption("ipfs_accel_db")
    if value:
        return Path(value).expanduser()
    env = os.environ.get("IPFS_ACCEL_DB") or os.environ.get("IPFS_ACCEL_DB_PATH")
    if env:
        return Path(env).expanduser()
    ini = config.getini("ipfs_accel_db")
    if ini:
        return _under_root(config, str(ini))
    from_file = settings.get("db.path")
    return _under_root(config, from_file) if from_file else None


def _report_path(config: pytest.Config, settings: Any) -> Path | None:
    from pytest_ipfs_accelerate.errors import IpfsAccelError
    from pytest_ipfs_accelerate.report.render import format_for_path

    value = config.getoption("ipfs_accel_report")
    path = Path(value).expanduser() if value else None
    if path is None and settings.get("db.report"):
        path = _under_root(config, settings.get("db.report"))
    if path is None:
        return None
    try:
        format_for_path(path)
    except IpfsAccelError as exc:
        raise pytest.UsageError(f"--ipfs-accel-report: {exc}") from None
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise pytest.UsageError(f"--ipfs-accel-report {path}: directory {parent} does not exist "
                                "or is not writable; create it or choose another path")
    return path


def _under_root(config: pytest.Config, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else config.rootpath / p
