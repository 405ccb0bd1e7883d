"""A one-line progress indicator on stderr for long work (replay, learning, load)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, label: str, stream: TextIO = sys.stderr) -> None:
        self._label = label
        self._stream = stream
        self._started = time.monotonic()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last < 0.2:
            return
        self._last = now
        rate = done / max(now - self._started, 1e-9)
        self._stream.write(f"\r{self._label}: {done}/{total} ({rate:.0f}/s)")
        if done >= total:
            self._stream.write("\n")
        self._stream.flush()
