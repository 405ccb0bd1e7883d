"""CPU priority of the local runtime's background processes."""

from __future__ import annotations

import os

# Where SCHED_IDLE is missing (macOS), a positive nice value is the nearest thing.
FALLBACK_NICENESS = 10


def run_in_background() -> None:
    """Let this process run only when nothing else wants the CPU (call it in a ``preexec_fn``).

    SCHED_IDLE needs no privileges on Linux; unlike a nice value, it lets every normal process
    (the webhook path) preempt this one at once, so the acknowledgement tail stays short while the
    reply path works through its backlog in the gaps.
    """
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    else:
        os.nice(FALLBACK_NICENESS)
