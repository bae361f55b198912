"""The pytest11 entry point: options, markers and hooks. Thin: it wires the packages together.

While capture is off, this module registers options, markers and fixtures only; the
DuckDB writer (and duckdb itself) is loaded only when ``--ipfs-accel-db``, the
``ipfs_accel_db`` ini option, ``IPFS_ACCEL_DB`` or ``[db] path`` names a database.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

#: The packages' pytest plugins: each owns its options, markers and fixtures.
PACKAGE_PLUGINS = (
    "pytest_ipfs_accelerate.ipfs.pytest_plugin",
    "pytest_ipfs_accelerate.containers.pytest_plugin",
    "pytest_ipfs_accelerate.hardware.pytest_plugin",
    "pytest_ipfs_accelerate.checkpoint.pytest_plugin",
    "pytest_ipfs_accelerate.benchmarks.pytest_plugin",
)

_SESSION_KEY = pytest.StashKey[Any]()


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    import importlib

    from pytest_ipfs_accelerate import hookspecs

    pluginmanager.add_hookspecs(hookspecs)
    for name in PACKAGE_PLUGINS:
        # A plain import, not ``import_plugin``: that would route the module through
        # pytest's assertion-rewriting loader (it unmarshals the cached code from a file
        # object, ~8x slower), and the plugins assert nothing users need explained.
        if not pluginmanager.has_plugin(name) and not pluginmanager.is_blocked(name):
            pluginmanager.register(importlib.import_module(name), name)


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
        from pytest_ipfs_accelerate.config.paths import db_path_for

        settings = settings_for(config)  # a malformed config is a usage error, DB or not
        _configure_logging(settings)
        db_path = db_path_for(config, settings)
    if db_path is None:
        for opt, flag in (("ipfs_accel_report", "--ipfs-accel-report"),
                          ("ipfs_accel_fail_on_regression", "--ipfs-accel-fail-on-regression")):
            if config.getoption(opt):
                raise pytest.UsageError(f"{flag} needs a results DB: add --ipfs-accel-db PATH")
        return
    if not _importable("duckdb"):
        raise pytest.UsageError(f"--ipfs-accel-db {db_path}: the duckdb package is not "
                                "installed; pip install duckdb (or pytest-ipfs-accelerate)")
    session = _start_capture(config, db_path, settings)
    if session is not None:
        config.stash[_SESSION_KEY] = session


def _start_capture(config: pytest.Config, db_path: Any, settings: Any) -> Any:
    """Capture, benchmarks and the session report, wired together. Every package checks its
    settings before the DB is opened (bad input writes no run); registration order is
    hook order (pluggy calls the latest first)."""
    from pytest_ipfs_accelerate.benchmarks.capture import start_benchmarks
    from pytest_ipfs_accelerate.capture.start import start_capture
    from pytest_ipfs_accelerate.report.session_report import session_report

    capture = start_capture(config, db_path, settings)
    benchmarks = start_benchmarks(config, capture)
    session = capture.session
    if session is None or benchmarks is None:  # an xdist worker: the controller writes
        return None
    report = session_report(config, session, settings)
    capture.open()
    config.pluginmanager.register(report, "ipfs_accel_report")
    config.pluginmanager.register(benchmarks, "ipfs_accel_benchmarks")
    session.payload_handlers.update(benchmarks.payload_handlers())
    return session


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(_SESSION_KEY, None)
    if session is not None:
        del config.stash[_SESSION_KEY]
        try:
            session.close()
        except Exception as exc:  # a capture problem never changes the tests' outcome
            import sys

            print(f"ipfs-accel: the results DB was not closed cleanly ({type(exc).__name__}: "
                  f"{exc})", file=sys.stderr)


@pytest.hookimpl(trylast=True)
def pytest_ipfs_accel_hardware(config: pytest.Config) -> list[dict[str, Any]]:
    """Default hardware rows: the CPU only (the hardware package's plugin adds accelerators)."""
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
