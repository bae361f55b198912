"""Fuzz the TOML config loader: from any bytes or any TOML document, ``Settings`` either
loads (and then every key reads back with its declared type) or raises ``ConfigError``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import tomli_w
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pytest_ipfs_accelerate.config import SCHEMA, ConfigError, Settings

FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

KNOWN_KEYS = [(s, k) for s, fields in SCHEMA.items() for k in fields]
scalars = st.one_of(st.booleans(), st.integers(-2**63, 2**63 - 1),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
                    st.dates(), st.datetimes())
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6)
names = st.one_of(st.sampled_from([s for s, _ in KNOWN_KEYS] + ["endpoints", "bogus"]),
                  st.text(max_size=10))


@st.composite
def documents(draw: st.DrawFn) -> dict[str, object]:
    """Mostly-plausible config tables: known sections and keys with any value."""
    doc: dict[str, object] = {}
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            section, key = draw(st.sampled_from(KNOWN_KEYS))
        else:
            section, key = draw(names), draw(st.text(max_size=10))
        table = doc.setdefault(section, {})
        if isinstance(table, dict):
            table[key] = draw(values)
        else:
            doc[section] = draw(values)
    if draw(st.booleans()):
        doc["endpoints"] = draw(st.dictionaries(st.text(max_size=6), st.one_of(
            values, st.fixed_dictionaries({"host": values, "port": values, "api_key": values})),
            max_size=2))
    return doc


def _load(raw: bytes) -> Settings | None:
    fd, name = tempfile.mkstemp(suffix=".toml")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        try:
            return Settings.load(name, env={})
        except ConfigError as exc:
            assert str(exc) and "\n" not in str(exc).strip()  # one clear line
            return None
    finally:
        Path(name).unlink()


def _check_types(s: Settings) -> None:
    for section, key in KNOWN_KEYS:
        field = SCHEMA[section][key]
        value = s.get(f"{section}.{key}")
        types = field.type if isinstance(field.type, tuple) else (field.type,)
        assert isinstance(value, types), (section, key, value)
        if field.choices:
            assert value in field.choices


@FUZZ
@given(st.binary(max_size=400))
@example(b"\x80")
def test_arbitrary_bytes_load_or_raise_config_error(raw):
    s = _load(raw)
    if s is not None:
        _check_types(s)


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text_loads_or_raises_config_error(text):
    s = _load(text.encode("utf-8", "surrogatepass"))
    if s is not None:
        _check_types(s)


@FUZZ
@given(documents())
@example({"\n": {"": []}})
@example({"endpoints": {"default": {}}})  # a table where the default endpoint's name goes
def test_arbitrary_toml_documents_validate_or_raise_config_error(doc):
    try:
        raw = tomli_w.dumps(doc).encode()
    except (TypeError, ValueError):
        return  # not representable in TOML (e.g. mixed arrays in old writers)
    s = _load(raw)
    if s is not None:
        _check_types(s)


@FUZZ
@given(st.sampled_from(KNOWN_KEYS), st.text(max_size=30))
def test_env_values_validate_or_raise_config_error(key, raw):
    from pytest_ipfs_accelerate.config import env_name

    section, name = key
    try:
        s = Settings(None, env={env_name(f"{section}.{name}"): raw})
    except ConfigError:
        return
    _check_types(s)
