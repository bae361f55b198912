"""Integer options read as go-ipfs-cmds reads them: strconv.ParseInt/ParseUint(v, 0, bits)."""

from __future__ import annotations

import pytest

from pytest_ipfs_accelerate.ipfs.engine.option_values import go_int


@pytest.mark.parametrize(("text", "bits", "signed", "value"), [
    ("17", 64, True, 17), ("-5", 64, True, -5), ("+5", 64, True, 5), ("0", 64, True, 0),
    ("017", 64, True, 15), ("0o17", 64, True, 15), ("0x1F", 64, True, 31), ("0b101", 64, True, 5),
    ("1_000", 64, True, 1000), ("0_7", 64, True, 7), ("0x_1", 64, True, 1),
    ("4294967295", 32, False, 2**32 - 1), ("-2147483648", 32, True, -2**31),
    ("9223372036854775807", 64, True, 2**63 - 1),
])
def test_accepted_as_go_accepts_them(text, bits, signed, value):
    assert go_int(text, bits, signed) == value


@pytest.mark.parametrize(("text", "bits", "signed"), [
    ("", 64, True), ("-", 64, True), ("+", 64, False), ("0x", 64, True), ("08", 64, True),
    ("1__0", 64, True), ("_1", 64, True), ("1_", 64, True), ("1.5", 64, True), (" 1", 64, True),
    ("-1", 32, False), ("4294967296", 32, False), ("2147483648", 32, True),
    ("37777777777", 32, False), ("١٢", 64, True),  # not ASCII digits
])
def test_refused_as_go_refuses_them(text, bits, signed):
    with pytest.raises(ValueError):
        go_int(text, bits, signed)
