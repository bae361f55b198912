"""Option values as Kubo's commands read them: booleans and integers, given as text.

The RPC server reads query arguments with these; the ``add`` flag table too.
"""

from __future__ import annotations

from pytest_ipfs_accelerate.ipfs.engine.errors import BadRequestError

_TRUE = {"true", "1", "t", "yes", "on", ""}
_FALSE = {"false", "0", "f", "no", "off"}


def parse_bool(name: str, value: str | None, default: bool) -> bool:
    """Kubo-style boolean option (``True``/``true``/``1``; a bare ``?flag`` is true)."""
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise BadRequestError(f'invalid value "{value}" for option "{name}": expected a boolean')


def parse_int(name: str, value: str | None, default: int | None,
              minimum: int | None = None) -> int | None:
    """An integer option; ``None`` or ``""`` gives ``default``; below ``minimum`` is an error."""
    if value is None or value == "":
        return default
    try:
        out = int(value)
    except ValueError:
        raise BadRequestError(
            f'invalid value "{value}" for option "{name}": expected an integer') from None
    if minimum is not None and out < minimum:
        raise BadRequestError(f'option "{name}" must be >= {minimum}, got {out}')
    return out
