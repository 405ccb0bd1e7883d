"""The end of a process's init phase (a Lambda environment's module load, an emulation's start)."""

from __future__ import annotations

import gc


def end_of_init() -> None:
    """Keep what init built (modules, SDK clients and their service models, the shop's knowledge) out of every
    later garbage collection: it lives as long as the process. Full collections then scan only what requests
    create, and stay short (measured in a local burst: a webhook environment's full collections went from ~40 ms
    to under 1 ms, the local runtime process's from ~90 ms to 2 ms)."""
    gc.collect()  # garbage made during init is freed, not frozen
    gc.freeze()
