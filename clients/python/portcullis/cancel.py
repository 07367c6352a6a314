"""A cancellation token for waits that may be long (an approval can take
hours): another thread, a signal handler or a UI calls ``cancel()`` and the
wait ends at once with ``Cancelled``. Thread-safe."""

from __future__ import annotations

import threading
from typing import Callable, List

__all__ = ["CancelToken"]


class CancelToken:
    """Set once, never reset. Callbacks registered with ``on_cancel`` run
    exactly once, on the thread that cancels (or at once if already
    cancelled); they must be quick and must not raise."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._callbacks: List[Callable[[], None]] = []

    @property
    def cancelled(self) -> bool:
        with self._lock:
            return self._cancelled

    def cancel(self) -> None:
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Registers ``callback``; returns a function that unregisters it."""
        with self._lock:
            if not self._cancelled:
                self._callbacks.append(callback)
                return lambda: self._remove(callback)
        callback()
        return lambda: None

    def _remove(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)
