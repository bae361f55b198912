"""Lazy package exports: names load on first use, so importing a package stays cheap."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence

TYPE_CHECKING = False  # typing costs the CLI ~3 ms of start-up: annotations only
if TYPE_CHECKING:
    from typing import Any


def lazy_exports(package: str, exports: Mapping[str, Sequence[str]],
                 namespace: dict[str, Any]) -> tuple[Callable[[str], Any], list[str]]:
    """A module ``__getattr__`` and ``__all__`` for ``{submodule: (names...)}``.

    The first access imports ``package.submodule`` and caches the name in ``namespace``
    (the package's ``globals()``).
    """
    where = {name: module for module, names in exports.items() for name in names}
    shadowed = sorted(set(where) & set(exports))
    if shadowed:  # importing that submodule would replace the name with the module
        raise ValueError(f"{package}: export {shadowed[0]!r} has a submodule's name")

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    return __getattr__, sorted(where)
