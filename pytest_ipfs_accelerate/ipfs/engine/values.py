"""The engine's value types: equality, hash, repr and pickling from ``__slots__``.

What ``dataclasses`` would give, without its cost where the engine runs as a command:
``ipfs-accel ipfs add`` has a start-up budget (DESIGN.md), and importing ``dataclasses``
(which imports ``inspect``) and creating the engine's classes with it took ~13 ms of it.
Each subclass lists its fields in ``__slots__`` and takes them, in that order, in its
hand-written ``__init__``, whose parameters are named as the fields.
"""

from __future__ import annotations

from operator import attrgetter

TYPE_CHECKING = False  # typing costs the CLI ~3 ms of start-up: annotations only
if TYPE_CHECKING:
    from typing import Any

_set = object.__setattr__


class Value:
    """Compares, hashes and prints by its fields; a mutable subclass sets
    ``__hash__ = None``, as a dataclass does."""

    __slots__: tuple[str, ...] = ()
    #: The field values as a tuple, in ``__slots__`` order (one C call: CIDs are dict keys).
    _fields: Any = staticmethod(lambda obj: ())

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = cls.__dict__.get("__slots__", ())
        if names:
            get = attrgetter(*names)
            cls._fields = staticmethod(get if len(names) > 1 else lambda obj: (get(obj),))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields(self) == self._fields(other)

    def __hash__(self) -> int:
        return hash(self._fields(self))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), self._fields(self)

    def replace(self, **changes: Any) -> Any:
        """A copy with ``changes`` (``dataclasses.replace``); the copy is checked as new."""
        values = {name: getattr(self, name) for name in self.__slots__}
        return type(self)(**{**values, **changes})


class FrozenValue(Value):
    """A :class:`Value` whose fields cannot change: ``__init__`` sets them with
    :func:`set_field`."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of a frozen "
                             f"{type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of a frozen {type(self).__name__}")


def set_field(obj: FrozenValue, name: str, value: object) -> None:
    """Set a frozen value's field (in its ``__init__`` only)."""
    _set(obj, name, value)


def set_fields(obj: FrozenValue, given: dict[str, Any]) -> None:
    """Set every field of a frozen value from its ``__init__``'s ``locals()``, whose
    parameters are named as the fields."""
    for name in obj.__slots__:
        _set(obj, name, given[name])
