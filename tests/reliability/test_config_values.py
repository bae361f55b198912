"""Issue 15, case 8: ``nan``, ``inf``, negative and absurd numbers, a NUL in a path and a
5,000-deep array are one-line validation errors, in the plugin (file, env, options) and in
``ipfs-accel config validate`` alike, and a refused config creates no file."""

from __future__ import annotations

import math

import pytest

from harness.reliability.adversarial import capture_cases as cases
from pytest_ipfs_accelerate.config import SCHEMA, Settings
from pytest_ipfs_accelerate.errors import ConfigError


def test_bad_config_values_are_one_line_errors():
    cases.case_8_bad_config_values_are_one_line_errors()


NUMBERS = [(f"{section}.{key}", field) for section, fields in SCHEMA.items()
           for key, field in fields.items() if field.type in (int, float)]


@pytest.mark.parametrize(("key", "field"), NUMBERS, ids=[k for k, _ in NUMBERS])
def test_every_number_has_a_range(key, field):
    section, name = key.split(".")
    assert field.low <= field.default <= field.high, key
    bad = [field.low - 1, field.high + 1]
    if field.type is float:
        bad += [math.nan, math.inf, -math.inf]
    for value in bad:
        value = value if field.type is float else int(value)
        with pytest.raises(ConfigError, match=f"key '{key}'.*out of range"):
            Settings({section: {name: value}})
