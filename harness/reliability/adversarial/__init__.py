"""The adversarial suite of issue 15: every bad-input case, one PASS/FAIL line each.

``python -m harness.reliability.adversarial [-k SUBSTRING]``. Each ``*_cases.py`` module
here holds functions named ``case_<number>_<what>()``; each returns a one-line detail
(what it checked and saw) and raises ``AssertionError`` when the guarantee does not hold.
A case that needs what this machine lacks (root for a tmpfs, Docker) raises
:class:`Unavailable`, printed as SKIP. Exit status: 1 if any case failed.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
import traceback
from collections.abc import Callable, Iterator


class Unavailable(Exception):
    """The case cannot run on this machine (says what is missing)."""


def cases() -> Iterator[tuple[str, Callable[[], str]]]:
    """(name, function) of every case, in module then definition order."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.endswith("_cases"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, fn in list(vars(module).items()):
            if name.startswith("case_") and callable(fn):
                yield f"{info.name.removesuffix('_cases')}.{name.removeprefix('case_')}", fn


def run(pattern: str = "") -> int:
    """Run the cases whose name contains ``pattern``; print one line each."""
    failed = 0
    for name, fn in cases():
        if pattern not in name:
            continue
        start = time.perf_counter()
        try:
            detail = fn()
            verdict = "PASS"
        except Unavailable as exc:
            verdict, detail = "SKIP", str(exc)
        except Exception as exc:  # a broken guarantee, or a crash of the case itself
            failed += 1
            verdict = "FAIL"
            where = traceback.extract_tb(exc.__traceback__)[-1]
            detail = f"{type(exc).__name__}: {exc} ({where.filename}:{where.lineno})"
        print(f"{verdict} {name} ({time.perf_counter() - start:.1f}s): {detail}", flush=True)
    return 1 if failed else 0
