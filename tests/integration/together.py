"""Run one function on several threads at once, for the tests that race conditional writes."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_together(target: Callable[[int], None], count: int, timeout: float) -> None:
    """``target(n)`` for n in range(count), each on its own thread; returns when all are done (or timed out)."""
    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
