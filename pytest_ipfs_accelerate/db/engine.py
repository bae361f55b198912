"""The DuckDB engine, loaded as cheaply as the installed duckdb allows.

Since duckdb 1.4 its C++ extension is the top-level module ``_duckdb``, which the
``duckdb`` package re-exports (see its ``__init__``) before adding a pure-Python
relation layer. Writing results needs only the engine (``connect``, ``execute``, the
Appender, the exception classes), and importing the package costs about 3x the engine:
~120 ms more on its own, ~110M instructions more in a pytest run (which has already
loaded some of the same standard modules), paid by every ``--ipfs-accel-db`` run. Older
duckdb versions have no ``_duckdb``; then this is the ``duckdb`` package itself. The
classes are the same objects either way, so ``engine().Error`` catches what
``duckdb.Error`` does.

Only the capture writer's own connection comes from here. Importing the package adds
methods to the connection class (``sql``, ``table``, ``read_csv``, ...), so connections
that reach users (``connect.open_database``, the CLI) come from the package itself.
"""

from __future__ import annotations

import functools
from types import ModuleType

#: What the writer and the DB openers use of the engine.
_NEEDED = ("connect", "Error", "DuckDBPyConnection")


@functools.cache
def engine() -> ModuleType:
    """``_duckdb`` when it offers what we use, else the ``duckdb`` package."""
    try:
        import _duckdb
    except ImportError:
        pass
    else:
        if all(hasattr(_duckdb, name) for name in _NEEDED):
            return _duckdb
    import duckdb

    return duckdb
