"""Multibase: base58btc, base32, base36, base16 and base64 with their prefix characters."""

from __future__ import annotations

import base64
import binascii

from pytest_ipfs_accelerate.errors import IpfsAccelError


class MultibaseError(IpfsAccelError, ValueError):
    """A multibase string has an unknown prefix or characters outside its alphabet."""


B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(B58_ALPHABET)}
B36_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_B36_INDEX = {c: i for i, c in enumerate(B36_ALPHABET)}
_B32_LOWER = set("abcdefghijklmnopqrstuvwxyz234567")


def _encode_radix(data: bytes, alphabet: str) -> str:
    zeros = len(data) - len(data.lstrip(b"\0"))
    num = int.from_bytes(data, "big")
    base = len(alphabet)
    digits = []
    while num:
        num, rem = divmod(num, base)
        digits.append(alphabet[rem])
    return alphabet[0] * zeros + "".join(reversed(digits))


def _decode_radix(text: str, index: dict[str, int], name: str) -> bytes:
    base = len(index)
    num = 0
    for pos, char in enumerate(text):
        digit = index.get(char)
        if digit is None:
            raise MultibaseError(f"bad {name} character {char!r} at position {pos}")
        num = num * base + digit
    zero = next(iter(index))
    zeros = len(text) - len(text.lstrip(zero))
    body = num.to_bytes((num.bit_length() + 7) // 8, "big") if num else b""
    return b"\0" * zeros + body


def b58encode(data: bytes) -> str:
    """base58btc (Bitcoin alphabet), without a multibase prefix."""
    return _encode_radix(data, B58_ALPHABET)


def b58decode(text: str) -> bytes:
    """Decode base58btc without a multibase prefix; raises MultibaseError naming a bad character."""
    return _decode_radix(text, _B58_INDEX, "base58btc")


def _b32encode(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=").lower()


def _b32decode(text: str) -> bytes:
    for pos, char in enumerate(text):
        if char not in _B32_LOWER:
            raise MultibaseError(f"bad base32 character {char!r} at position {pos}")
    if len(text) % 8 in (1, 3, 6):
        raise MultibaseError(f"base32 text has an impossible length {len(text)}")
    try:
        return base64.b32decode(text.upper() + "=" * (-len(text) % 8))
    except binascii.Error as exc:
        raise MultibaseError(f"bad base32 text: {exc}")


def _b16decode(text: str) -> bytes:
    if len(text) % 2:
        raise MultibaseError(f"base16 text has an odd length {len(text)}")
    try:
        return bytes.fromhex(text)
    except ValueError:
        bad = next(i for i, c in enumerate(text) if c not in "0123456789abcdefABCDEF")
        raise MultibaseError(f"bad base16 character {text[bad]!r} at position {bad}")


def _b64decode(text: str, urlsafe: bool) -> bytes:
    padded = text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4)
    try:
        if urlsafe:
            return base64.b64decode(padded, altchars=b"-_", validate=True)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MultibaseError(f"bad base64 text: {exc}")


#: prefix -> name
BASES = {
    "z": "base58btc",
    "b": "base32",
    "B": "base32upper",
    "k": "base36",
    "K": "base36upper",
    "f": "base16",
    "F": "base16upper",
    "m": "base64",
    "u": "base64url",
}
_PREFIX_BY_NAME = {name: prefix for prefix, name in BASES.items()}


def encode(data: bytes, base: str) -> str:
    """Multibase text of ``data``: the base's prefix character, then its encoding.

    ``base`` is a name (``base32``, ``base58btc``...) or a prefix character (``b``, ``z``...).
    """
    prefix = base if base in BASES else _PREFIX_BY_NAME.get(base)
    if prefix is None:
        raise MultibaseError(f"unknown multibase {base!r}: use one of {', '.join(_PREFIX_BY_NAME)}")
    if prefix == "z":
        body = b58encode(data)
    elif prefix in "bB":
        body = _b32encode(data)
        body = body.upper() if prefix == "B" else body
    elif prefix in "kK":
        body = _encode_radix(data, B36_ALPHABET)
        body = body.upper() if prefix == "K" else body
    elif prefix in "fF":
        body = data.hex()
        body = body.upper() if prefix == "F" else body
    elif prefix == "m":
        body = base64.b64encode(data).decode("ascii").rstrip("=")
    else:
        body = base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
    return prefix + body


def decode(text: str) -> tuple[str, bytes]:
    """Decode multibase text; return ``(base name, bytes)``."""
    if not text:
        raise MultibaseError("empty multibase string")
    prefix, body = text[0], text[1:]
    name = BASES.get(prefix)
    if name is None:
        raise MultibaseError(f"unknown multibase prefix {prefix!r}: expected one of {''.join(BASES)}")
    if prefix == "z":
        return name, b58decode(body)
    if prefix == "b":
        return name, _b32decode(body)
    if prefix == "B":
        if body != body.upper():
            raise MultibaseError("base32upper text has lower-case characters")
        return name, _b32decode(body.lower())
    if prefix in "kK":
        if (prefix == "k" and body != body.lower()) or (prefix == "K" and body != body.upper()):
            raise MultibaseError(f"{name} text has mixed-case characters")
        return name, _decode_radix(body.lower(), _B36_INDEX, name)
    if prefix in "fF":
        if (prefix == "f" and body != body.lower()) or (prefix == "F" and body != body.upper()):
            raise MultibaseError(f"{name} text has mixed-case characters")
        return name, _b16decode(body)
    return name, _b64decode(body, urlsafe=prefix == "u")
