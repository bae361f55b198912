"""One transaction on a DuckDB connection: commit on success, roll back on any error."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def transaction(con: Any) -> Iterator[Any]:
    """``BEGIN``; ``COMMIT`` when the block ends, ``ROLLBACK`` (its own failure ignored) and
    re-raise when it raises, ``KeyboardInterrupt`` included."""
    con.begin()
    try:
        yield con
    except BaseException:
        with contextlib.suppress(Exception):
            con.rollback()
        raise
    con.commit()
