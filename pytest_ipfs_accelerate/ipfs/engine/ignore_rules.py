"""``ipfs add --ignore`` / ``--ignore-rules-path``: gitignore-style rules as Kubo applies them.

A port of github.com/crackcomm/go-gitignore (what boxo's ``files.Filter`` uses): each
line becomes a regular expression; the last matching rule wins, ``!`` negates. boxo
matches an entry's *name* only (``fileInfo.Name()``), never its path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pytest_ipfs_accelerate.ipfs.engine.values import FrozenValue, set_field

_MAGIC_STAR = "#$~"


def _pattern(line: str) -> tuple[re.Pattern[str] | None, bool]:
    line = line.rstrip("\r")
    if line.startswith("#"):
        return None, False
    line = line.strip(" ")
    if not line:
        return None, False
    negate = line[0] == "!"
    if negate:
        line = line[1:]
    if re.match(r"^(#|!)", line):
        line = line[1:]
    if re.search(r"([^/+])/.*\*\.", line) and not line.startswith("/"):
        line = "/" + line
    line = line.replace(".", r"\.")
    if line.startswith("/**/"):
        line = line[1:]
    line = line.replace("/**/", "(/|/.+/)")
    line = line.replace("**/", "(|." + _MAGIC_STAR + "/)")
    line = line.replace("/**", "(|/." + _MAGIC_STAR + ")")
    line = line.replace("\\*", "\\" + _MAGIC_STAR)
    line = line.replace("*", "([^/]*)")
    line = line.replace("?", r"\?")
    line = line.replace(_MAGIC_STAR, "*")
    expr = line + ("(|.*)$" if line.endswith("/") else "(|/.*)$")
    expr = "^(|/)" + expr[1:] if expr.startswith("/") else "^(|.*/)" + expr
    try:
        return re.compile(expr), negate
    except re.error:  # Go ignores a pattern that does not compile
        return None, False


class IgnoreRules(FrozenValue):
    """Compiled rules; :meth:`matches` says whether a name is ignored."""

    __slots__ = ("patterns",)
    patterns: tuple[tuple[re.Pattern[str], bool], ...]

    def __init__(self, patterns: tuple[tuple[re.Pattern[str], bool], ...]) -> None:
        set_field(self, "patterns", patterns)

    @classmethod
    def compile(cls, lines: Iterable[str]) -> IgnoreRules:
        out = []
        for line in lines:
            pattern, negate = _pattern(line)
            if pattern is not None:
                out.append((pattern, negate))
        return cls(tuple(out))

    def matches(self, name: str) -> bool:
        matched = False
        for pattern, negate in self.patterns:
            if pattern.search(name):
                if not negate:
                    matched = True
                elif matched:
                    matched = False
        return matched
