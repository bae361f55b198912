"""Which test is running in this process: pytest's ``PYTEST_CURRENT_TEST``."""

from __future__ import annotations

import os

_VAR = "PYTEST_CURRENT_TEST"


def outer_test() -> str | None:
    """The variable as a session starts. It is set then only when the session runs inside
    another pytest's test (pytester's in-process runs): that test is not one of ours."""
    return os.environ.get(_VAR)


def current_nodeid(outer: str | None = None) -> str | None:
    """The node id of the test whose setup, call or teardown is running; None outside tests
    (collection, session start and end) and while the variable still holds ``outer``.

    pytest sets the variable to ``"<nodeid> (<when>)"`` for each phase and removes it after.
    """
    value = os.environ.get(_VAR)
    if not value or value == outer:
        return None
    return value.rpartition(" ")[0] or None
