"""A result handed from one thread to another: given once, waited for, its error raised
where it is waited for. The DB writer's start-up verdict and background jobs, and the
engine's leaf-hashing tasks, are each one of these."""

from __future__ import annotations

import threading

TYPE_CHECKING = False  # typing costs the CLI ~3 ms of start-up: annotations only
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class Outcome:
    """A value or an error, given once by one thread; :meth:`wait` blocks until then."""

    __slots__ = ("_event", "error", "value")

    def __init__(self) -> None:
        self._event = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None

    @property
    def given(self) -> bool:
        return self._event.is_set()

    def give(self, value: Any, error: BaseException | None = None) -> None:
        """The first call counts; later ones are ignored."""
        if not self._event.is_set():
            self.value, self.error = value, error
            self._event.set()

    def give_call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Give what ``fn(*args)`` returns, or the exception it raises."""
        try:
            value = fn(*args)
        except BaseException as exc:  # raised by wait(), on the waiting thread
            self.give(None, exc)
        else:
            self.give(value)

    def wait(self) -> Any:
        self._event.wait()
        if self.error is not None:
            raise self.error
        return self.value
