"""Option values as Kubo's commands read them: booleans and integers, given as text.

The RPC server reads query arguments with these; the ``add`` flag table too.
"""

from __future__ import annotations

import re

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


_PREFIXES = {"0x": 16, "0o": 8, "0b": 2}
_DIGITS = {16: "0-9a-fA-F", 10: "0-9", 8: "0-7", 2: "01"}


def go_int(text: str, bits: int = 64, signed: bool = True) -> int:
    """An integer as Go's ``strconv.ParseInt(text, 0, bits)`` (``ParseUint`` when not
    ``signed``) reads it, as go-ipfs-cmds parses int and uint options: a sign (ParseInt
    only), then ``0x``/``0o``/``0b``, a leading ``0`` (octal) or decimal digits, ``_``
    between digits; within ``bits``. Anything else raises ValueError."""
    body, sign = text, 1
    if signed and body[:1] in ("+", "-"):
        sign, body = (-1 if body[0] == "-" else 1), body[1:]
    base = _PREFIXES.get(body[:2].lower(), 0)
    digits = body[2:] if base else body
    if not base:
        base = 8 if len(body) > 1 and body.startswith("0") else 10
        digits = body[1:] if base == 8 else body
    if not re.fullmatch(f"_?[{_DIGITS[base]}]+(_[{_DIGITS[base]}]+)*", digits or "x") or \
            (digits.startswith("_") and body[:1] != "0"):
        raise ValueError(f"invalid syntax: {text!r}")
    value = sign * int(digits.replace("_", ""), base)
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if not low <= value <= high:
        raise ValueError(f"value out of range: {text!r}")
    return value


def parse_int(name: str, value: str | None, default: int | None,
              minimum: int | None = None) -> int | None:
    """An integer option; ``None`` or ``""`` gives ``default``; below ``minimum`` is an error."""
    if value is None or value == "":
        return default
    try:
        out = go_int(value)
    except ValueError:
        raise BadRequestError(
            f'invalid value "{value}" for option "{name}": expected an integer') from None
    if minimum is not None and out < minimum:
        raise BadRequestError(f'option "{name}" must be >= {minimum}, got {out}')
    return out
