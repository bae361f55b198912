"""Validation of config data against the schema; errors name file, key path, type and value."""

from __future__ import annotations

import difflib
import math
import reprlib
from collections.abc import Iterable, Mapping
from typing import Any

from pytest_ipfs_accelerate.config.schema import ENDPOINT_FIELDS, SCHEMA, Field
from pytest_ipfs_accelerate.errors import ConfigError


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """A ``did you mean 'x'?`` suffix, or the list of valid names when nothing is close."""
    candidates = sorted(candidates)
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return "valid keys: " + ", ".join(candidates) if candidates else "no keys are valid here"


def check_value(field: Field, value: Any, where: str, key: str) -> Any:
    """Return ``value`` if it fits ``field`` (ints are accepted for floats), else raise:
    the type, the allowed choices, a number's range (never ``nan`` or ``inf``), no NUL in
    a string, and an array's items or a table's values (``field.items``)."""
    types = field.type if isinstance(field.type, tuple) else (field.type,)
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if not ok and float in types and _is_int(value):
        value, ok = _as_float(field, value, where, key), True
    if not ok:
        raise ConfigError(
            f"{where}: key '{_name(key)}': expected {field.type_name}, found "
            f"{_type_word(value)} {_show(field, value)}"
        )
    if field.choices is not None and value not in field.choices:
        allowed = ", ".join(repr(c) for c in field.choices)
        raise ConfigError(f"{where}: key '{_name(key)}': {_show(field, value)} is not one of "
                          f"{allowed}")
    if isinstance(value, list):
        return [_check_item(field, item, where, f"{key}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, Mapping):
        return {_check_item(field, str(k), where, key, text_only=True):
                _check_item(field, v, where, f"{key}.{k}") for k, v in value.items()}
    return _check_scalar(field, value, where, key)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_float(field: Field, value: int, where: str, key: str) -> float:
    try:
        return float(value)
    except OverflowError:
        raise ConfigError(f"{where}: key '{_name(key)}': {_show(field, value)} is out of range; "
                          f"expected {field.range_text}") from None


def _check_scalar(field: Field, value: Any, where: str, key: str) -> Any:
    """A string without NUL; a finite number in the field's range."""
    if isinstance(value, str):
        if "\0" in value:
            raise ConfigError(f"{where}: key '{_name(key)}': the value holds a NUL character "
                              f"({_show(field, value)}); remove it")
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        low_ok = value > field.low if field.low_open else value >= field.low
        if not (math.isfinite(value) and low_ok and value <= field.high):
            raise ConfigError(f"{where}: key '{_name(key)}': {_show(field, value)} is out of "
                              f"range; expected {field.range_text}")
    return value


def _check_item(field: Field, item: Any, where: str, key: str, *,
                text_only: bool = False) -> Any:
    """An array item or table value (a table key: ``text_only``) of ``field``."""
    kind = str if text_only else field.items
    if kind is not None and not text_only:
        fits = isinstance(item, kind) and not isinstance(item, bool)
        if not fits and kind is float and _is_int(item):
            item, fits = _as_float(field, item, where, key), True
        if not fits:
            raise ConfigError(f"{where}: key '{_name(key)}': expected "
                              f"{'a string' if kind is str else field.range_text}, found "
                              f"{_type_word(item)} {_show(field, item)}")
    return _check_scalar(field, item, where, key)


def validate_data(data: Mapping[str, Any], where: str) -> dict[str, dict[str, Any]]:
    """Check a whole config mapping (as read from TOML); return a normalised copy."""
    out: dict[str, dict[str, Any]] = {}
    for section, table in data.items():
        if section not in SCHEMA:
            raise ConfigError(
                f"{where}: unknown section [{_name(section)}]: {did_you_mean(section, SCHEMA)}"
            )
        if not isinstance(table, Mapping):
            raise ConfigError(
                f"{where}: '{_name(section)}' must be a table ([{_name(section)}]), found "
                f"{_type_word(table)}"
            )
        out[section] = _validate_section(section, table, where)
    return out


def _validate_section(section: str, table: Mapping[str, Any], where: str) -> dict[str, Any]:
    fields = SCHEMA[section]
    result: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{section}.{key}"
        if section == "endpoints" and isinstance(value, Mapping):
            if key in fields:  # [endpoints.default] would shadow `default = "<name>"`
                raise ConfigError(
                    f"{where}: '{_name(path)}' is a setting ({fields[key].help.rstrip('.')}), "
                    f"not an endpoint table; name the endpoint otherwise, e.g. "
                    f"[endpoints.local], and set {key} = \"local\"")
            result[key] = _validate_endpoint(key, value, where)
            continue
        if key not in fields:
            raise ConfigError(f"{where}: unknown key '{_name(path)}': {did_you_mean(key, fields)}")
        result[key] = check_value(fields[key], value, where, path)
    return result


def _validate_endpoint(name: str, table: Mapping[str, Any], where: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in table.items():
        path = f"endpoints.{name}.{key}"
        if key not in ENDPOINT_FIELDS:
            raise ConfigError(
                f"{where}: unknown key '{_name(path)}': {did_you_mean(key, ENDPOINT_FIELDS)}"
            )
        result[key] = check_value(ENDPOINT_FIELDS[key], value, where, path)
    return result


def _name(name: str) -> str:
    """A name fit for a one-line message (control characters escaped)."""
    return name if name.isprintable() else repr(name)[1:-1]


def _type_word(value: Any) -> str:
    words = {bool: "boolean", int: "integer", float: "number", str: "string",
             list: "array", dict: "table"}
    for typ, word in words.items():
        if type(value) is typ:
            return word
    return "table" if isinstance(value, Mapping) else type(value).__name__


_REPR = reprlib.Repr()
_REPR.maxstring, _REPR.maxother, _REPR.maxlevel = 60, 60, 3


def _show(field: Field, value: Any) -> str:
    """The value as the message quotes it: short, at most three levels deep, control
    characters escaped (a secret never)."""
    return "'***'" if field.secret else _REPR.repr(value)
