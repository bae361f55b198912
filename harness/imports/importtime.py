"""Parse ``python -X importtime`` output: which modules were imported, and at what cost."""

from __future__ import annotations

import re

_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)\s*$")


def parse_importtime(stderr: str) -> dict[str, int]:
    """Module name to its *self* import time in microseconds, from ``-X importtime``."""
    modules: dict[str, int] = {}
    for line in stderr.splitlines():
        m = _LINE.match(line)
        if m:
            modules[m.group(3)] = modules.get(m.group(3), 0) + int(m.group(1))
    return modules


def new_modules(case: dict[str, int], baseline: dict[str, int]) -> dict[str, int]:
    """The modules ``case`` imported that ``baseline`` did not, with their self times."""
    return {name: us for name, us in case.items() if name not in baseline}
